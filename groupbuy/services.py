"""Group-buy's writes: seats taken by payments, a full group, a failed group's automatic refunds.

- **A payment takes a seat** (``group_order_event``, on the order events port *in the transaction*
  of the ``paid`` event, the order row already locked): under the group's lock, the opener's
  payment opens the group (its timer starts), a friend's takes a seat if one is left and the
  group's time is not up, and the last seat fills the group: every member's order may ship at
  once (the ship guard, ``order_ship_blocked`` before) and each timeline says 拼团成功. A payment
  for a group that had just filled or closed takes nothing: that member is refunded in full,
  automatically, after commit (``group_member_refund``). So 20 payments racing for the last seat
  give it to exactly one; the others get their money back.
- **A group whose timer runs out unfilled fails** (``groups_expire_due``, the periodic job): under
  its lock it is marked failed and each paid member is marked for refund; after commit each is
  refunded through ``orders.services.order_refund_automatic`` (the refund gateway: WeChat Pay),
  which is idempotent per member, so the job running twice at once refunds each member once. The
  unpaid orders still waiting on a finished group are cancelled (their stock goes back).
- **Cancelled and refunded orders leave**: an unpaid order cancelled or expired leaves its group
  (the opener's: the group never opens); a member refunded in full while its group is still open
  gives its seat back.

Lock order: the order, then the group (the payment and the refund hold the order already); the job
locks only the group and refunds after commit, with no row locked.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from groupbuy.locks import group_lock, group_lock_if_exists
from groupbuy.models import Group, GroupMember
from orders.models import AfterSale, Order, OrderEvent, OrderStatus
from orders.services import order_cancel, order_refund_automatic
from orders.state import order_note
from shop.cache import product_page_changed

logger = logging.getLogger(__name__)
E = OrderEvent.Type
A = OrderEvent.Actor
M = GroupMember.Status
G = Group.Status


def _note(order: Order, message: str, **data: object) -> None:
    """A 拼团 entry on the member's order timeline (a note: it changes no status)."""
    order_note(order=order, event=E.NOTE, actor_kind=A.SYSTEM, message=message[:255], data={"groupbuy": data})


# ---------------------------------------------------------------- order events


def group_order_event(event: OrderEvent) -> None:
    """Registered on the order events port in the transaction (``GroupbuyConfig.ready``)."""
    if event.type == E.PAID:
        member_paid(order=event.order)
    elif event.to_status == OrderStatus.CANCELLED:
        member_cancelled(order=event.order)
    elif event.to_status == OrderStatus.CLOSED:
        member_closed(order=event.order)


def member_paid(*, order: Order) -> GroupMember | None:
    """The member's payment arrived (the order row is locked by ``order_mark_paid``)."""
    found = GroupMember.objects.filter(order_id=order.pk).values_list("pk", "group_id").first()
    if found is None:
        return None  # not a group-buy order
    member_id, group_id = found
    group = group_lock(pk=group_id)
    member = GroupMember.objects.get(pk=member_id)
    if member.status != M.PENDING:
        return member
    now = timezone.now()
    if member.is_leader and group.status == G.PENDING:
        group.status, group.opened_at, group.joined_count = G.OPEN, now, 1
        group.expires_at = now + timedelta(hours=group.open_hours)
        group.save(update_fields=["status", "opened_at", "expires_at", "joined_count", "updated_at"])
        _seat(member, now)
        _note(order, _("开团成功：还差 %(n)d 人，%(t)s 前凑满即发货，未凑满自动退款。")
              % {"n": group.seats_left, "t": _when(group.expires_at)}, state="opened", group_no=group.group_no)  # fmt: skip
    elif group.is_joinable(now):
        group.joined_count += 1
        group.save(update_fields=["joined_count", "updated_at"])
        _seat(member, now)
        if group.joined_count >= group.size:
            _succeed(group, now)
        else:
            _note(order, _("参团成功：还差 %(n)d 人成团。") % {"n": group.seats_left},
                  state="joined", group_no=group.group_no)  # fmt: skip
    else:
        full = group.status == G.SUCCEEDED or group.joined_count >= group.size
        why = GroupMember.Why.FULL if full else GroupMember.Why.CLOSED
        member.status, member.refund_why = M.REFUNDING, why
        member.save(update_fields=["status", "refund_why", "updated_at"])
        message = _("付款时这个团已满员") if full else _("付款时这个团已结束")
        _note(order, _("%(why)s，这笔付款将自动原路退回。") % {"why": message}, state="refunding",
              group_no=group.group_no)  # fmt: skip
        transaction.on_commit(partial(group_member_refund, member_id=member.pk), robust=True)
    _group_shown_changed(group)
    return member


def _seat(member: GroupMember, now: datetime) -> None:
    member.status, member.joined_at = M.JOINED, now
    member.save(update_fields=["status", "joined_at", "updated_at"])


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M") if moment else ""


def _succeed(group: Group, now: datetime) -> None:
    """The last seat was just paid for (the group locked): every member's order may ship."""
    group.status, group.finished_at = G.SUCCEEDED, now
    group.save(update_fields=["status", "finished_at", "updated_at"])
    for member in group.members.filter(status=M.JOINED).select_related("order"):
        _note(member.order, _("拼团成功：%(n)d 人已凑满，商家将尽快发货。") % {"n": group.size},
              state="succeeded", group_no=group.group_no)  # fmt: skip
    waiting = list(group.members.filter(status=M.PENDING).values_list("order_id", flat=True))
    if waiting:
        transaction.on_commit(
            partial(_cancel_waiting, order_ids=waiting, reason=_("拼团已满员，未付款的订单已自动取消。")),
            robust=True,
        )


def _cancel_waiting(*, order_ids: list[int], reason: str) -> None:
    """Cancel the unpaid orders of a finished group (each on its own; one paid meanwhile is left
    to its payment, which is refunded)."""
    for order in Order.objects.filter(pk__in=order_ids, status=OrderStatus.PENDING_PAYMENT).order_by("pk"):
        try:
            order_cancel(order=order, actor=None, actor_kind=A.SYSTEM, reason=reason)
        except ApplicationError:
            continue  # paid just now: the payment finds the group finished and is refunded


def member_cancelled(*, order: Order) -> None:
    """An unpaid member order was cancelled or expired: it leaves; the opener's group never opens."""
    member = GroupMember.objects.filter(order_id=order.pk, status=M.PENDING).first()
    if member is None:
        return
    GroupMember.objects.filter(pk=member.pk, status=M.PENDING).update(
        status=M.CANCELLED, updated_at=timezone.now()
    )
    if member.is_leader:
        Group.objects.filter(pk=member.group_id, status=G.PENDING).update(
            status=G.CANCELLED, finished_at=timezone.now(), updated_at=timezone.now()
        )


def member_closed(*, order: Order) -> None:
    """A member's order was refunded in full (closed). While its group is still open, the seat
    is given back (the group locked after the order, as everywhere); if nobody is left, the group
    has failed (nothing to refund). Members refunded by group-buy itself are already out."""
    found = (
        GroupMember.objects.filter(order_id=order.pk, status=M.JOINED).values_list("pk", "group_id").first()
    )
    if found is None:
        return
    member_id, group_id = found
    group = group_lock(pk=group_id)
    member = GroupMember.objects.get(pk=member_id)
    if member.status != M.JOINED or group.status != G.OPEN:
        return  # a full group's member refunded later: an ordinary after-sale
    member.status = M.LEFT
    member.save(update_fields=["status", "updated_at"])
    group.joined_count = F("joined_count") - 1
    group.save(update_fields=["joined_count", "updated_at"])
    group.refresh_from_db(fields=["joined_count"])
    if group.joined_count == 0:
        group.status, group.finished_at = G.FAILED, timezone.now()
        group.save(update_fields=["status", "finished_at", "updated_at"])
    _group_shown_changed(group)


def _group_shown_changed(group: Group) -> None:
    """A group's seats or state changed: only its product's page shows open groups (the group
    page and the API read live), so only that page is built again, never the whole shop's."""
    product_id, slug = (
        Group.objects.filter(pk=group.pk).values_list("activity__product_id", "shop__slug").get()
    )
    product_page_changed(shop_slug=slug, product_id=product_id)


# ---------------------------------------------------------------- the job


def groups_expire_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Fail every open group whose time is up, each exactly once (its row locked and its state
    re-checked), and refund its paid members after commit. Safe to run from several workers at
    once. Returns how many groups it failed."""
    now = now or timezone.now()
    due = Group.objects.filter(status=G.OPEN, expires_at__lte=now).order_by("expires_at", "pk")
    failed = 0
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            group = group_lock_if_exists(pk=pk)
            if group is None or group.status != G.OPEN or group.expires_at is None or group.expires_at > now:
                continue  # another worker got it, or it filled meanwhile
            refund, waiting = _fail(group, now)
        failed += 1
        _cancel_waiting(order_ids=waiting, reason=_("拼团未成功，未付款的订单已自动取消。"))
        for member_id in refund:
            _refund_logged(member_id)
    return failed


def _fail(group: Group, now: datetime) -> tuple[list[int], list[int]]:
    group.status, group.finished_at = G.FAILED, now
    group.save(update_fields=["status", "finished_at", "updated_at"])
    refund = []
    for member in group.members.filter(status=M.JOINED).select_related("order"):
        member.status, member.refund_why = M.REFUNDING, GroupMember.Why.FAILED
        member.save(update_fields=["status", "refund_why", "updated_at"])
        _note(member.order, _("拼团失败：%(h)d 小时内未凑满 %(n)d 人，货款将自动原路退回。")
              % {"h": group.open_hours, "n": group.size}, state="failed", group_no=group.group_no)  # fmt: skip
        refund.append(member.pk)
    waiting = list(group.members.filter(status=M.PENDING).values_list("order_id", flat=True))
    _group_shown_changed(group)
    return refund, waiting


def group_refunds_due(*, limit: int = 200) -> int:
    """Refund every member still marked for a refund (a crash or a failed call after commit
    left it): each through the same idempotent path. Returns how many it handled."""
    done = 0
    for member_id in list(
        GroupMember.objects.filter(status=M.REFUNDING).order_by("pk").values_list("pk", flat=True)[:limit]
    ):
        done += _refund_logged(member_id)
    return done


def groupbuy_sync_job() -> int:
    """The periodic job (orders/jobs.py; Celery beat: groupbuy.tasks.groups_sync)."""
    return groups_expire_due() + group_refunds_due()


def _refund_logged(member_id: int) -> int:
    try:
        return 1 if group_member_refund(member_id=member_id) else 0
    except Exception:  # one member's refund must not stop the others; the job tries again
        logger.exception("group-buy member %s: automatic refund failed", member_id)
        return 0


REFUND_REASONS: dict[str, Any] = {
    GroupMember.Why.FAILED: gettext_lazy("拼团失败，自动退款"),
    GroupMember.Why.FULL: gettext_lazy("拼团已满员，自动退款"),
    GroupMember.Why.CLOSED: gettext_lazy("拼团已结束，自动退款"),
}


def group_member_refund(*, member_id: int) -> bool:
    """Refund a member marked ``refunding`` in full, automatically (no merchant step), once.
    Returns True when the refund is on its way (or nothing was left to refund)."""
    member = GroupMember.objects.select_related("order__shop").filter(pk=member_id).first()
    if member is None or member.status != M.REFUNDING:
        return False
    reason = str(REFUND_REASONS.get(member.refund_why, REFUND_REASONS[GroupMember.Why.FAILED]))
    after_sale_no = ""
    try:
        after_sale = order_refund_automatic(order=member.order, reason=reason, key=f"groupbuy:{member.pk}")
    except ApplicationError as exc:
        if exc.code not in ("refund_nothing_left", "refund_not_allowed"):
            raise
        # refunded in full some other way already (the merchant): nothing is owed
    else:
        if after_sale.status == AfterSale.Status.REQUESTED:
            return False  # not approved (yet): the job tries again
        after_sale_no = after_sale.after_sale_no
    GroupMember.objects.filter(pk=member.pk, status=M.REFUNDING).update(
        status=M.REFUNDED, refund_after_sale_no=after_sale_no, updated_at=timezone.now()
    )
    return True


# ---------------------------------------------------------------- the ship guard


def group_ship_check(order: Order) -> str | None:
    """Registered as a ship guard (orders/ports.py): a group-buy order ships only once its group
    has filled."""
    member = GroupMember.objects.filter(order_id=order.pk).select_related("group").first()
    if member is None:
        return None
    if member.status == M.JOINED and member.group.status == G.SUCCEEDED:
        return None
    if member.status in (M.REFUNDING, M.REFUNDED):
        return _("拼团未成功，这笔订单将自动退款，不能发货")
    return _("拼团未成团，暂不能发货")


def group_ship_blocked() -> Q:
    """The orders ``group_ship_check`` holds back, as one filter on ``Order`` (admin's list)."""
    held = GroupMember.objects.exclude(status=M.JOINED, group__status=G.SUCCEEDED).values("order_id")
    return Q(pk__in=held)
