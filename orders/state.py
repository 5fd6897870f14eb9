"""The order state machine: the one place that says which status may follow which.

Services call ``order_transition``; nothing else assigns ``Order.status``.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from orders.events import order_event_publish
from orders.models import Order, OrderEvent, OrderStatus

S = OrderStatus

# from-status -> the statuses it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.SHIPPED, S.CLOSED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.COMPLETED, S.CLOSED}),
    S.DELIVERED: frozenset({S.COMPLETED, S.CLOSED}),
    S.COMPLETED: frozenset({S.CLOSED}),
    S.CANCELLED: frozenset(),
    S.CLOSED: frozenset(),
}

# the timestamp field each status sets when entered: written here and nowhere else
STAMPS = {
    S.PAID: "paid_at",
    S.SHIPPED: "shipped_at",
    S.DELIVERED: "delivered_at",
    S.COMPLETED: "completed_at",
    S.CANCELLED: "cancelled_at",
}

# shopper-facing tabs of "my orders"
TABS: dict[str, tuple[str, ...]] = {
    "pending_payment": (S.PENDING_PAYMENT,),
    "to_ship": (S.PAID,),
    "to_receive": (S.SHIPPED, S.DELIVERED),
    "completed": (S.COMPLETED,),
}


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def order_transition(
    *,
    order: Order,
    to: str,
    event: str,
    actor_kind: str,
    actor=None,
    message: str = "",
    data: dict | None = None,
    extra_fields: tuple[str, ...] = (),
    at: datetime | None = None,
) -> OrderEvent:
    """Move a locked order to ``to`` and record the event. The caller holds the row lock
    (``select_for_update``) inside a transaction; an illegal move raises and changes nothing.

    This is the only place that writes a status timestamp (``STAMPS``): entering a status stamps
    it with ``at`` (when it happened elsewhere, e.g. WeChat's ``success_time``) or now, never
    earlier than the stamps already on the order, and always saves it."""
    current = order.status
    if not can_transition(current, to):
        raise ApplicationError(
            "illegal_transition",
            _("订单当前状态为“%(current)s”，不能变为“%(target)s”。")
            % {"current": S(current).label, "target": S(to).label},
            http_status=409,
        )
    now = max(timezone.now(), order.created_at)  # another node's clock may run ahead
    order.status = to
    fields = ["status", "updated_at", *extra_fields]
    stamp = STAMPS.get(to)
    if stamp:
        earlier = [t for t in (getattr(order, f) for f in STAMPS.values() if f != stamp) if t is not None]
        setattr(order, stamp, max([at or now, *earlier]))
        fields.append(stamp)
    order.save(update_fields=list(dict.fromkeys(fields)))
    return _recorded(
        OrderEvent.objects.create(
            order=order,
            type=event,
            actor_kind=actor_kind,
            actor=actor,
            from_status=current,
            to_status=to,
            message=message,
            data=data or {},
            created_at=now,
        )
    )


def order_note(
    *, order: Order, event: str, actor_kind: str, actor=None, message: str = "", data=None
) -> OrderEvent:
    """A timeline entry that does not change the status (e.g. a tracking update)."""
    return _recorded(
        OrderEvent.objects.create(
            order=order, type=event, actor_kind=actor_kind, actor=actor, message=message, data=data or {}
        )
    )


def _recorded(event: OrderEvent) -> OrderEvent:
    """Publish a timeline entry to the order event listeners (``orders.events``), in its
    transaction: e.g. the shopper's WeChat notifications are written with it (sent after commit)."""
    order_event_publish(event)
    return event
