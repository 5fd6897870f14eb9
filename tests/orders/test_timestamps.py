"""Status timestamps never go backwards: a later status never has an earlier stamp, whatever
time a carrier reports and whichever node's clock recorded the earlier step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orders import services
from orders.models import AfterSale, Order, OrderStatus, Shipment
from tests.factories import AddressFactory, ShopperFactory, make_paid_order, make_product


@pytest.fixture
def shopper(db):
    return ShopperFactory(username="buyer")


@pytest.fixture
def paid_order(shop_a, shopper):
    return make_paid_order(shop=shop_a, user=shopper, quantity=1, price_fen=5000, stock=5)


def ship(order) -> Shipment:
    return services.order_ship(
        shop=order.shop, order_no=order.order_no, carrier="sf", tracking_no="SF1234567", actor=None
    )


def ahead(order, **fields) -> None:
    """The earlier steps were recorded by a node whose clock runs an hour ahead."""
    later = timezone.now() + timedelta(hours=1)
    Order.objects.filter(pk=order.pk).update(**dict.fromkeys(fields, later))


def test_a_signed_event_dated_before_shipping_does_not_deliver_before_shipping(paid_order):
    shipment = ship(paid_order)
    services.tracking_event_add(
        shipment=shipment,
        occurred_at=timezone.now() - timedelta(days=2),
        description="已签收",
        is_signed=True,
    )
    order = Order.objects.get(pk=paid_order.pk)
    shipment.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert order.delivered_at >= order.shipped_at >= order.paid_at >= order.created_at
    assert shipment.delivered_at >= shipment.shipped_at
    assert shipment.shipped_at == order.shipped_at  # one time for one step


def test_the_carrier_sign_time_is_kept_when_it_is_plausible(paid_order):
    shipment = ship(paid_order)
    signed = timezone.now()
    services.tracking_event_add(shipment=shipment, occurred_at=signed, description="已签收", is_signed=True)
    order = Order.objects.get(pk=paid_order.pk)
    assert order.delivered_at == signed and Shipment.objects.get(pk=shipment.pk).delivered_at == signed


def test_a_sign_time_in_the_future_is_not_believed(paid_order):
    shipment = ship(paid_order)
    services.tracking_event_add(
        shipment=shipment,
        occurred_at=timezone.now() + timedelta(days=3),
        description="已签收",
        is_signed=True,
    )
    order = Order.objects.get(pk=paid_order.pk)
    assert order.delivered_at <= timezone.now()
    assert Shipment.objects.get(pk=shipment.pk).delivered_at == order.delivered_at


def test_stamps_follow_a_clock_that_ran_ahead(paid_order, shopper):
    ahead(paid_order, paid_at=True)
    ship(paid_order)
    order = Order.objects.get(pk=paid_order.pk)
    assert order.shipped_at >= order.paid_at
    assert order.auto_complete_at == order.shipped_at + timedelta(days=order.shop.auto_confirm_days)
    ahead(order, paid_at=True, shipped_at=True)
    services.tracking_event_add(
        shipment=order.shipment, occurred_at=timezone.now(), description="已签收", is_signed=True
    )
    order = Order.objects.get(pk=paid_order.pk)
    assert order.delivered_at >= order.shipped_at
    ahead(order, paid_at=True, shipped_at=True, delivered_at=True)
    services.order_confirm_receipt(order=order, user=shopper)
    order = Order.objects.get(pk=paid_order.pk)
    assert order.completed_at >= order.delivered_at
    events = order.events.exclude(type="tracking").order_by("created_at", "id").values_list("type", flat=True)
    assert list(events)[-3:] == ["shipped", "delivered", "received"]  # the timeline reads in order


def test_cancelled_is_never_before_placed(shop_a, shopper):
    sku = make_product(shop=shop_a, stock=5).skus.get()
    order = services.order_place(
        shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=AddressFactory(user=shopper).pk
    )
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() + timedelta(hours=1))
    services.order_cancel(order=order, actor=shopper, actor_kind="shopper")
    order = Order.objects.get(pk=order.pk)
    assert order.cancelled_at >= order.created_at


def test_after_sale_times_follow_each_other(paid_order, shop_a):
    shop_a.after_sale_response_hours = 0
    shop_a.save()
    order = Order.objects.get(pk=paid_order.pk)
    after_sale = services.after_sale_request(
        order=order, user=order.user, kind="refund_only", reason="不想要了", amount_fen=100
    )
    after_sale.refresh_from_db()
    assert after_sale.respond_by >= after_sale.created_at
    AfterSale.objects.filter(pk=after_sale.pk).update(created_at=timezone.now() + timedelta(hours=1))
    services.after_sale_approve(shop=shop_a, after_sale_no=after_sale.after_sale_no, actor=None)
    after_sale.refresh_from_db()
    assert after_sale.status == AfterSale.Status.REFUNDED
    assert after_sale.refunded_at >= after_sale.handled_at >= after_sale.created_at
