"""The after-sale state machine: the one place that says which after-sale status may follow which.

Services call ``after_sale_opened`` (a new request) and ``after_sale_transition`` (every later
step); nothing else assigns ``AfterSale.status`` or its timestamps. The move to ``refunding`` (the
refund is reserved) also fixes what it gives back of each order line
(``orders.services.after_sale_lines.after_sale_lines_settle``), whichever path reserves it. Each step writes an
``AfterSaleEvent`` (the after-sale's own history) and the matching entry on the order's timeline
(``OrderEvent``, whose side effects such as the "refunded" notification are queued after commit).

```
仅退款 (refund_only):
requested ─approve (merchant, or the system at respond_by)→ refunding ─provider: ok→ refunded
    │                                                          └──provider: failed→ failed
    ├─reject→ rejected
    └─withdraw→ withdrawn

退货退款 (return_refund):
requested ─approve (merchant, or the system at respond_by)→ awaiting_return (the return address shown)
    ├─reject→ rejected                                          │
    └─withdraw→ withdrawn        withdrawn ←withdraw────────────┤
                                 closed ←nothing sent by ship_back_by (system)
                                                                │ the shopper enters carrier + tracking no.
                                                                ↓
                                                            returning
        refunding ←confirm receipt (merchant, or the system at receive_by)┤
        (then refunded | failed, as above)                               └─refuse the goods (reason, photos)→ return_rejected
```

A return reaches ``refunding`` only from ``returning`` (``KIND_ONLY``): its refund is sent only
once the goods are confirmed received.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from orders.models import AfterSale, AfterSaleEvent, Order, OrderEvent
from orders.state import order_note

AS = AfterSale.Status
E = OrderEvent.Type

# from-status -> the statuses it may move to
AFTER_SALE_TRANSITIONS: dict[str, frozenset[str]] = {
    AS.REQUESTED: frozenset({AS.REFUNDING, AS.AWAITING_RETURN, AS.REJECTED, AS.WITHDRAWN}),
    AS.AWAITING_RETURN: frozenset({AS.RETURNING, AS.WITHDRAWN, AS.CLOSED}),
    AS.RETURNING: frozenset({AS.REFUNDING, AS.RETURN_REJECTED}),
    AS.REFUNDING: frozenset({AS.REFUNDED, AS.FAILED}),
    AS.REFUNDED: frozenset(),
    AS.REJECTED: frozenset(),
    AS.RETURN_REJECTED: frozenset(),
    AS.WITHDRAWN: frozenset(),
    AS.CLOSED: frozenset(),
    AS.FAILED: frozenset(),
}

# moves only one kind of after-sale may make: a request is refunded at once only when nothing comes
# back (仅退款); a return (退货退款) first waits for the parcel, and is refunded only from returning
KIND_ONLY: dict[tuple[str, str], str] = {
    (AS.REQUESTED, AS.REFUNDING): AfterSale.Kind.REFUND_ONLY,
    (AS.REQUESTED, AS.AWAITING_RETURN): AfterSale.Kind.RETURN_REFUND,
}

# the timestamp field each move sets: written here and nowhere else ((from, to) before to alone)
AFTER_SALE_STAMPS: dict[str, str] = {
    AS.AWAITING_RETURN: "handled_at",
    AS.REFUNDING: "handled_at",
    AS.REJECTED: "handled_at",
    AS.RETURNING: "returned_at",
    AS.RETURN_REJECTED: "received_at",
    AS.CLOSED: "closed_at",
    AS.REFUNDED: "refunded_at",
}
MOVE_STAMPS: dict[tuple[str, str], str] = {(AS.RETURNING, AS.REFUNDING): "received_at"}
STAMP_FIELDS = ("created_at", "handled_at", "returned_at", "received_at", "closed_at", "refunded_at")

# the entry on the order's timeline for entering each status ((from, to) before to alone)
ORDER_EVENTS: dict[str, str] = {
    AS.REQUESTED: E.REFUND_REQUESTED,
    AS.REFUNDING: E.REFUND_APPROVED,
    AS.AWAITING_RETURN: E.RETURN_APPROVED,
    AS.RETURNING: E.RETURN_SHIPPED,
    AS.REJECTED: E.REFUND_REJECTED,
    AS.RETURN_REJECTED: E.RETURN_REJECTED,
    AS.WITHDRAWN: E.REFUND_WITHDRAWN,
    AS.CLOSED: E.AFTER_SALE_CLOSED,
    AS.REFUNDED: E.REFUNDED,
    AS.FAILED: E.REFUND_FAILED,
}
MOVE_EVENTS: dict[tuple[str, str], str] = {(AS.RETURNING, AS.REFUNDING): E.RETURN_RECEIVED}

# what the refused step would have done, for the error message
_VERBS = {
    AS.REFUNDING: gettext_lazy("同意"),
    AS.AWAITING_RETURN: gettext_lazy("同意"),
    AS.RETURNING: gettext_lazy("填写退货物流"),
    AS.REJECTED: gettext_lazy("拒绝"),
    AS.RETURN_REJECTED: gettext_lazy("拒绝收货"),
    AS.WITHDRAWN: gettext_lazy("撤销"),
    AS.CLOSED: gettext_lazy("关闭"),
    AS.REFUNDED: gettext_lazy("退款"),
    AS.FAILED: gettext_lazy("退款"),
}


def after_sale_can_transition(current: str, target: str, *, kind: str | None = None) -> bool:
    """Whether ``current`` may move to ``target`` (for an after-sale of ``kind``, when given)."""
    if target not in AFTER_SALE_TRANSITIONS.get(current, frozenset()):
        return False
    only = KIND_ONLY.get((current, target))
    return only is None or kind is None or kind == only


def after_sale_opened(
    *,
    after_sale: AfterSale,
    order: Order,
    actor=None,
    message: str = "",
    data: dict | None = None,
    actor_kind: str = OrderEvent.Actor.SHOPPER,
) -> AfterSaleEvent:
    """Record a new request (created in the caller's transaction, the order row locked): the
    shopper's, or the system's (``actor_kind=SYSTEM``: an automatic refund, orders/services/refunds.py)."""
    return _record(
        after_sale=after_sale, order=order, current="", actor_kind=actor_kind, actor=actor,
        message=message, order_message=message, data=data, at=after_sale.created_at,
    )  # fmt: skip


def after_sale_transition(
    *,
    after_sale: AfterSale,
    order: Order,
    to: str,
    actor_kind: str,
    actor=None,
    message: str = "",
    order_message: str | None = None,
    data: dict | None = None,
    extra_fields: dict[str, Any] | None = None,
    deadlines: dict[str, timedelta] | None = None,
) -> AfterSaleEvent:
    """Move ``after_sale`` to ``to`` and record the step in both histories.

    The caller holds the row locks, order first, then the after-sale (``select_for_update``,
    always in that order) inside a transaction. The update is also guarded by the status it was
    read with, so a caller that forgot the lock still cannot apply a step twice; an illegal or
    stale step raises ``after_sale_not_pending`` and changes nothing. ``extra_fields`` are other
    columns written in the same update (e.g. ``reject_reason``); ``deadlines`` are deadline columns
    set to the step's own time plus a period (``ship_back_by``: 7 days after the approval)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("after_sale_transition must run inside the caller's transaction")
    current = after_sale.status
    if not after_sale_can_transition(current, to, kind=after_sale.kind):
        raise _not_pending(after_sale, to)
    if to == AS.REFUNDING:
        # the refund is being reserved: what it gives back of each line is fixed now, whichever
        # path reserves it (the merchant's approval, an automatic refund)
        from orders.services.after_sale_lines import after_sale_lines_settle

        after_sale_lines_settle(order=order, after_sale=after_sale)
    values: dict[str, Any] = {"status": to, **(extra_fields or {})}
    stamp = MOVE_STAMPS.get((current, to)) or AFTER_SALE_STAMPS.get(to)
    now = _not_before(timezone.now(), after_sale)
    if stamp:
        values[stamp] = now
    for name, period in (deadlines or {}).items():
        values[name] = now + period
    values["updated_at"] = timezone.now()
    if not AfterSale.objects.filter(pk=after_sale.pk, status=current).update(**values):
        after_sale.refresh_from_db(fields=["status"])
        raise _not_pending(after_sale, to)
    for name, value in values.items():
        setattr(after_sale, name, value)
    return _record(
        after_sale=after_sale, order=order, current=current, actor_kind=actor_kind, actor=actor, message=message,
        order_message=message if order_message is None else order_message, data=data, at=now,
        order_event=MOVE_EVENTS.get((current, to)),
    )  # fmt: skip


def _not_before(now: datetime, after_sale: AfterSale) -> datetime:
    """A step's time is never earlier than the request or an earlier step (clocks of two nodes
    may disagree)."""
    earlier = (getattr(after_sale, name) for name in STAMP_FIELDS)
    return max([now, *(t for t in earlier if t is not None)])


def _not_pending(after_sale: AfterSale, to: str) -> ApplicationError:
    verb = _VERBS.get(to, "")
    if to == AS.REFUNDING and after_sale.is_return:
        verb = gettext_lazy("确认收货")
    return ApplicationError(
        "after_sale_not_pending",
        _("该售后申请当前为“%(status)s”，不能%(verb)s。")
        % {"status": after_sale.get_status_display(), "verb": verb},
        http_status=409,
    )


def _record(
    *,
    after_sale: AfterSale,
    order: Order,
    current: str,
    actor_kind: str,
    actor,
    message: str,
    order_message: str,
    data: dict | None,
    at: datetime,
    order_event: str | None = None,
) -> AfterSaleEvent:
    data = {"after_sale_no": after_sale.after_sale_no, "amount_fen": after_sale.amount_fen, **(data or {})}
    event = AfterSaleEvent.objects.create(
        shop_id=after_sale.shop_id, after_sale=after_sale, from_status=current, to_status=after_sale.status,
        actor_kind=actor_kind, actor=actor, message=message[:255], data=data, created_at=at,
    )  # fmt: skip
    order_note(
        order=order, event=order_event or ORDER_EVENTS[after_sale.status], actor_kind=actor_kind, actor=actor,
        message=order_message[:255], data=data,
    )  # fmt: skip
    return event
