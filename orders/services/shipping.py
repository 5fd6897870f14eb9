"""Shipping an order and its carrier tracking (a signed-for event marks it delivered)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ApplicationError
from orders.locks import order_lock
from orders.models import AfterSale, Carrier, OrderEvent, OrderStatus, Shipment, TrackingEvent
from orders.ports import ship_blocked_reason
from orders.services.lifecycle import order_get_for_shop
from orders.state import order_note, order_transition
from shop.models import Shop

E = OrderEvent.Type
A = OrderEvent.Actor


def _normalize_tracking_no(tracking_no: str) -> str:
    cleaned = "".join((tracking_no or "").split()).upper()
    if not (4 <= len(cleaned) <= 40) or not cleaned.replace("-", "").isalnum():
        raise ApplicationError(
            "tracking_no_invalid", _("运单号格式不正确。"), fields={"tracking_no": [_("无效")]}
        )
    return cleaned


@transaction.atomic
def order_ship(
    *, shop: Shop, order_no: str, carrier: str, tracking_no: str, actor: User | None, carrier_name: str = ""
) -> Shipment:
    """The merchant ships a paid order with a carrier and tracking number (unless a ship guard of
    orders/ports.py holds it back: ``order_ship_blocked``, e.g. a group-buy order whose group has not
    filled yet)."""
    if carrier not in Carrier.values:
        raise ApplicationError("carrier_invalid", _("请选择快递公司。"), fields={"carrier": [_("无效")]})
    if carrier == Carrier.OTHER and not carrier_name.strip():
        raise ApplicationError("carrier_name_required", _("选择“其他”时请填写快递公司名称。"))
    tracking_no = _normalize_tracking_no(tracking_no)
    order = order_get_for_shop(shop=shop, order_no=order_no, lock=True)
    if (
        order.status == OrderStatus.PAID
        and order.after_sales.filter(status=AfterSale.Status.REQUESTED).exists()
    ):
        raise ApplicationError(
            "after_sale_pending", _("该订单有待处理的售后申请，请先处理再发货。"), http_status=409
        )
    if order.status == OrderStatus.PAID and (blocked := ship_blocked_reason(order=order)):
        raise ApplicationError("order_ship_blocked", blocked, http_status=409)  # e.g. 拼团未成团
    if Shipment.objects.filter(shop=shop, carrier=carrier, tracking_no=tracking_no).exists():
        raise ApplicationError(
            "tracking_no_used", _("运单号 %(no)s 已用于其他订单。") % {"no": tracking_no}, http_status=409
        )
    order_transition(
        order=order, to=OrderStatus.SHIPPED, event=E.SHIPPED, actor_kind=A.MERCHANT, actor=actor,
        data={"carrier": carrier, "carrier_name": carrier_name.strip(), "tracking_no": tracking_no},
    )  # fmt: skip
    # the confirmation period and the shipment count from the transition's own stamp
    shipped_at = cast(datetime, order.shipped_at)  # just stamped by the transition
    order.auto_complete_at = shipped_at + timedelta(days=shop.auto_confirm_days)
    order.save(update_fields=["auto_complete_at"])
    shipment = Shipment.objects.create(
        shop=shop, order=order, carrier=carrier, carrier_name=carrier_name.strip(), tracking_no=tracking_no,
        shipped_at=shipped_at,
    )  # fmt: skip
    return shipment


def _printable(text: str | None) -> str:
    """Text from outside (carrier pushes) without control characters (PostgreSQL refuses NUL)."""
    return "".join(ch for ch in (text or "") if ch.isprintable()).strip()


def tracking_fingerprint(*, occurred_at: datetime, description: str) -> str:
    return hashlib.sha256(f"{occurred_at.isoformat()}|{description.strip()}".encode()).hexdigest()[:64]


@transaction.atomic
def tracking_event_add(
    *,
    shipment: Shipment,
    occurred_at: datetime,
    description: str,
    location: str = "",
    is_signed: bool = False,
    source: str = "manual",
    actor: User | None = None,
) -> TrackingEvent | None:
    """Add a carrier tracking update; a duplicate (same time and text) is ignored (returns None).
    A "signed for" event marks the order delivered."""
    description = _printable(description)
    location = _printable(location)
    if not description:
        raise ApplicationError("tracking_description_required", _("请填写物流信息。"))
    order = order_lock(pk=shipment.order_id)
    fingerprint = tracking_fingerprint(occurred_at=occurred_at, description=description)
    if TrackingEvent.objects.filter(shipment=shipment, fingerprint=fingerprint).exists():
        return None
    event = TrackingEvent.objects.create(
        shipment=shipment, occurred_at=occurred_at, description=description[:255], location=location[:64],
        is_signed=is_signed, source=source, fingerprint=fingerprint,
    )  # fmt: skip
    actor_kind = A.MERCHANT if actor is not None else A.SYSTEM
    order_note(
        order=order, event=E.TRACKING, actor_kind=actor_kind, actor=actor, message=description[:255],
        data={"location": location, "occurred_at": occurred_at.isoformat()},
    )  # fmt: skip
    if is_signed and order.status == OrderStatus.SHIPPED:
        # the carrier's sign time, but never before shipping (the transition sees to that) nor
        # in the future; the shipment shows the same time as the order
        order_transition(
            order=order, to=OrderStatus.DELIVERED, event=E.DELIVERED, actor_kind=actor_kind, actor=actor,
            at=min(occurred_at, timezone.now()),
        )  # fmt: skip
        shipment.delivered_at = order.delivered_at
        shipment.save(update_fields=["delivered_at", "updated_at"])
    return event
