"""After-sales races on PostgreSQL (real row locks, one connection per thread): whoever comes
second finds the after-sale already moved on and changes nothing."""

from __future__ import annotations

import pytest

from catalog.models import SKU
from core.errors import ApplicationError
from orders import services
from orders.models import AfterSale, AfterSaleEvent, Order, OrderEvent, OrderStatus
from payments.models import Refund
from tests.concurrency import run_at_once
from tests.factories import AddressFactory, ShopperFactory, make_product

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
S = AfterSale.Status


def paid_orders(shop, count: int, *, price_fen: int = 10000):
    sku = make_product(shop=shop, price_fen=price_fen, stock=count).skus.get()
    orders = []
    for i in range(count):
        user = ShopperFactory(username=f"racer{i}")
        order = services.order_place(
            shop=shop, user=user, items=[(sku.pk, 1)], address_id=AddressFactory(user=user).pk
        )
        services.order_mark_paid(order=order, amount_fen=order.total_fen)
        orders.append(Order.objects.get(pk=order.pk))
    return sku, orders


def full_refund_request(order) -> AfterSale:
    return services.after_sale_request(
        order=order,
        user=order.user,
        kind=AfterSale.Kind.REFUND_ONLY,
        reason="不要了",
        amount_fen=order.paid_fen,
    )


def test_merchant_approves_while_shopper_withdraws_exactly_one_wins(shop_a, merchant_a):
    sku, orders = paid_orders(shop_a, 6)
    requests = [full_refund_request(order) for order in orders]

    def approve(after_sale):
        return services.after_sale_approve(
            shop=shop_a, after_sale_no=after_sale.after_sale_no, actor=merchant_a
        )

    def withdraw(after_sale):
        return services.after_sale_withdraw(
            order=after_sale.order, user=after_sale.order.user, after_sale_no=after_sale.after_sale_no
        )

    outcomes = set()
    for i, after_sale in enumerate(requests):
        calls = [(approve, after_sale), (withdraw, after_sale)]
        results = run_at_once(lambda f, a: f(a), calls if i % 2 else calls[::-1])
        errors = [r for r in results if isinstance(r, Exception)]
        assert len(errors) == 1 and isinstance(errors[0], ApplicationError), results
        assert errors[0].code == "after_sale_not_pending"
        after_sale.refresh_from_db()
        order = Order.objects.get(pk=after_sale.order_id)
        outcomes.add(after_sale.status)
        moves = list(AfterSaleEvent.objects.filter(after_sale=after_sale).values_list("to_status", flat=True))
        if after_sale.status == S.WITHDRAWN:
            assert not Refund.objects.filter(after_sale=after_sale).exists()
            assert order.refunded_fen == 0 and order.status == OrderStatus.PAID
            assert moves == [S.REQUESTED, S.WITHDRAWN]
            assert not order.events.filter(type__in=["refund_approved", "refunded"]).exists()
        else:
            assert after_sale.status == S.REFUNDED
            assert Refund.objects.filter(after_sale=after_sale).count() == 1
            assert order.refunded_fen == order.paid_fen and order.status == OrderStatus.CLOSED
            assert moves == [S.REQUESTED, S.REFUNDING, S.REFUNDED]
            assert not order.events.filter(type="refund_withdrawn").exists()
    sku.refresh_from_db()
    closed = Order.objects.filter(status=OrderStatus.CLOSED).count()
    assert sku.stock == closed  # each closed, unshipped order gave its unit back once
    assert outcomes <= {S.WITHDRAWN, S.REFUNDED}


def test_approve_racing_reject_gives_one_decision(shop_a):
    _sku, (order,) = paid_orders(shop_a, 1)
    after_sale = full_refund_request(order)
    results = run_at_once(
        lambda f: f(),
        [
            (
                lambda: services.after_sale_approve(
                    shop=shop_a, after_sale_no=after_sale.after_sale_no, actor=None
                ),
            ),
            (
                lambda: services.after_sale_reject(
                    shop=shop_a, after_sale_no=after_sale.after_sale_no, actor=None, reason="不符合条件"
                ),
            ),
        ],
    )
    assert sum(isinstance(r, ApplicationError) for r in results) == 1, results
    after_sale.refresh_from_db()
    assert AfterSaleEvent.objects.filter(after_sale=after_sale, from_status=S.REQUESTED).count() == 1
    refunds = Refund.objects.filter(after_sale=after_sale).count()
    assert (after_sale.status, refunds) in {(S.REJECTED, 0), (S.REFUNDED, 1)}


def test_two_refund_results_at_once_count_once(shop_a):
    sku, (order,) = paid_orders(shop_a, 1)
    after_sale = full_refund_request(order)
    AfterSale.objects.filter(pk=after_sale.pk).update(status=S.REFUNDING)  # the refund is at the provider
    results = run_at_once(
        lambda: services.after_sale_refund_result(after_sale=after_sale, succeeded=True), [(), (), (), ()]
    )
    assert all(isinstance(r, AfterSale) for r in results), results
    order.refresh_from_db()
    assert order.refunded_fen == order.paid_fen and order.status == OrderStatus.CLOSED
    assert OrderEvent.objects.filter(order=order, type="refunded").count() == 1
    assert AfterSaleEvent.objects.filter(after_sale=after_sale, to_status=S.REFUNDED).count() == 1
    assert SKU.objects.get(pk=sku.pk).stock == 1  # released once, not four times
