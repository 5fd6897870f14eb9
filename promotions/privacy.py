"""promotions' part of a shopper's privacy (accounts' privacy port, docs/privacy.md).

- **Export**: their coupons and red packets in the shop (which, from where, the state, the order a
  used one went to), their flash-sale purchases, and the follower gifts (关注有礼) owed to them.
- **Eraser**: coupons they never used go (nobody else can use them); a used coupon stays with the
  order it discounted (the merchant's accounts), as do flash-sale counts, both pointing at the
  scrubbed account only. Follower gifts go, those still waiting for an openid of theirs included:
  nothing may remember which WeChat user they were, so a follow after deletion is a new follower's.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.privacy import local_time
from promotions.flash.models import FlashPurchase
from promotions.models import CouponClaim, FollowerGrant
from shop.models import Shop
from wechat.models import WeChatIdentity


def promotions_export(user: User, shop: Shop) -> dict[str, Any]:
    claims = (
        CouponClaim.objects.filter(user=user, shop=shop).select_related("coupon", "used_order").order_by("pk")
    )
    purchases = (
        FlashPurchase.objects.filter(user=user, shop=shop)
        .select_related("item__session", "item__sku__product")
        .order_by("pk")
    )
    grants = FollowerGrant.objects.filter(user=user, shop=shop).select_related("coupon").order_by("pk")
    return {
        _("优惠券"): [
            {
                _("名称"): c.coupon.name,
                _("规则"): c.rule_text,
                _("来源"): c.get_source_display(),
                _("状态"): c.get_status_display(),
                _("领取时间"): local_time(c.created_at),
                _("可用结束"): local_time(c.valid_until),
                _("使用订单"): c.used_order.order_no if c.used_order else "",
                _("使用时间"): local_time(c.used_at),
            }
            for c in claims
        ],
        _("秒杀购买"): [
            {
                _("场次"): p.item.session.name,
                _("商品"): p.item.sku.product.title,
                _("规格"): p.item.sku.spec_text,
                _("已购数量"): p.quantity,
            }
            for p in purchases
        ],
        _("关注有礼"): [
            {
                _("优惠券"): g.coupon.name,
                _("状态"): g.get_status_display(),
                _("发放时间"): local_time(g.redeemed_at),
            }
            for g in grants
        ],
    }


def promotions_erase(user: User) -> None:
    pairs = list(
        WeChatIdentity.objects.filter(user=user, kind=WeChatIdentity.Kind.ACCOUNT).values_list(
            "appid", "openid"
        )
    )
    grants = Q(user=user)
    for appid, openid in pairs:
        grants |= Q(appid=appid, openid=openid)
    FollowerGrant.objects.filter(grants).delete()
    CouponClaim.objects.filter(user=user, status__in=CouponClaim.USABLE_STATUSES).delete()


def privacy_ready() -> None:
    from accounts.ports import privacy_register

    privacy_register(
        "promotions", section=gettext_lazy("优惠"), export=promotions_export, erase=promotions_erase
    )
