"""After-sales move through one transition table: each step is an after-sale event (its own
history) and an entry on the order's timeline; an illegal step raises and changes nothing.

A full refund of an unshipped order puts its stock back, once."""

from __future__ import annotations

import pytest

from catalog.models import SKU
from core.errors import ApplicationError
from orders import services
from orders.after_sale_state import AFTER_SALE_TRANSITIONS, after_sale_can_transition
from orders.models import AfterSale, AfterSaleEvent, Order, OrderEvent, OrderStatus
from payments.models import Refund
from tests.factories import AddressFactory, ShopperFactory, make_product

S = AfterSale.Status


@pytest.fixture
def shopper(db):
    return ShopperFactory(username="buyer")


@pytest.fixture
def sku(shop_a):
    return make_product(shop=shop_a, price_fen=5000, stock=5).skus.get()


@pytest.fixture
def paid_order(shop_a, shopper, sku):
    order = services.order_place(
        shop=shop_a, user=shopper, items=[(sku.pk, 2)], address_id=AddressFactory(user=shopper).pk
    )
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    order.refresh_from_db()
    return order


def request_refund(order, amount_fen=1000, reason="少发一件"):
    return services.after_sale_request(
        order=order, user=order.user, kind=AfterSale.Kind.REFUND_ONLY, reason=reason, amount_fen=amount_fen
    )


def history(after_sale) -> list[tuple[str, str, str]]:
    return list(
        AfterSaleEvent.objects.filter(after_sale=after_sale)
        .order_by("created_at", "id")
        .values_list("from_status", "to_status", "actor_kind")
    )


def timeline(order) -> list[str]:
    return list(
        OrderEvent.objects.filter(order=order).order_by("created_at", "id").values_list("type", flat=True)
    )


def test_the_table_says_which_status_may_follow_which():
    assert after_sale_can_transition(S.REQUESTED, S.REFUNDING)
    assert after_sale_can_transition(S.REFUNDING, S.REFUNDED)
    for final in (S.REFUNDED, S.REJECTED, S.WITHDRAWN):
        assert AFTER_SALE_TRANSITIONS[final] == frozenset()
    assert not after_sale_can_transition(S.WITHDRAWN, S.REFUNDING)
    assert not after_sale_can_transition(S.REQUESTED, S.REFUNDED)  # no refund without approval
    assert set(AFTER_SALE_TRANSITIONS) == set(S.values)


def test_approve_and_refund_are_recorded_in_both_histories(paid_order, merchant_a):
    after_sale = request_refund(paid_order)
    services.after_sale_approve(
        shop=paid_order.shop, after_sale_no=after_sale.after_sale_no, actor=merchant_a
    )
    after_sale.refresh_from_db()
    assert after_sale.status == S.REFUNDED
    assert history(after_sale) == [
        ("", S.REQUESTED, "shopper"),
        (S.REQUESTED, S.REFUNDING, "merchant"),
        (S.REFUNDING, S.REFUNDED, "system"),
    ]
    approved = AfterSaleEvent.objects.get(after_sale=after_sale, to_status=S.REFUNDING)
    assert approved.actor == merchant_a and approved.shop == paid_order.shop
    assert timeline(paid_order)[-3:] == ["refund_requested", "refund_approved", "refunded"]


def test_reject_and_withdraw_are_recorded(paid_order, shopper):
    first = request_refund(paid_order)
    services.after_sale_reject(
        shop=paid_order.shop, after_sale_no=first.after_sale_no, actor=None, reason="已核实"
    )
    second = request_refund(paid_order, reason="还是不要了")
    services.after_sale_withdraw(order=paid_order, user=shopper, after_sale_no=second.after_sale_no)
    assert history(first)[-1] == (S.REQUESTED, S.REJECTED, "merchant")
    assert AfterSaleEvent.objects.get(after_sale=first, to_status=S.REJECTED).message == "已核实"
    assert history(second)[-1] == (S.REQUESTED, S.WITHDRAWN, "shopper")
    assert timeline(paid_order)[-4:] == [
        "refund_requested",
        "refund_rejected",
        "refund_requested",
        "refund_withdrawn",
    ]


def test_illegal_steps_change_nothing(paid_order, shopper):
    after_sale = request_refund(paid_order)
    services.after_sale_withdraw(order=paid_order, user=shopper, after_sale_no=after_sale.after_sale_no)
    before = (AfterSaleEvent.objects.count(), OrderEvent.objects.count())
    for attempt in (
        lambda: services.after_sale_approve(
            shop=paid_order.shop, after_sale_no=after_sale.after_sale_no, actor=None
        ),
        lambda: services.after_sale_reject(
            shop=paid_order.shop, after_sale_no=after_sale.after_sale_no, actor=None, reason="不行"
        ),
        lambda: services.after_sale_withdraw(
            order=paid_order, user=shopper, after_sale_no=after_sale.after_sale_no
        ),
    ):
        with pytest.raises(ApplicationError) as err:
            attempt()
        assert err.value.code == "after_sale_not_pending"
    # a provider's late answer for a request that is not being refunded changes nothing either
    services.after_sale_refund_result(after_sale=after_sale, succeeded=True)
    after_sale.refresh_from_db()
    paid_order.refresh_from_db()
    assert (
        after_sale.status == S.WITHDRAWN and after_sale.refunded_at is None and after_sale.handled_at is None
    )
    assert paid_order.refunded_fen == 0 and not Refund.objects.filter(after_sale=after_sale).exists()
    assert (AfterSaleEvent.objects.count(), OrderEvent.objects.count()) == before


def test_a_result_applied_twice_counts_once(paid_order):
    after_sale = request_refund(paid_order)
    services.after_sale_approve(shop=paid_order.shop, after_sale_no=after_sale.after_sale_no, actor=None)
    services.after_sale_refund_result(after_sale=after_sale, succeeded=True)
    services.after_sale_refund_result(after_sale=after_sale, succeeded=False, detail="迟到的失败")
    after_sale.refresh_from_db()
    paid_order.refresh_from_db()
    assert after_sale.status == S.REFUNDED and paid_order.refunded_fen == 1000
    assert [to for _f, to, _a in history(after_sale)].count(S.REFUNDED) == 1
    assert timeline(paid_order).count("refunded") == 1


def test_a_failed_refund_is_recorded(paid_order):
    after_sale = request_refund(paid_order)
    AfterSale.objects.filter(pk=after_sale.pk).update(status=S.REFUNDING)  # a refund in flight
    services.after_sale_refund_result(after_sale=after_sale, succeeded=False, detail="余额不足")
    after_sale.refresh_from_db()
    assert after_sale.status == S.FAILED
    failed = AfterSaleEvent.objects.get(after_sale=after_sale, to_status=S.FAILED)
    assert failed.from_status == S.REFUNDING and failed.message == "余额不足"
    assert timeline(paid_order)[-1] == "refund_failed"


# ---------------------------------------------------------------- stock of a fully refunded order


def stock(sku) -> tuple[int, int]:
    sku = SKU.objects.select_related("product").get(pk=sku.pk)
    return sku.stock, sku.product.stock_total


def test_a_full_refund_of_an_unshipped_order_returns_its_stock_once(paid_order, sku):
    assert stock(sku) == (3, 3)
    after_sale = request_refund(paid_order, amount_fen=paid_order.paid_fen)
    services.after_sale_approve(shop=paid_order.shop, after_sale_no=after_sale.after_sale_no, actor=None)
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.CLOSED
    assert stock(sku) == (5, 5)
    services.after_sale_refund_result(after_sale=after_sale, succeeded=True)  # the notification, again
    assert stock(sku) == (5, 5)
    assert SKU.objects.get(pk=sku.pk).sales_count == 0  # the sale did not happen


def test_partial_refunds_keep_the_stock_until_the_last_one_closes_the_order(paid_order, sku):
    first = request_refund(paid_order, amount_fen=4000)
    services.after_sale_approve(shop=paid_order.shop, after_sale_no=first.after_sale_no, actor=None)
    assert stock(sku) == (3, 3)
    second = request_refund(paid_order, amount_fen=paid_order.paid_fen - 4000)
    services.after_sale_approve(shop=paid_order.shop, after_sale_no=second.after_sale_no, actor=None)
    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.CLOSED
    assert stock(sku) == (5, 5)


def test_a_full_refund_after_shipping_keeps_the_stock(paid_order, sku):
    services.order_ship(
        shop=paid_order.shop, order_no=paid_order.order_no, carrier="sf", tracking_no="SF1234567", actor=None
    )
    after_sale = request_refund(paid_order, amount_fen=paid_order.paid_fen)
    services.after_sale_approve(shop=paid_order.shop, after_sale_no=after_sale.after_sale_no, actor=None)
    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.CLOSED
    assert stock(sku) == (3, 3)  # the goods left the warehouse: a return is restocked by the merchant
