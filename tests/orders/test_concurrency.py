"""Races that only PostgreSQL can show honestly: real row locks, separate connections."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import SKU
from core.errors import ApplicationError
from orders import services
from orders.models import Order, OrderEvent, OrderStatus
from tests.concurrency import run_at_once
from tests.factories import AddressFactory, ShopperFactory, make_product

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_buyers_ten_units_exactly_ten_orders(shop_a):
    sku = make_product(shop=shop_a, title="秒杀款", price_fen=990, stock=10).skus.get()
    buyers = [(ShopperFactory(username=f"b{i}"),) for i in range(50)]
    addresses = {user.pk: AddressFactory(user=user).pk for (user,) in buyers}

    def buy(user):
        return services.order_place(
            shop=shop_a, user=user, items=[(sku.pk, 1)], address_id=addresses[user.pk]
        )

    results = run_at_once(buy, buyers)
    orders = [r for r in results if isinstance(r, Order)]
    refusals = [r for r in results if isinstance(r, ApplicationError)]
    unexpected = [r for r in results if not isinstance(r, (Order, ApplicationError))]
    assert unexpected == []  # no deadlock, no integrity error
    assert len(orders) == 10 and len(refusals) == 40
    assert {r.code for r in refusals} == {"out_of_stock"}
    sku.refresh_from_db()
    assert sku.stock == 0
    assert Order.objects.count() == 10
    sku.product.refresh_from_db()
    assert sku.product.stock_total == 0


def test_two_skus_in_opposite_order_do_not_deadlock(shop_a):
    a = make_product(shop=shop_a, title="A", stock=100).skus.get()
    b = make_product(shop=shop_a, title="B", stock=100).skus.get()
    buyers = [ShopperFactory(username=f"x{i}") for i in range(20)]
    addresses = {u.pk: AddressFactory(user=u).pk for u in buyers}

    def buy(user, items):
        return services.order_place(shop=shop_a, user=user, items=items, address_id=addresses[user.pk])

    args = [(u, [(a.pk, 1), (b.pk, 1)] if i % 2 else [(b.pk, 1), (a.pk, 1)]) for i, u in enumerate(buyers)]
    results = run_at_once(buy, args)
    assert all(isinstance(r, Order) for r in results), results
    assert set(SKU.objects.filter(pk__in=[a.pk, b.pk]).values_list("stock", flat=True)) == {80}


def test_expiry_running_twice_at_once_releases_stock_once(shop_a):
    sku = make_product(shop=shop_a, stock=5).skus.get()
    user = ShopperFactory(username="late")
    address = AddressFactory(user=user)
    orders = [
        services.order_place(shop=shop_a, user=user, items=[(sku.pk, 1)], address_id=address.pk)
        for _ in range(3)
    ]
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(
        pay_deadline=timezone.now() - timedelta(minutes=1)
    )

    results = run_at_once(services.orders_expire_due, [(), (), (), ()])
    assert sum(results) == 3
    sku.refresh_from_db()
    assert sku.stock == 5
    assert OrderEvent.objects.filter(type=OrderEvent.Type.EXPIRED).count() == 3
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.CANCELLED}


def test_cancel_racing_payment_gives_one_outcome(shop_a):
    sku = make_product(shop=shop_a, stock=5).skus.get()
    user = ShopperFactory(username="racer")
    address = AddressFactory(user=user)
    order = services.order_place(shop=shop_a, user=user, items=[(sku.pk, 1)], address_id=address.pk)

    def pay():
        return services.order_mark_paid(order=order, amount_fen=order.total_fen)

    def cancel():
        return services.order_cancel(order=order, actor=user, actor_kind="shopper")

    results = run_at_once(lambda f: f(), [(pay,), (cancel,)])
    order.refresh_from_db()
    errors = [r for r in results if isinstance(r, ApplicationError)]
    assert len(errors) == 1  # exactly one of the two lost
    sku.refresh_from_db()
    if order.status == OrderStatus.PAID:
        assert sku.stock == 4
    else:
        assert order.status == OrderStatus.CANCELLED and sku.stock == 5


def test_two_refund_approvals_never_exceed_what_was_paid(shop_a):
    from orders.models import AfterSale

    sku = make_product(shop=shop_a, price_fen=10000, stock=5).skus.get()
    user = ShopperFactory(username="refunder")
    address = AddressFactory(user=user)
    order = services.order_place(shop=shop_a, user=user, items=[(sku.pk, 1)], address_id=address.pk)
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    request = services.after_sale_request(
        order=order, user=user, kind=AfterSale.Kind.REFUND_ONLY, reason="x", amount_fen=order.total_fen
    )
    results = run_at_once(
        lambda: services.after_sale_approve(shop=shop_a, after_sale_no=request.after_sale_no, actor=None),
        [(), ()],
    )
    assert sum(isinstance(r, ApplicationError) for r in results) == 1
    order.refresh_from_db()
    assert order.refunded_fen == order.paid_fen and order.status == OrderStatus.CLOSED
