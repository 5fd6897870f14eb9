"""Reads of the members area: a shopper's 会员中心 (level, progress, points, what unfreezes when,
what expires soon, the shop's rules in the shopper's words) and their points history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.money import format_yuan
from crm.models.members import MemberLevel, MemberSettings, OrderPoints, PointsEntry, discount_text
from crm.models.profiles import CustomerProfile
from crm.services.members import BATCHES, level_for_spend, member_settings_of, points_expiring, shop_levels
from shop.models import Shop

FROZEN_SHOWN = 20  # batches listed with their unfreeze dates (the sum covers them all)


@dataclass(frozen=True)
class FrozenBatch:
    points: int
    unfreeze_at: datetime | None
    order_no: str


@dataclass(frozen=True)
class Expiring:
    points: int
    at: datetime


@dataclass
class MemberSummary:
    profile: CustomerProfile | None
    level: MemberLevel | None
    next_level: MemberLevel | None
    spent_fen: int
    to_next_fen: int  # 0 at the top level
    progress_percent: int  # 0–100 of the way from the current level's threshold to the next's
    available: int
    frozen: int
    frozen_batches: list[FrozenBatch] = field(default_factory=list)
    expiring: Expiring | None = None
    levels: list[MemberLevel] = field(default_factory=list)
    settings: MemberSettings | None = None
    rules: list[str] = field(default_factory=list)

    @property
    def points_enabled(self) -> bool:
        return self.settings is not None and self.settings.points_enabled


def member_rules(
    *, levels: list[MemberLevel], config: MemberSettings | None, after_sale_days: int
) -> list[str]:
    """The shop's member and points rules, in the shopper's words (会员中心, the API)."""
    rules: list[str] = []
    if levels:
        ladder = "、".join(
            _("%(name)s（累计满 %(t)s，%(d)s）")
            % {
                "name": level.name,
                "t": format_yuan(level.threshold_fen),
                "d": discount_text(level.discount_percent),
            }
            for level in levels
        )
        rules.append(_("会员等级按累计消费（实付金额，扣除退款）自动升级：%(ladder)s。退款会减少累计消费，等级可能随之下调。")
                     % {"ladder": ladder})  # fmt: skip
        rules.append(
            _(
                "会员折扣适用于会员的订单，不适用于秒杀价、拼团价商品；可与优惠券同时使用：先减优惠券，再按折扣计算。"
            )
        )
    if config is None or not config.points_enabled:
        rules.append(_("本店暂未开启积分。"))
        return rules
    if config.earn_per_yuan:
        rules.append(
            _(
                "订单完成后，实付金额（扣除退款）每 1 元得 %(n)s 积分，不足 1 元不计；积分先冻结，售后期（%(d)s 天）结束后可用。"
            )
            % {"n": config.earn_per_yuan, "d": after_sale_days}
        )
    rules.append(
        _(
            "结算时 %(n)s 积分抵 ¥1，最多抵商品金额（其他优惠之后）的 %(p)s%%，运费不能用积分抵扣；可与会员折扣、优惠券同时使用。"
        )
        % {"n": config.points_per_yuan, "p": config.max_percent}
    )
    if config.expire_days:
        rules.append(
            _("积分可用后 %(d)s 天过期，先得的先过期、先用的也先从最早的积分扣。") % {"d": config.expire_days}
        )
    else:
        rules.append(_("积分永不过期。"))
    rules.append(
        _(
            "未付款订单取消时退还抵扣的积分；订单退款时，按退款金额的比例退还抵扣的积分，并扣回这笔订单获得的积分。"
        )
    )
    return rules


def _frozen_batches(profile: CustomerProfile) -> list[FrozenBatch]:
    """The customer's orders whose earned points are still frozen, soonest first (two queries)."""
    rows = list(
        OrderPoints.objects.filter(profile=profile, unfrozen_at=None, earned_points__gt=0)
        .select_related("order")
        .order_by("unfreeze_at", "pk")[:FROZEN_SHOWN]
    )
    if not rows:
        return []
    frozen = dict(
        PointsEntry.objects.filter(order_id__in=[row.order_id for row in rows])
        .values("order_id")
        .annotate(s=Sum("frozen"))
        .values_list("order_id", "s")
    )
    return [
        FrozenBatch(
            points=int(frozen.get(row.order_id) or 0),
            unfreeze_at=row.unfreeze_at,
            order_no=row.order.order_no,
        )
        for row in rows
        if int(frozen.get(row.order_id) or 0) > 0
    ]


def _expiring(profile: CustomerProfile, *, now: datetime) -> Expiring | None:
    """The next date some of the customer's points expire, and how many (first in, first out)."""
    dates = list(
        PointsEntry.objects.filter(profile=profile, kind__in=BATCHES, available__gt=0, expires_at__gt=now)
        .order_by("expires_at")
        .values_list("expires_at", flat=True)
        .distinct()[:5]
    )
    for at in dates:
        if at is None:
            continue
        points = points_expiring(profile_id=profile.pk, balance=profile.points_available, now=at)
        if points > 0:
            return Expiring(points=points, at=at)
    return None


def member_summary(*, shop: Shop, user: User) -> MemberSummary:
    """The shopper's 会员中心 in this shop (a shopper who has not bought yet has no profile: zeros)."""
    profile = CustomerProfile.objects.select_related("level").filter(shop=shop, user=user).first()
    levels = shop_levels(shop_id=shop.pk)
    config = member_settings_of(shop_id=shop.pk)
    spent = profile.spent_fen if profile is not None else 0
    level = level_for_spend(levels, spent)
    higher = [lv for lv in levels if lv.threshold_fen > spent]
    next_level = higher[0] if higher else None
    to_next = next_level.threshold_fen - spent if next_level is not None else 0
    if next_level is None:
        progress = 100
    else:
        floor = level.threshold_fen if level is not None else 0
        span = max(next_level.threshold_fen - floor, 1)
        progress = max(min((spent - floor) * 100 // span, 100), 0)
    summary = MemberSummary(
        profile=profile, level=level, next_level=next_level, spent_fen=spent, to_next_fen=to_next,
        progress_percent=progress, available=profile.points_available if profile is not None else 0,
        frozen=profile.points_frozen if profile is not None else 0, levels=levels, settings=config,
        rules=member_rules(levels=levels, config=config, after_sale_days=shop.after_sale_days),
    )  # fmt: skip
    if profile is not None and profile.points_frozen > 0:
        summary.frozen_batches = _frozen_batches(profile)
    if profile is not None and profile.points_available > 0:
        summary.expiring = _expiring(profile, now=timezone.now())
    return summary


@dataclass(frozen=True)
class MemberBadge:
    """What 个人中心 says of the shopper's membership (None: the shop runs none)."""

    level_name: str | None
    points: int
    points_enabled: bool


def member_badge(*, shop: Shop, user: User) -> MemberBadge | None:
    """The shopper's level and points for 个人中心's link (three small queries), or None when the
    shop has no levels, no points and the shopper no points."""
    found = (
        CustomerProfile.objects.filter(shop=shop, user=user)
        .values_list("spent_fen", "points_available")
        .first()
    )
    spent, points = found if found is not None else (0, 0)
    levels = shop_levels(shop_id=shop.pk)
    config = member_settings_of(shop_id=shop.pk)
    enabled = config is not None and config.points_enabled
    if not levels and not enabled and not points:
        return None
    level = level_for_spend(levels, spent)
    return MemberBadge(
        level_name=level.name if level is not None else None, points=points, points_enabled=enabled
    )


def points_history(*, shop: Shop, user: User) -> QuerySet[PointsEntry]:
    """The shopper's points entries in this shop, newest first (with their orders)."""
    return (
        PointsEntry.objects.filter(shop=shop, profile__user=user)
        .select_related("order")
        .order_by("-created_at", "-pk")
    )


def members_with_points(queryset: QuerySet[CustomerProfile]) -> QuerySet[CustomerProfile]:
    """Admin's 会员积分 list: its customers with their users and levels (one query)."""
    return queryset.select_related("user", "level").filter(~Q(user=None))
