"""crm's part of a shopper's privacy (accounts' privacy port, docs/privacy.md), registered from
``crm.receivers.ready()``.

- **Export**: the shop's customer profile of the shopper (first visit, channel and referrer,
  follow, orders and spend, region, member level, points, tags, marketing opt-out): the profile
  of their account, or the one the shop's official account made for their openid before they
  signed in.
- **Eraser**: every profile of theirs in every shop is deleted (their account's, and those of
  their official-account openids), and with a profile go, by cascade, its tags and whatever the
  crm areas keep per profile (points entries, message deliveries). The figures the merchant needs
  for the books are the orders', which orders keeps, anonymised.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.privacy import local_time
from core.money import format_yuan
from crm.models.profiles import CustomerProfile
from shop.models import Shop
from wechat.models import WeChatIdentity


def _profiles_q(user: User) -> Q:
    """The user's profiles: their account's, and each official account's profile of their openid
    there (a follower's profile before they signed in)."""
    pairs = WeChatIdentity.objects.filter(user=user, kind=WeChatIdentity.Kind.ACCOUNT).values_list(
        "appid", "openid"
    )
    return reduce(
        or_,
        (Q(shop__wechat_account__appid=appid, oa_openid=openid) for appid, openid in pairs),
        Q(user=user),
    )


def crm_export(user: User, shop: Shop) -> dict[str, Any]:
    profiles = (
        CustomerProfile.objects.filter(_profiles_q(user), shop=shop)
        .select_related("level")
        .prefetch_related("tags")
        .order_by("pk")
    )
    return {
        _("客户档案"): [
            {
                _("首次到访"): local_time(p.first_seen_at),
                _("首次来源渠道"): p.first_channel_code,
                _("首次推荐人"): p.first_referrer_code,
                _("已关注公众号"): p.is_follower,
                _("关注时间"): local_time(p.followed_at),
                _("支付订单数"): p.orders_count,
                _("累计消费"): format_yuan(p.spent_fen),
                _("首次下单"): local_time(p.first_order_at),
                _("最近下单"): local_time(p.last_order_at),
                _("省份"): p.province,
                _("会员等级"): p.level.name if p.level else "",
                _("可用积分"): p.points_available,
                _("冻结积分"): p.points_frozen,
                _("标签"): [tag.name for tag in p.tags.all()],
                _("退订营销消息时间"): local_time(p.marketing_opt_out_at),
                _("最近营销消息"): local_time(p.last_marketing_at),
            }
            for p in profiles
        ]
    }


def crm_erase(user: User) -> None:
    CustomerProfile.objects.filter(_profiles_q(user)).delete()


def privacy_ready() -> None:
    from accounts.ports import privacy_register

    privacy_register("crm", section=gettext_lazy("客户档案"), export=crm_export, erase=crm_erase)
