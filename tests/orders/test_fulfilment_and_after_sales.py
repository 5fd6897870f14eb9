"""Shipping, tracking, receipt, auto-completion and refunds: every illegal move changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError
from orders import services
from orders.models import AfterSale, Order, OrderEvent, OrderStatus
from payments.models import Refund
from tests.factories import AddressFactory, ShopperFactory, make_paid_order


@pytest.fixture
def shopper(db):
    return ShopperFactory(username="buyer")


@pytest.fixture
def paid_order(shop_a, shopper):
    return make_paid_order(shop=shop_a, user=shopper, quantity=2, price_fen=5000, stock=5)


def ship(order, merchant=None, tracking_no="SF1234567890"):
    return services.order_ship(
        shop=order.shop, order_no=order.order_no, carrier="sf", tracking_no=tracking_no, actor=merchant
    )


def test_ship_track_deliver_confirm(paid_order, merchant_a, shopper):
    shipment = ship(paid_order, merchant_a)
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.SHIPPED and paid_order.auto_complete_at is not None
    now = timezone.now()
    services.tracking_event_add(shipment=shipment, occurred_at=now, description="快件已到达【上海转运中心】")
    assert (
        services.tracking_event_add(
            shipment=shipment, occurred_at=now, description="快件已到达【上海转运中心】"
        )
        is None
    )
    services.tracking_event_add(
        shipment=shipment, occurred_at=now + timedelta(hours=5), description="已签收", is_signed=True
    )
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.DELIVERED
    services.order_confirm_receipt(order=paid_order, user=shopper)
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.COMPLETED
    types = list(paid_order.events.values_list("type", flat=True))
    assert types == ["placed", "paid", "shipped", "tracking", "tracking", "delivered", "received"]


def test_cannot_ship_unpaid_or_cancelled_or_twice(shop_a, shopper, paid_order):
    ship(paid_order)
    with pytest.raises(ApplicationError) as err:
        ship(paid_order, tracking_no="SF999999")
    assert err.value.code == "illegal_transition"

    sku = paid_order.lines.get().sku
    unpaid = services.order_place(
        shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=AddressFactory(user=shopper).pk
    )
    with pytest.raises(ApplicationError):
        ship(unpaid, tracking_no="SF0001")
    services.order_cancel(order=unpaid, actor=shopper, actor_kind="shopper")
    with pytest.raises(ApplicationError):
        ship(unpaid, tracking_no="SF0002")
    unpaid.refresh_from_db()
    assert unpaid.status == OrderStatus.CANCELLED and not hasattr(unpaid, "shipment_cache")


def test_cannot_cancel_a_shipped_order(paid_order, shopper):
    ship(paid_order)
    with pytest.raises(ApplicationError) as err:
        services.order_cancel(order=paid_order, actor=shopper, actor_kind="shopper")
    assert err.value.code == "illegal_transition"
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.SHIPPED


def test_auto_complete_after_the_shop_period(paid_order):
    ship(paid_order)
    assert services.orders_auto_complete_due() == 0
    Order.objects.filter(pk=paid_order.pk).update(auto_complete_at=timezone.now() - timedelta(minutes=1))
    assert services.orders_auto_complete_due() == 1
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.COMPLETED


def test_partial_then_full_refund_closes_the_order(paid_order, shopper):
    first = services.after_sale_request(
        order=paid_order, user=shopper, kind=AfterSale.Kind.REFUND_ONLY, reason="少发一件", amount_fen=4000
    )
    services.after_sale_approve(shop=paid_order.shop, after_sale_no=first.after_sale_no, actor=None)
    paid_order.refresh_from_db()
    assert paid_order.refunded_fen == 4000 and paid_order.status == OrderStatus.PAID
    assert Refund.objects.get(after_sale=first).status == Refund.Status.SUCCEEDED

    with pytest.raises(ApplicationError) as err:  # more than what is left
        services.after_sale_request(
            order=paid_order,
            user=shopper,
            kind=AfterSale.Kind.REFUND_ONLY,
            reason="全退",
            amount_fen=paid_order.paid_fen,
        )
    assert err.value.code == "refund_amount_invalid"

    rest = paid_order.paid_fen - 4000
    second = services.after_sale_request(
        order=paid_order, user=shopper, kind=AfterSale.Kind.REFUND_ONLY, reason="不要了", amount_fen=rest
    )
    services.after_sale_approve(shop=paid_order.shop, after_sale_no=second.after_sale_no, actor=None)
    paid_order.refresh_from_db()
    assert paid_order.refunded_fen == paid_order.paid_fen and paid_order.status == OrderStatus.CLOSED
    assert paid_order.events.filter(type=OrderEvent.Type.REFUNDED).count() == 2


def test_reject_needs_a_reason_and_approving_twice_fails(paid_order, shopper):
    request = services.after_sale_request(
        order=paid_order, user=shopper, kind=AfterSale.Kind.REFUND_ONLY, reason="质量问题", amount_fen=1000
    )
    with pytest.raises(ApplicationError) as err:
        services.after_sale_reject(
            shop=paid_order.shop, after_sale_no=request.after_sale_no, actor=None, reason=" "
        )
    assert err.value.code == "reject_reason_required"
    services.after_sale_reject(
        shop=paid_order.shop, after_sale_no=request.after_sale_no, actor=None, reason="已核实无问题"
    )
    with pytest.raises(ApplicationError) as err:
        services.after_sale_approve(shop=paid_order.shop, after_sale_no=request.after_sale_no, actor=None)
    assert err.value.code == "after_sale_not_pending"
    paid_order.refresh_from_db()
    assert paid_order.refunded_fen == 0


def test_other_shops_cannot_handle_the_request(paid_order, shopper, shop_b):
    request = services.after_sale_request(
        order=paid_order, user=shopper, kind=AfterSale.Kind.REFUND_ONLY, reason="x", amount_fen=100
    )
    with pytest.raises(ApplicationError) as err:
        services.after_sale_approve(shop=shop_b, after_sale_no=request.after_sale_no, actor=None)
    assert err.value.code == "after_sale_not_found"


def test_unpaid_orders_cannot_ask_for_refunds_and_strangers_cannot_either(shop_a, shopper, paid_order):
    stranger = ShopperFactory(username="stranger")
    with pytest.raises(ApplicationError) as err:
        services.after_sale_request(
            order=paid_order, user=stranger, kind=AfterSale.Kind.REFUND_ONLY, reason="x", amount_fen=100
        )
    assert err.value.code == "order_not_found"
    with pytest.raises(ApplicationError) as err:
        services.after_sale_request(
            order=paid_order, user=shopper, kind=AfterSale.Kind.RETURN_REFUND, reason="x", amount_fen=100
        )
    assert err.value.code == "after_sale_kind_invalid"  # nothing shipped yet: nothing to return
