"""groupbuy's part of a shopper's privacy (accounts' privacy port, docs/privacy.md).

- **Export**: the groups they opened or joined in the shop (the activity, their place, the
  outcome, the order).
- **No eraser of its own**: a seat is one order's place in a group, kept with the order for the
  merchant's accounts, and it names the person only through the user row that accounts scrubs (a
  group's page then shows 已**). A group still running holds an unfinished order, which orders'
  blocker already refuses deletion for.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.privacy import local_time
from groupbuy.models import GroupMember
from groupbuy.selectors import member_state_label
from shop.models import Shop


def groupbuy_export(user: User, shop: Shop) -> dict[str, Any]:
    members = (
        GroupMember.objects.filter(user=user, shop=shop)
        .select_related("group__activity", "order")
        .order_by("created_at", "pk")
    )
    return {
        _("拼团记录"): [
            {
                _("团号"): m.group.group_no,
                _("拼团活动"): m.group.activity.name,
                _("身份"): _("团长") if m.is_leader else _("团员"),
                _("状态"): member_state_label(m),
                _("件数"): m.quantity,
                _("参团时间"): local_time(m.joined_at),
                _("订单号"): m.order.order_no,
            }
            for m in members
        ]
    }


def privacy_ready() -> None:
    from accounts.ports import privacy_register

    privacy_register("groupbuy", section=gettext_lazy("拼团"), export=groupbuy_export)
