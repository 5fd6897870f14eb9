"""Members and points: every write of the area (docs/crm.md#members-and-points).

**Levels.** A customer's level is the highest of the shop's levels whose threshold is at most
their total spend (``CustomerProfile.spent_fen``, paid less refunded, kept by the profiles area's
listener, which runs before this one in the same transaction). It is worked out again on every
paid, refunded and closed order event, so a refund can lower it; and for every customer of the
shop when the merchant changes the levels (``member_levels_recompute``).

**Points** are a ledger (``PointsEntry``): immutable entries, each a signed change of the
customer's *available* and *frozen* points; the profile's ``points_available`` and
``points_frozen`` are caches of their sums, changed with each entry under the profile's row lock
(``crm.locks.profile_lock``), in the entry's transaction. Lock order: the order's row (held by
whoever wrote the order event, or ``orders.locks.order_lock``) before the profile's.

- **Spent** at checkout (the points rule's ``consume``, crm/services/members_pricing.py), inside
  the order's transaction: the profile locked, then one conditional update (``points_available
  >= n``), so two orders spending at once never take the balance below zero; the loser is refused
  with ``points_insufficient`` and its order rolls back.
- **Returned** when the unpaid order is cancelled or expires (all of it), and on refunds in
  proportion of the money refunded to the money paid.
- **Earned** when the order completes: whole yuan of what was paid less what was refunded, times
  the shop's rate, *frozen* until the shop's after-sales window closes (completion + its
  after-sales days); the unfreeze job (``points_unfreeze_due``) then makes them available (it waits
  while an after-sales request is open), each batch expiring the shop's number of days later.
- **Reversed** on refunds: of what the order earned, the share of the money refunded after it
  earned (of its earning base), taken from what is still frozen of the order, then from available
  points (which may then go below zero: later points pay it off).
  Partial refunds: each refund brings the order's total given back (or taken back) to
  ``allocate(points, {refunded, kept})[refunded]`` (orders.pricing's largest-remainder rule), so
  the parts are integers and a full refund gives back exactly everything.
- **Expired** by the expiry job (``points_expire_due``): first in, first out — a batch's points
  expire unless used, and points used are counted from the batches that expire first; points
  given back keep the expiry of the points they were.
- **Adjusted** by the merchant (``points_adjust``), with a reason; never by editing an entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ApplicationError, NotFoundError
from crm.locks import profile_lock
from crm.models.members import MemberLevel, MemberSettings, OrderPoints, PointsEntry, PointsExpiry
from crm.models.profiles import CustomerProfile
from crm.services.profiles import profile_for_user, profile_merge_register
from orders.locks import order_lock
from orders.models import AfterSale, Order, OrderEvent, OrderStatus
from orders.pricing import allocate
from shop.models import Shop

K = PointsEntry.Kind
BATCHES = (K.UNFROZEN, K.ADJUSTED)  # entries that bring points with an expiry of their own
OPEN_AFTER_SALE = (AfterSale.Status.REQUESTED, AfterSale.Status.REFUNDING)
MAX_ADJUST = 1_000_000


def ready() -> None:
    """Register this area's listeners, pricing rules and jobs with the ports below (called once
    from ``CrmConfig.ready()``)."""
    from accounts.ports import me_context_register
    from crm import tasks  # noqa: F401  (the Celery tasks, for workers)
    from crm.h5 import members as h5_members
    from crm.services import members_pricing
    from orders import events
    from orders.jobs import job_register
    from orders.ports import checkout_choice_register
    from orders.pricing import register_pricing_rule
    from wechat.ports import menu_member_page_register

    events.register(members_order_event_listener, in_transaction=True)
    # after flash, coupons and group price: the member discount is taken off what they leave, and
    # points off what is left after every discount
    register_pricing_rule(members_pricing.member_discount_rule)
    register_pricing_rule(members_pricing.points_rule)
    checkout_choice_register(members_pricing.OPTION, members_pricing.points_checkout_choice)
    job_register("points_unfreeze", points_unfreeze_due_job)
    job_register("points_expire", points_expire_due_job)
    profile_merge_register(points_merge)
    me_context_register(h5_members.member_centre_context)
    menu_member_page_register(h5_members.menu_member_page)


def points_merge(*, kept: CustomerProfile, merged: CustomerProfile) -> None:
    """Two profiles of one shopper become one (crm.services.profiles.profiles_merge, both rows
    locked; it adds the cached balances): the merged profile's ledger, order points and next
    expiry check move to the kept one, so its balances stay the sums of its entries."""
    PointsEntry.objects.filter(profile_id=merged.pk).update(profile_id=kept.pk)
    OrderPoints.objects.filter(profile_id=merged.pk).update(profile_id=kept.pk)
    theirs = PointsExpiry.objects.filter(profile_id=merged.pk).first()
    if theirs is None:
        return
    mine = PointsExpiry.objects.filter(profile_id=kept.pk).first()
    if mine is None:
        PointsExpiry.objects.filter(pk=theirs.pk).update(profile_id=kept.pk)
        return
    dues = [due for due in (mine.due_at, theirs.due_at) if due is not None]
    PointsExpiry.objects.filter(pk=mine.pk).update(due_at=min(dues, default=None))
    theirs.delete()


# ---------------------------------------------------------------- settings and levels


def member_settings_of(*, shop_id: int) -> MemberSettings | None:
    return MemberSettings.objects.filter(shop_id=shop_id).first()


def shop_levels(*, shop_id: int) -> list[MemberLevel]:
    """The shop's levels, lowest threshold first."""
    return list(MemberLevel.objects.filter(shop_id=shop_id).order_by("threshold_fen", "pk"))


def level_for_spend(levels: list[MemberLevel], spent_fen: int) -> MemberLevel | None:
    """The highest level whose threshold is at most ``spent_fen`` (``levels`` lowest first)."""
    found = None
    for level in levels:
        if level.threshold_fen <= spent_fen:
            found = level
    return found


def member_level_refresh(*, profile_id: int) -> MemberLevel | None:
    """Set the customer's level from their spend as it is now; returns the level."""
    profile = CustomerProfile.objects.only("shop_id", "spent_fen", "level_id").get(pk=profile_id)
    level = level_for_spend(shop_levels(shop_id=profile.shop_id), profile.spent_fen)
    level_id = level.pk if level is not None else None
    if profile.level_id != level_id:
        CustomerProfile.objects.filter(pk=profile_id).update(level_id=level_id, updated_at=timezone.now())
    return level


@transaction.atomic
def member_levels_recompute(*, shop: Shop) -> int:
    """Every customer of the shop at the level their spend reaches now (after the merchant changed
    the levels): one update per level. Returns how many customers changed level."""
    levels = shop_levels(shop_id=shop.pk)
    profiles = CustomerProfile.objects.filter(shop=shop)
    now = timezone.now()
    changed = 0
    bounds = [level.threshold_fen for level in levels[1:]]
    if not levels:
        return profiles.exclude(level=None).update(level=None, updated_at=now)
    changed += (
        profiles.filter(spent_fen__lt=levels[0].threshold_fen)
        .exclude(level=None)
        .update(level=None, updated_at=now)
    )
    for level, upper in zip(levels, [*bounds, None], strict=True):
        band = profiles.filter(spent_fen__gte=level.threshold_fen)
        if upper is not None:
            band = band.filter(spent_fen__lt=upper)
        changed += band.exclude(level=level).update(level=level, updated_at=now)
    return changed


# ---------------------------------------------------------------- the ledger


def _post(
    *,
    profile: CustomerProfile,
    kind: str,
    available: int = 0,
    frozen: int = 0,
    order: Order | None = None,
    expires_at: datetime | None = None,
    note: str = "",
    actor: User | None = None,
) -> PointsEntry:
    """Write one entry and move the profile's cached balances with it (the profile is locked)."""
    entry = PointsEntry.objects.create(
        shop_id=profile.shop_id, profile=profile, kind=kind, available=available, frozen=frozen,
        order=order, expires_at=expires_at, note=note[:200], actor=actor,
    )  # fmt: skip
    CustomerProfile.objects.filter(pk=profile.pk).update(
        points_available=F("points_available") + available,
        points_frozen=F("points_frozen") + frozen,
        updated_at=timezone.now(),
    )
    if kind in BATCHES and available > 0 and expires_at is not None:
        _expiry_check_at(profile, expires_at)
    elif kind == K.RETURNED:
        _expiry_check_at(profile, timezone.now())  # given back: its batch may have expired meanwhile
    return entry


def _expiry_check_at(profile: CustomerProfile, when: datetime) -> None:
    row, _created = PointsExpiry.objects.get_or_create(profile=profile, defaults={"shop_id": profile.shop_id})
    if row.due_at is None or when < row.due_at:
        row.due_at = when
        row.save(update_fields=["due_at"])


@dataclass(frozen=True)
class Balances:
    available: int
    frozen: int

    @property
    def total(self) -> int:
        return self.available + self.frozen


def points_balances(*, profile_id: int) -> Balances:
    """The customer's points as the sums of their ledger (what the profile's caches must equal)."""
    sums = PointsEntry.objects.filter(profile_id=profile_id).aggregate(a=Sum("available"), f=Sum("frozen"))
    return Balances(available=int(sums["a"] or 0), frozen=int(sums["f"] or 0))


def _order_sums(order: Order, kind: str | None = None) -> Balances:
    entries = PointsEntry.objects.filter(order=order)
    if kind is not None:
        entries = entries.filter(kind=kind)
    sums = entries.aggregate(a=Sum("available"), f=Sum("frozen"))
    return Balances(available=int(sums["a"] or 0), frozen=int(sums["f"] or 0))


def share_of(points: int, *, part_fen: int, whole_fen: int) -> int:
    """The part of ``points`` that ``part_fen`` of ``whole_fen`` stands for, by the
    largest-remainder rule (``orders.pricing.allocate`` over {part, rest}): an integer, never more
    than ``points``, and all of them when the part is the whole."""
    if points <= 0 or whole_fen <= 0 or part_fen <= 0:
        return 0
    part = min(part_fen, whole_fen)
    return allocate(points, {0: part, 1: whole_fen - part})[0]


def points_spend(*, order: Order, profile_id: int, points: int, fen: int) -> PointsEntry:
    """Take ``points`` for ``order`` (inside the order's transaction): the profile locked, then one
    conditional update, so concurrent spends never go below zero."""
    if points <= 0:
        raise ValueError("points_spend needs a positive number of points")
    profile = profile_lock(pk=profile_id)
    taken = CustomerProfile.objects.filter(pk=profile_id, points_available__gte=points).update(
        points_available=F("points_available") - points, updated_at=timezone.now()
    )
    if not taken:
        raise ApplicationError(
            "points_insufficient",
            _("可用积分不足（可能已在其他订单使用），请重新确认订单。"),
            http_status=409,
        )
    entry = PointsEntry.objects.create(
        shop_id=profile.shop_id, profile=profile, kind=K.SPENT, available=-points, order=order,
        note=_("订单 %(no)s 抵扣 %(n)s 积分") % {"no": order.order_no, "n": points},
    )  # fmt: skip
    OrderPoints.objects.create(
        shop_id=order.shop_id, order=order, profile=profile, spent_points=points, spent_fen=fen
    )
    return entry


def _fresh(order: Order) -> tuple[int, int, datetime | None]:
    """(paid, refunded, completed_at) as stored now (the event's order may hold an F())."""
    paid, refunded, completed = (
        Order.objects.filter(pk=order.pk).values_list("paid_fen", "refunded_fen", "completed_at").get()
    )
    return int(paid), int(refunded), completed


def _order_points(order: Order, *, lock: bool) -> OrderPoints | None:
    found = OrderPoints.objects.filter(order=order).first()
    if found is not None and lock:
        profile_lock(pk=found.profile_id)
    return found


def _points_return(order: Order, *, target: int, row: OrderPoints, note: str) -> None:
    """Give back of what the order spent until ``target`` is given back in all."""
    given = _order_sums(order, K.RETURNED).available
    if target > given:
        profile = CustomerProfile.objects.get(pk=row.profile_id)
        _post(profile=profile, kind=K.RETURNED, available=target - given, order=order, note=note)


def _points_on_cancel(order: Order) -> None:
    row = _order_points(order, lock=True)
    if row is None or not row.spent_points:
        return
    _points_return(
        order, target=row.spent_points, row=row,
        note=_("订单 %(no)s 取消，退还抵扣积分") % {"no": order.order_no},
    )  # fmt: skip


def _points_earn(order: Order) -> None:
    config = member_settings_of(shop_id=order.shop_id)
    if config is None or not config.points_enabled or config.earn_per_yuan <= 0:
        return
    paid, refunded, completed = _fresh(order)
    base = max(paid - refunded, 0)
    points = (base // 100) * config.earn_per_yuan
    if points <= 0:
        return
    profile = profile_for_user(shop_id=order.shop_id, user_id=order.user_id)
    profile = profile_lock(pk=profile.pk)
    row, _created = OrderPoints.objects.get_or_create(
        order=order, defaults={"shop_id": order.shop_id, "profile": profile}
    )
    if row.earned_points:
        return  # earned once
    days = Shop.objects.filter(pk=order.shop_id).values_list("after_sale_days", flat=True).get()
    row.earned_points, row.earn_base_fen, row.refunded_before_fen = points, base, refunded
    row.unfreeze_at = (completed or timezone.now()) + timedelta(days=days)
    row.save(
        update_fields=["earned_points", "earn_base_fen", "refunded_before_fen", "unfreeze_at", "updated_at"]
    )
    _post(
        profile=profile, kind=K.EARNED, frozen=points, order=order,
        note=_("订单 %(no)s 完成，售后期结束后可用") % {"no": order.order_no},
    )  # fmt: skip


def _points_on_refund(order: Order) -> None:
    row = _order_points(order, lock=True)
    if row is None:
        return
    paid, refunded, _completed = _fresh(order)
    note = _("订单 %(no)s 退款") % {"no": order.order_no}
    if row.spent_points:
        target = share_of(row.spent_points, part_fen=refunded, whole_fen=paid)
        _points_return(order, target=target, row=row, note=note)
    if row.earned_points:
        target = share_of(
            row.earned_points, part_fen=refunded - row.refunded_before_fen, whole_fen=row.earn_base_fen
        )
        done = -_order_sums(order, K.REVERSED).total
        if target > done:
            delta = target - done
            from_frozen = min(delta, max(_order_sums(order).frozen, 0))
            profile = CustomerProfile.objects.get(pk=row.profile_id)
            _post(
                profile=profile, kind=K.REVERSED, frozen=-from_frozen, available=-(delta - from_frozen),
                order=order, note=note,
            )  # fmt: skip


def members_order_event_listener(event: OrderEvent) -> None:
    """Registered on the order events port, in the event's transaction (the order's row locked by
    whoever wrote the event; after the profiles area's listener, which keeps the spend)."""
    order = event.order
    refunded = event.type == OrderEvent.Type.REFUNDED or event.to_status == OrderStatus.CLOSED
    if event.to_status == OrderStatus.PAID or refunded:
        profile = profile_for_user(shop_id=order.shop_id, user_id=order.user_id)
        member_level_refresh(profile_id=profile.pk)
    if event.to_status == OrderStatus.CANCELLED:
        _points_on_cancel(order)
    elif event.to_status == OrderStatus.COMPLETED:
        _points_earn(order)
    if refunded:
        _points_on_refund(order)


# ---------------------------------------------------------------- unfreezing


def points_unfreeze(*, order_points_id: int, now: datetime | None = None) -> bool:
    """Make one order's frozen points available if its after-sales window has closed and no
    after-sales request is open. True if points moved."""
    now = now or timezone.now()
    with transaction.atomic():
        order_id = OrderPoints.objects.filter(pk=order_points_id).values_list("order_id", flat=True).first()
        if order_id is None:
            return False
        order = order_lock(pk=order_id)  # the order first: a refund of it waits, or went first
        row = OrderPoints.objects.get(pk=order_points_id)
        if row.unfrozen_at is not None or row.unfreeze_at is None or row.unfreeze_at > now:
            return False
        left = max(_order_sums(order).frozen, 0)
        if left > 0 and order.after_sales.filter(status__in=OPEN_AFTER_SALE).exists():
            return False  # wait for the request: a refund would take back what is still frozen
        profile = profile_lock(pk=row.profile_id)
        if left > 0:
            config = member_settings_of(shop_id=order.shop_id)
            days = config.expire_days if config is not None else 0
            _post(
                profile=profile, kind=K.UNFROZEN, frozen=-left, available=left, order=order,
                expires_at=now + timedelta(days=days) if days else None,
                note=_("订单 %(no)s 售后期结束，积分可用") % {"no": order.order_no},
            )  # fmt: skip
        row.unfrozen_at = now
        row.save(update_fields=["unfrozen_at", "updated_at"])
        return left > 0


def points_unfreeze_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """The unfreeze job: every order whose window has closed, each in its own transaction. Safe to
    run from several workers at once (each re-checks under the order's lock)."""
    now = now or timezone.now()
    due = (
        OrderPoints.objects.filter(unfrozen_at=None, unfreeze_at__lte=now)
        .exclude(order__after_sales__status__in=OPEN_AFTER_SALE)
        .order_by("unfreeze_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(points_unfreeze(order_points_id=pk, now=now) for pk in list(due))


def points_unfreeze_due_job() -> int:
    return points_unfreeze_due()


# ---------------------------------------------------------------- expiry


def _live_batches(profile_id: int, now: datetime) -> QuerySet[PointsEntry]:
    return PointsEntry.objects.filter(profile_id=profile_id, kind__in=BATCHES, available__gt=0).filter(
        Q(expires_at=None) | Q(expires_at__gt=now)
    )


def points_expiring(*, profile_id: int, balance: int, now: datetime) -> int:
    """How many of ``balance`` available points have expired by ``now``: first in, first out —
    what is available beyond what the batches still in date brought (``max(0, balance − live)``)."""
    live = int(_live_batches(profile_id, now).aggregate(s=Sum("available"))["s"] or 0)
    return max(balance - live, 0)


def points_expire(*, profile_id: int, now: datetime | None = None) -> int:
    """Expire what is due of one customer's points; returns how many expired."""
    now = now or timezone.now()
    with transaction.atomic():
        profile = profile_lock(pk=profile_id)
        row = PointsExpiry.objects.filter(profile_id=profile_id).first()
        if row is None or row.due_at is None or row.due_at > now:
            return 0
        expired = points_expiring(profile_id=profile_id, balance=points_balances(profile_id=profile_id).available,
                                  now=now)  # fmt: skip
        if expired:
            _post(profile=profile, kind=K.EXPIRED, available=-expired, note=_("积分到期"))
        nxt = _live_batches(profile_id, now).exclude(expires_at=None).aggregate(d=Min("expires_at"))["d"]
        PointsExpiry.objects.filter(pk=row.pk).update(due_at=nxt)
        return expired


def points_expire_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """The expiry job: every customer whose check is due, each in its own transaction. Returns how
    many customers lost points."""
    now = now or timezone.now()
    due = (
        PointsExpiry.objects.filter(due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("profile_id", flat=True)
    )
    return sum(1 for profile_id in list(due[:limit]) if points_expire(profile_id=profile_id, now=now))


def points_expire_due_job() -> int:
    return points_expire_due()


# ---------------------------------------------------------------- merchant adjustments


def points_adjust(
    *, shop: Shop, profile_id: int, points: int, reason: str, actor: User | None
) -> PointsEntry:
    """The merchant gives (``points`` > 0) or takes (< 0) points, with a reason the customer sees
    in their history. Taking never leaves the available points below zero."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("points_reason_required", _("请填写调整原因（顾客在积分明细里能看到）。"),
                               fields={"reason": [_("请填写调整原因。")]})  # fmt: skip
    if points == 0 or abs(points) > MAX_ADJUST:
        raise ApplicationError(
            "points_adjust_invalid",
            _("调整积分须为非 0 整数，最多 %(n)s。") % {"n": MAX_ADJUST},
            fields={"points": [_("无效")]},
        )
    with transaction.atomic():
        if not CustomerProfile.objects.filter(pk=profile_id, shop=shop).exists():
            raise NotFoundError("customer_not_found", _("没有找到这位客户。"))
        profile = profile_lock(pk=profile_id)
        if points < 0 and profile.points_available + points < 0:
            raise ApplicationError(
                "points_adjust_exceeds",
                _("扣减后可用积分不能为负：这位客户最多可扣 %(n)s 积分。")
                % {"n": max(profile.points_available, 0)},
                fields={"points": [_("超过可用积分")]},
            )
        config = member_settings_of(shop_id=shop.pk)
        days = config.expire_days if config is not None else 0
        expires_at = timezone.now() + timedelta(days=days) if points > 0 and days else None
        return _post(profile=profile, kind=K.ADJUSTED, available=points, expires_at=expires_at, note=reason,
                     actor=actor)  # fmt: skip
