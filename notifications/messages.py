"""What an order message says: which order events are told to the shopper (``EVENTS``) and the
data of each message (``payload``; keys fixed by the templates merchants pick, docs/wechat.md#notifications)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.timezone import localtime
from django.utils.translation import gettext, gettext_lazy

from orders.models import Carrier, Order, OrderEvent
from wechat.models import Notification

EVENTS: dict[str, str] = {
    OrderEvent.Type.PAID: Notification.Event.PAID,
    OrderEvent.Type.SHIPPED: Notification.Event.SHIPPED,
    OrderEvent.Type.DELIVERED: Notification.Event.DELIVERED,
    OrderEvent.Type.REFUNDED: Notification.Event.REFUNDED,
    # the steps of an after-sale the shopper must hear about (docs/after-sales.md): what the shop
    # (or the system, at a deadline) decided, and what the shopper has to do next. The shopper's
    # own steps (asking, withdrawing, sending the parcel) and the approval of a 仅退款, which the
    # "refunded" message follows at once, are not told.
    OrderEvent.Type.REFUND_REJECTED: Notification.Event.AFTER_SALE,
    OrderEvent.Type.RETURN_APPROVED: Notification.Event.AFTER_SALE,
    OrderEvent.Type.RETURN_ADDRESS: Notification.Event.AFTER_SALE,
    OrderEvent.Type.RETURN_RECEIVED: Notification.Event.AFTER_SALE,
    OrderEvent.Type.RETURN_REJECTED: Notification.Event.AFTER_SALE,
    OrderEvent.Type.AFTER_SALE_CLOSED: Notification.Event.AFTER_SALE,
}

# the after-sale message's 处理进度, by event (``thing2``: at most 20 characters)
AFTER_SALE_PROGRESS: dict[str, Any] = {
    OrderEvent.Type.REFUND_REJECTED: gettext_lazy("商家已拒绝售后申请"),
    OrderEvent.Type.RETURN_APPROVED: gettext_lazy("已同意退货，请寄回商品"),
    OrderEvent.Type.RETURN_ADDRESS: gettext_lazy("商家已提供退货地址"),
    OrderEvent.Type.RETURN_RECEIVED: gettext_lazy("商家已收到退货，正在退款"),
    OrderEvent.Type.RETURN_REJECTED: gettext_lazy("验货未通过，未退款"),
    OrderEvent.Type.AFTER_SALE_CLOSED: gettext_lazy("超时未寄回，售后已关闭"),
}


def _thing(text: str) -> str:
    return text if len(text) <= 20 else text[:19] + "…"


def _amount(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


def _time(value: datetime | None) -> str:
    return localtime(value or timezone.now()).strftime("%Y-%m-%d %H:%M")


def payload(*, order: Order, event: OrderEvent, kind: str) -> dict[str, dict[str, str]]:
    """The message data; keys are fixed (docs/wechat.md#notifications). ``thing`` ≤ 20 characters,
    ``character_string`` ≤ 32, as WeChat requires."""
    lines = list(order.lines.all()[:2])
    goods = lines[0].title if lines else ""
    if len(lines) > 1:
        goods = gettext("%(first)s等%(count)d件") % {
            "first": _thing(goods)[:14],
            "count": order.lines.count(),
        }
    data: dict[str, str]
    if kind == Notification.Event.PAID:
        data = {"character_string1": order.order_no, "thing2": _thing(goods),
                "amount3": _amount(order.paid_fen or order.total_fen), "time4": _time(order.paid_at)}  # fmt: skip
    elif kind == Notification.Event.SHIPPED:
        carrier = event.data.get("carrier_name") or (
            Carrier(event.data["carrier"]).label if event.data.get("carrier") in Carrier.values else ""
        )
        data = {"character_string1": order.order_no, "thing2": _thing(str(carrier)),
                "character_string3": str(event.data.get("tracking_no", ""))[:32], "time4": _time(order.shipped_at)}  # fmt: skip
    elif kind == Notification.Event.AFTER_SALE:
        data = {"character_string1": str(event.data.get("after_sale_no", order.order_no))[:32],
                "thing2": _thing(str(AFTER_SALE_PROGRESS.get(event.type, event.get_type_display()))),
                "thing3": _thing(event.message or gettext("详情请查看订单")), "time4": _time(event.created_at)}  # fmt: skip
    elif kind == Notification.Event.DELIVERED:
        data = {
            "character_string1": order.order_no,
            "thing2": _thing(goods),
            "time3": _time(order.delivered_at),
        }
    else:
        data = {"character_string1": order.order_no, "amount2": _amount(int(event.data.get("amount_fen", 0))),
                "thing3": _thing(gettext("退款已原路退回")), "time4": _time(event.created_at)}  # fmt: skip
    return {key: {"value": value} for key, value in data.items()}
