"""The members area's checkout pricing rules (orders.pricing), registered after promotions' flash
price and coupons and groupbuy's group price, in this order (docs/crm.md#stacking):

1. **Member discount** (``MemberDiscountRule``, code ``member_discount``): the discount (95 = 9.5
   折) of the level the customer's spend reaches (a shopper with no spend yet: the 0 threshold's
   level, if the shop has one) on each line *not* sold at a flash or group price, counted at what is
   left of the line after the rules before it (a coupon's share taken off first): the discount is
   ``ceil(eligible × (100 − percent) / 100)`` — rounded up to the fen, the shopper's favour, as
   percentage coupons are — allocated to those lines in proportion (largest remainder).
2. **Points** (``PointsRule``, code ``points``): when the shopper asks (``options["points"]``
   true: the H5 switch, the API's ``use_points``), as many points as the shop allows — at most the
   shop's percentage of what is left of the goods after every other discount (shipping is never
   discounted), at most the available points, in whole steps of the shop's rate (100 points = ¥1:
   1 point a fen; 10 points = ¥1: 1 point per 10 fen; 1000 = ¥1: 10 points a fen). Computed
   server-side; ``consume`` takes them inside the order's transaction
   (``crm.services.members.points_spend``), refusing with ``points_insufficient`` when they were
   spent meanwhile.
"""

from __future__ import annotations

from math import gcd
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.money import format_yuan
from crm.models.members import MemberSettings, discount_text
from crm.models.profiles import CustomerProfile
from crm.services.members import level_for_spend, member_settings_of, points_spend, shop_levels
from orders.ports import CheckoutChoice
from orders.pricing import Discount, PricingContext, PricingResult, allocate

if TYPE_CHECKING:
    from orders.models import Order

MEMBER_CODE = "member_discount"
CODE = "points"
OPTION = "points"
SPECIAL_PRICE_CODES = (
    "flash",
    "group_buy",
)  # promotions.flash's and groupbuy's rules: no member discount on them


def _shopper_profile(context: PricingContext) -> CustomerProfile | None:
    user = context.user
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return CustomerProfile.objects.filter(shop=context.shop, user=user).first()


def _room(context: PricingContext) -> dict[int, int]:
    """What is left of each line after the rules before this one."""
    room = {line.sku_id: line.total_fen for line in context.lines}
    for earlier in context.discounts:
        for sku_id, fen in (earlier.allocation or {}).items():
            room[sku_id] = room.get(sku_id, 0) - fen
    return room


def member_discount_fen(*, eligible_fen: int, percent: int) -> int:
    """What a level's discount takes off ``eligible_fen`` (rounded up to the fen)."""
    if eligible_fen <= 0 or percent >= 100:
        return 0
    return min(-(-eligible_fen * (100 - percent) // 100), eligible_fen)


class MemberDiscountRule:
    code = MEMBER_CODE
    name = gettext_lazy("会员折扣")

    def apply(self, context: PricingContext) -> list[Discount]:
        user = context.user
        if user is None or not getattr(user, "is_authenticated", False):
            return []
        spent = (
            CustomerProfile.objects.filter(shop=context.shop, user=user)
            .values_list("spent_fen", flat=True)
            .first()
        )
        level = level_for_spend(shop_levels(shop_id=context.shop.pk), spent or 0)
        if level is None or level.discount_percent >= 100:
            return []
        special = {
            sku_id
            for earlier in context.discounts
            if earlier.code in SPECIAL_PRICE_CODES
            for sku_id in earlier.allocation or {}
        }
        room = {sku_id: fen for sku_id, fen in _room(context).items() if sku_id not in special and fen > 0}
        off = member_discount_fen(eligible_fen=sum(room.values()), percent=level.discount_percent)
        if off <= 0:
            return []
        shares = {sku_id: fen for sku_id, fen in allocate(off, room).items() if fen}
        return [
            Discount(
                code=MEMBER_CODE,
                label=_("会员折扣 · %(level)s %(zhe)s")
                % {"level": level.name, "zhe": discount_text(level.discount_percent)},
                amount_fen=off,
                ref=f"member_level:{level.pk}",
                data={
                    "level_id": level.pk,
                    "level_name": level.name,
                    "discount_percent": level.discount_percent,
                },
                allocation=shares,
            )
        ]


def points_step(config: MemberSettings) -> tuple[int, int]:
    """(points, fen): the smallest whole exchange at the shop's rate (100 points = ¥1 → (1, 1))."""
    common = gcd(100, config.points_per_yuan)
    return config.points_per_yuan // common, 100 // common


def points_quote(*, config: MemberSettings, available: int, room_fen: int) -> tuple[int, int]:
    """(points, fen): the most points this checkout may use and what they take off — at most the
    available points and the shop's percentage of ``room_fen``, in whole steps of its rate."""
    step_points, step_fen = points_step(config)
    cap_fen = max(room_fen, 0) * config.max_percent // 100
    steps = min(max(available, 0) // step_points, cap_fen // step_fen)
    return steps * step_points, steps * step_fen


def points_asked(value: Any) -> bool:
    return value is True or value == "1"


class PointsRule:
    code = CODE
    name = gettext_lazy("积分抵扣")

    def apply(self, context: PricingContext) -> list[Discount]:
        if not points_asked(context.options.get(OPTION)):
            return []
        config = member_settings_of(shop_id=context.shop.pk)
        if config is None or not config.points_enabled:
            return []
        profile = _shopper_profile(context)
        if profile is None:
            return []
        points, fen = points_quote(
            config=config, available=profile.points_available, room_fen=context.remaining_fen
        )
        if points <= 0:
            return []
        return [
            Discount(
                code=CODE,
                label=_("积分抵扣 · %(n)s 积分") % {"n": points},
                amount_fen=fen,
                ref=f"points:{profile.pk}",
                data={"profile_id": profile.pk, "points": points, "fen": fen},
            )
        ]

    def consume(self, *, context: PricingContext, discount: Discount, order: Order) -> None:
        points, fen = int(discount.data["points"]), int(discount.data["fen"])
        if discount.amount_fen != fen:  # the pipeline never cuts it (the rule asks within what is left)
            raise ValueError("the points discount was cut: points and money no longer match")
        points_spend(order=order, profile_id=int(discount.data["profile_id"]), points=points, fen=fen)


def points_checkout_choice(*, context: PricingContext, result: PricingResult) -> list[CheckoutChoice]:
    """The checkout's 积分抵扣 switch (orders.ports): shown while the shop runs points, to a
    signed-in shopper."""
    config = member_settings_of(shop_id=context.shop.pk)
    if config is None or not config.points_enabled:
        return []
    user = context.user
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    label = _("积分抵扣")
    used = next((d for d in result.discounts if d.code == CODE), None)
    if used is not None:
        detail = _("使用 %(n)s 积分，抵 %(y)s") % {
            "n": used.data["points"],
            "y": format_yuan(used.amount_fen),
        }
        return [CheckoutChoice(option=OPTION, label=label, detail=detail, chosen=True, available=True)]
    profile = _shopper_profile(context)
    available = profile.points_available if profile is not None else 0
    points, fen = points_quote(
        config=config, available=available, room_fen=context.goods_fen - result.discount_fen
    )
    if available <= 0:
        detail = _("暂无可用积分")
    elif points <= 0:
        step_points, _step_fen = points_step(config)
        detail = (
            _("可用 %(n)s 积分，满 %(s)s 积分可用") % {"n": available, "s": step_points}
            if available < step_points
            else _("可用 %(n)s 积分，本单暂不可用") % {"n": available}
        )
    else:
        detail = _("可用 %(n)s 积分，本单可用 %(p)s 积分抵 %(y)s") % {
            "n": available,
            "p": points,
            "y": format_yuan(fen),
        }
    return [CheckoutChoice(option=OPTION, label=label, detail=detail, chosen=False, available=points > 0)]


member_discount_rule = MemberDiscountRule()
points_rule = PointsRule()
