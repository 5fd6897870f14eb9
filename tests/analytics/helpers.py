"""Shared pieces of the analytics tests: orders on chosen days and channels, a browser's headers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from core.attribution import NO_ATTRIBUTION, Attribution
from orders import services as order_services
from orders.models import AfterSale, Order
from tests.factories import AddressFactory

BROWSER = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2f) NetType/WIFI Language/zh_CN",
    "HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9",
}


def at(day: date, hour: int = 12) -> datetime:
    """A time on a local day."""
    return timezone.make_aware(datetime.combine(day, time(hour)), timezone.get_current_timezone())


def channel(shop, code: str) -> Attribution:
    return Attribution(shop_id=shop.pk, channel_code=code, referrer_code="", touched_at=timezone.now())


def place(shop, sku, *, user=None, day: date, code: str = "", quantity: int = 1) -> Order:
    """An order of ``quantity`` of ``sku``, placed on ``day`` (through the real service, then dated)."""
    address = AddressFactory(**({"user": user} if user else {}))
    order = order_services.order_place(
        shop=shop, user=address.user, items=[(sku.pk, quantity)], address_id=address.pk,
        attribution=channel(shop, code) if code else NO_ATTRIBUTION,
    )  # fmt: skip
    Order.objects.filter(pk=order.pk).update(created_at=at(day, 10))
    return Order.objects.get(pk=order.pk)


def pay(order: Order, *, day: date) -> Order:
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    Order.objects.filter(pk=order.pk).update(paid_at=at(day, 11))
    return Order.objects.get(pk=order.pk)


def refund(order: Order, amount_fen: int, *, day: date) -> AfterSale:
    after_sale = order_services.after_sale_request(
        order=order,
        user=order.user,
        kind=AfterSale.Kind.REFUND_ONLY,
        reason="不想要了",
        amount_fen=amount_fen,
    )
    order_services.after_sale_approve(shop=order.shop, after_sale_no=after_sale.after_sale_no, actor=None)
    after_sale.refresh_from_db()
    assert after_sale.status == AfterSale.Status.REFUNDED, after_sale.status
    AfterSale.objects.filter(pk=after_sale.pk).update(refunded_at=at(day, 15))
    return after_sale


def days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)
