"""The payment and refund state machines: the one place that says which status may follow which.

Services call ``payment_transition`` / ``refund_transition`` on a row they have locked
(``select_for_update``); nothing else assigns ``PaymentAttempt.status`` or ``Refund.status``. Each
move writes a ``PaymentEvent`` (who, when, from, to, why). Answers that can race each other (the
provider's synchronous answer, its notification, our query, a timeout) use ``…_move``, which
locks the row itself and does nothing when the move is no longer allowed — so a late "failed"
can never overwrite a refund that already succeeded.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from payments.locks import payment_attempt_lock, refund_lock, transfer_lock
from payments.models import PaymentAttempt, PaymentEvent, Refund, Transfer, TransferEvent

logger = logging.getLogger(__name__)
P = PaymentAttempt.Status
R = Refund.Status
A = PaymentEvent.Actor

# from-status -> the statuses it may move to. The provider's word that money moved is always
# recorded: a closed or failed attempt can still turn out paid (it is then refunded if unwanted).
PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    P.PENDING: frozenset({P.SUCCEEDED, P.CLOSED, P.FAILED}),
    P.CLOSED: frozenset({P.SUCCEEDED}),
    P.FAILED: frozenset({P.SUCCEEDED}),
    P.SUCCEEDED: frozenset(),
}
REFUND_TRANSITIONS: dict[str, frozenset[str]] = {
    R.PENDING: frozenset({R.PROCESSING, R.SUCCEEDED, R.FAILED}),
    R.PROCESSING: frozenset({R.SUCCEEDED, R.FAILED}),
    R.SUCCEEDED: frozenset(),
    R.FAILED: frozenset(),
}
# the timestamp field each status sets when entered
PAYMENT_STAMPS = {P.SUCCEEDED: "paid_at"}
REFUND_STAMPS = {R.SUCCEEDED: "succeeded_at"}


def _transition(
    obj: PaymentAttempt | Refund,
    *,
    table: dict[str, frozenset[str]],
    stamps: dict[str, str],
    to: str,
    actor_kind: str,
    actor=None,
    message: str = "",
    data: dict[str, Any] | None = None,
    fields: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> PaymentEvent:
    current = obj.status
    if to not in table.get(current, frozenset()):
        labels = type(obj).Status
        raise ApplicationError(
            "illegal_transition",
            _("当前状态为“%(current)s”，不能变为“%(target)s”。")
            % {"current": labels(current).label, "target": labels(to).label},
            http_status=409,
        )
    now = timezone.now()
    changed = ["status", "updated_at"]
    for name, value in (fields or {}).items():
        setattr(obj, name, value)
        changed.append(name)
    obj.status = to
    stamp = stamps.get(to)
    if stamp:
        setattr(obj, stamp, at or now)
        changed.append(stamp)
    obj.save(update_fields=list(dict.fromkeys(changed)))
    subject = {"payment": obj} if isinstance(obj, PaymentAttempt) else {"refund": obj}
    return PaymentEvent.objects.create(
        shop_id=obj.shop_id, **subject, actor_kind=actor_kind, actor=actor, from_status=current, to_status=to,
        message=message[:255], data=data or {}, created_at=now,
    )  # fmt: skip


def payment_transition(*, attempt: PaymentAttempt, to: str, **kwargs: Any) -> PaymentEvent:
    """Move a locked payment attempt to ``to`` (``fields``: other columns saved with it); an
    illegal move raises ``illegal_transition`` and changes nothing."""
    return _transition(attempt, table=PAYMENT_TRANSITIONS, stamps=PAYMENT_STAMPS, to=to, **kwargs)


def refund_transition(*, refund: Refund, to: str, **kwargs: Any) -> PaymentEvent:
    """Move a locked refund to ``to``; an illegal move raises and changes nothing."""
    return _transition(refund, table=REFUND_TRANSITIONS, stamps=REFUND_STAMPS, to=to, **kwargs)


def _move(model: type[PaymentAttempt] | type[Refund], *, pk: int, to: str, **kwargs: Any):
    table, stamps = (
        (PAYMENT_TRANSITIONS, PAYMENT_STAMPS)
        if model is PaymentAttempt
        else (REFUND_TRANSITIONS, REFUND_STAMPS)
    )
    obj = payment_attempt_lock(pk=pk) if model is PaymentAttempt else refund_lock(pk=pk)
    if to not in table.get(obj.status, frozenset()):
        logger.info("%s %s stays %s (not moved to %s)", model._meta.model_name, obj.pk, obj.status, to)
        return None
    _transition(obj, table=table, stamps=stamps, to=to, **kwargs)
    return obj


def payment_move(*, attempt_id: int, to: str, **kwargs: Any) -> PaymentAttempt | None:
    """Lock the attempt and move it if its current status still allows it; None (and nothing
    changed) if another path got there first. Call inside a transaction."""
    return _move(PaymentAttempt, pk=attempt_id, to=to, **kwargs)


def refund_move(*, refund_id: int, to: str, **kwargs: Any) -> Refund | None:
    """Lock the refund and move it if its current status still allows it; None (and nothing
    changed) if another path settled it first. Call inside a transaction."""
    return _move(Refund, pk=refund_id, to=to, **kwargs)


def _created(obj: PaymentAttempt | Refund, *, actor_kind: str, actor=None, message: str = "") -> PaymentEvent:
    subject = {"payment": obj} if isinstance(obj, PaymentAttempt) else {"refund": obj}
    return PaymentEvent.objects.create(
        shop_id=obj.shop_id, **subject, actor_kind=actor_kind, actor=actor, to_status=obj.status,
        message=message[:255],
    )  # fmt: skip


def payment_created(*, attempt: PaymentAttempt, **kwargs: Any) -> PaymentEvent:
    """The first event of a new attempt (from nothing to its initial status)."""
    return _created(attempt, **kwargs)


def refund_created(*, refund: Refund, **kwargs: Any) -> PaymentEvent:
    """The first event of a new refund."""
    return _created(refund, **kwargs)


# ---------------------------------------------------------------- 商家转账 (transfers)

T = Transfer.State
# from-state -> the states it may move to. WeChat's answers (the create answer, the notification,
# a query) may come late and out of order: only forward moves are taken, a final state is final.
TRANSFER_TRANSITIONS: dict[str, frozenset[str]] = {
    T.CREATED: frozenset(
        {T.ACCEPTED, T.WAITING, T.TRANSFERING, T.CANCELING, T.SUCCEEDED, T.FAILED, T.CANCELLED}
    ),
    T.ACCEPTED: frozenset({T.WAITING, T.TRANSFERING, T.CANCELING, T.SUCCEEDED, T.FAILED, T.CANCELLED}),
    T.WAITING: frozenset({T.TRANSFERING, T.CANCELING, T.SUCCEEDED, T.FAILED, T.CANCELLED}),
    T.TRANSFERING: frozenset({T.SUCCEEDED, T.FAILED}),
    # a cancel WeChat accepted can still lose to the user's confirmation a moment before
    T.CANCELING: frozenset({T.CANCELLED, T.SUCCEEDED, T.FAILED}),
    T.SUCCEEDED: frozenset(),
    T.FAILED: frozenset(),
    T.CANCELLED: frozenset(),
}


def transfer_move(
    *,
    transfer_id: int,
    to: str,
    actor_kind: str,
    actor: Any = None,
    message: str = "",
    data: dict[str, Any] | None = None,
    fields: dict[str, Any] | None = None,
) -> Transfer | None:
    """Lock the transfer and move it to ``to`` if its state still allows it (``fields``: other
    columns saved with it; ``finished_at`` is set on a final state) and write the
    ``TransferEvent``. Returns the moved transfer, or None (and nothing changed) when another path
    got there first. Call inside a transaction."""
    transfer = transfer_lock(pk=transfer_id)
    current = transfer.state
    if to not in TRANSFER_TRANSITIONS.get(current, frozenset()):
        logger.info("transfer %s stays %s (not moved to %s)", transfer.pk, current, to)
        return None
    now = timezone.now()
    changed = ["state", "updated_at"]
    for name, value in (fields or {}).items():
        setattr(transfer, name, value)
        changed.append(name)
    transfer.state = to
    if to in Transfer.FINAL_STATES:
        transfer.finished_at = now
        changed.append("finished_at")
    transfer.save(update_fields=list(dict.fromkeys(changed)))
    TransferEvent.objects.create(
        shop_id=transfer.shop_id, transfer=transfer, actor_kind=actor_kind, actor=actor, from_state=current,
        to_state=to, message=message[:255], data=data or {}, created_at=now,
    )  # fmt: skip
    return transfer


def transfer_created(
    *, transfer: Transfer, actor_kind: str, actor: Any = None, message: str = ""
) -> TransferEvent:
    """The first event of a new transfer (from nothing to 待发起)."""
    return TransferEvent.objects.create(
        shop_id=transfer.shop_id, transfer=transfer, actor_kind=actor_kind, actor=actor, to_state=transfer.state,
        message=message[:255],
    )  # fmt: skip
