"""The group-buy pricing rule (``GroupPriceRule``): the group price, server-side only.

A checkout is a group-buy when the shopper's options carry ``{"group_buy": {"activity_id": 3,
"group_no": "…" | null}}`` (plain data from the request: 发起拼团 without a number, 参团 with the
group's). The rule checks everything against the database and then gives one discount line,
``(SKU price − group price) × quantity``, on the order's one line; the client never sends a price.

Refusals (``ApplicationError``, stable codes): ``group_buy_not_found`` (no such activity in this
shop), ``group_order_invalid`` (not exactly one line), ``group_sku_invalid`` (the SKU has no group
price, or its price is no longer above it), ``group_buy_not_started`` / ``group_buy_ended`` (opening
outside the activity's dates, or while it is switched off), ``group_not_found``, ``group_not_open``
(the opener has not paid yet), ``group_full``, ``group_closed`` (failed, or its time is up),
``group_already_joined`` (the shopper's own group, or one they are already in), ``group_limit_reached``
(the per-shopper limit of the activity), ``group_not_combinable`` (a flash price or a coupon on the
same order: a group-buy order takes neither).

``consume`` (inside the order's transaction, the shopper's row locked by checkout) records the
order as a member: a new ``pending`` group for 发起拼团, a ``pending`` member of the group for 参团.
The seat itself is taken when the order is paid (``services.group_order_event``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError, NotFoundError
from core.integers import is_int
from groupbuy.models import Group, GroupBuyActivity, GroupBuyItem, GroupMember
from orders.pricing import Discount, PricingContext

if TYPE_CHECKING:
    from accounts.models import User
    from orders.models import Order

OPTION = "group_buy"
CODE = "group_buy"


def group_full() -> ApplicationError:
    return ApplicationError("group_full", _("这个团已经满员了，去开一个新团吧。"), http_status=409)


def group_closed() -> ApplicationError:
    return ApplicationError("group_closed", _("这个团已经结束了，去开一个新团吧。"), http_status=409)


def limit_reached(limit: int) -> ApplicationError:
    return ApplicationError(
        "group_limit_reached",
        _("这个拼团每人限购 %(n)s 件，您已达到限购数量。") % {"n": limit},
        http_status=409,
    )


def asked_option(options: Mapping[str, Any]) -> tuple[int, str | None] | None:
    """``(activity_id, group_no or None)`` of a group-buy checkout, or None for an ordinary one."""
    asked = options.get(OPTION)
    if asked is None:
        return None
    activity_id = asked.get("activity_id") if isinstance(asked, Mapping) else None
    if not is_int(activity_id):
        raise NotFoundError("group_buy_not_found", _("没有找到这个拼团活动。"))
    group_no = asked.get("group_no")
    return int(cast(int, activity_id)), (str(group_no)[:32] if group_no else None)


def units_held(*, user: User, activity: GroupBuyActivity) -> int:
    """The shopper's units in this activity's groups that count toward its limit (unpaid orders
    still waiting and seats taken; cancelled and refunded ones do not)."""
    held = GroupMember.objects.filter(
        user=user, group__activity=activity, status__in=GroupMember.ACTIVE
    ).aggregate(n=Sum("quantity"))["n"]
    return int(held or 0)


def group_check_joinable(*, group: Group, user: User, now: datetime) -> None:
    """Refuse joining ``group`` now (not locked: the decisive check is the payment's, under the
    group's lock)."""
    if (
        group.leader_id == user.pk
        or GroupMember.objects.filter(group=group, user=user, status__in=GroupMember.ACTIVE).exists()
    ):
        raise ApplicationError(
            "group_already_joined", _("您已经在这个团里了，分享给好友一起拼吧。"), http_status=409
        )
    if group.status == Group.Status.PENDING:
        raise ApplicationError("group_not_open", _("团长还没有付款，这个团暂时不能参加。"), http_status=409)
    if group.status == Group.Status.SUCCEEDED or group.joined_count >= group.size:
        raise group_full()
    if group.status != Group.Status.OPEN or group.expires_at is None or now >= group.expires_at:
        raise group_closed()


class GroupPriceRule:
    code = CODE
    name = "拼团价"  # translated where shown (orders.pricing.pricing_rule_name)

    def apply(self, context: PricingContext) -> list[Discount]:
        asked = asked_option(context.options)
        if asked is None:
            return []
        activity_id, group_no = asked
        activity = GroupBuyActivity.objects.filter(pk=activity_id, shop=context.shop).first()
        if activity is None:
            raise NotFoundError("group_buy_not_found", _("没有找到这个拼团活动。"))
        if len(context.lines) != 1 or context.lines[0].product_id != activity.product_id:
            raise ApplicationError(
                "group_order_invalid",
                _("拼团订单只能购买这个活动商品的一种规格。"),
                fields={"items": [_("无效")]},
            )
        line = context.lines[0]
        item = GroupBuyItem.objects.filter(activity=activity, sku_id=line.sku_id).first()
        if item is None or item.group_price_fen >= line.unit_price_fen:
            raise ApplicationError("group_sku_invalid", _("这个规格不参加拼团，请选择其他规格。"))
        if context.discounts:  # a flash price before this rule, or a coupon
            raise ApplicationError(
                "group_not_combinable", _("拼团不能同时使用秒杀价或优惠券。"), http_status=409
            )
        now = timezone.now()
        pay_within = None
        if group_no is not None:
            group = Group.objects.filter(shop=context.shop, activity=activity, group_no=group_no).first()
            if group is None:
                raise NotFoundError("group_not_found", _("没有找到这个团。"))
            group_check_joinable(group=group, user=context.user, now=now)
            if group.expires_at is not None:  # pay before the group closes, or the payment comes back
                pay_within = max(math.ceil((group.expires_at - now).total_seconds() / 60), 1)
        else:
            state = activity.state_at(now)
            if state == GroupBuyActivity.State.SCHEDULED:
                raise ApplicationError("group_buy_not_started", _("拼团活动还没有开始，请稍后再来。"))
            if state != GroupBuyActivity.State.RUNNING:
                raise ApplicationError("group_buy_ended", _("拼团活动已经结束。"))
        if units_held(user=context.user, activity=activity) + line.quantity > activity.per_user_limit:
            raise limit_reached(activity.per_user_limit)
        off = (line.unit_price_fen - item.group_price_fen) * line.quantity
        return [
            Discount(
                code=CODE,
                label=_("拼团价 · %(n)s人团") % {"n": activity.group_size},
                amount_fen=off,
                ref=f"group_buy:{activity.pk}",
                data={
                    "activity_id": activity.pk,
                    "group_no": group_no or "",
                    "sku_id": line.sku_id,
                    "quantity": line.quantity,
                    "group_price_fen": item.group_price_fen,
                },
                allocation={line.sku_id: off},
                pay_within_minutes=pay_within,
            )
        ]

    def consume(self, *, context: PricingContext, discount: Discount, order: Order) -> None:
        """Record the order in its group (inside the order's transaction; checkout holds the
        shopper's row lock, so the per-shopper limit and "one seat each" hold under a burst)."""
        activity = GroupBuyActivity.objects.get(pk=int(discount.data["activity_id"]))
        quantity = int(discount.data["quantity"])
        if units_held(user=context.user, activity=activity) + quantity > activity.per_user_limit:
            raise limit_reached(activity.per_user_limit)
        group_no = discount.data["group_no"]
        if group_no:
            group = Group.objects.get(activity=activity, group_no=group_no)
            group_check_joinable(group=group, user=context.user, now=timezone.now())
        else:
            group = Group.objects.create(
                shop_id=activity.shop_id, activity=activity, leader=context.user, size=activity.group_size,
                open_hours=activity.open_hours,
            )  # fmt: skip
        GroupMember.objects.create(
            shop_id=activity.shop_id, group=group, user=context.user, order=order, quantity=quantity,
            is_leader=not group_no,
        )  # fmt: skip


group_price_rule = GroupPriceRule()
