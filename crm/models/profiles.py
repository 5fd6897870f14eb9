"""Customers: one profile per shopper per shop, tags and saved segments (docs/crm.md#customers)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from shop.models import Shop


class Tag(TimeStampedModel):
    """A merchant's label for customers (老客户, 宝妈群), set by hand, in bulk or by a channel."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    name = models.CharField(_("标签名"), max_length=20)

    class Meta:
        verbose_name = _("客户标签")
        verbose_name_plural = _("客户标签")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["shop", "name"], name="crm_tag_shop_name_unique")]

    def __str__(self) -> str:
        return self.name


class CustomerProfile(TimeStampedModel):
    """What one shop knows of one shopper, in that shop only: a shopper who buys in two shops has
    two profiles that never meet. A follower of the shop's official account who has not signed in
    yet has a profile with ``oa_openid`` and no ``user``; it gets its user at their first WeChat
    sign-in. Figures (orders, spend, points) are kept up to date by services from order events and
    the points ledger; they are never edited by hand."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("顾客"),
    )
    oa_openid = models.CharField(_("公众号 OpenID"), max_length=64, blank=True)
    first_seen_at = models.DateTimeField(_("首次到访"), null=True, blank=True)
    first_channel_code = models.CharField(_("首次来源渠道"), max_length=32, blank=True)
    first_referrer_code = models.CharField(_("首次推荐人"), max_length=32, blank=True)
    is_follower = models.BooleanField(_("已关注公众号"), default=False)
    followed_at = models.DateTimeField(_("关注时间"), null=True, blank=True)
    unfollowed_at = models.DateTimeField(_("取消关注时间"), null=True, blank=True)
    orders_count = models.PositiveIntegerField(_("支付订单数"), default=0)
    spent_fen = models.BigIntegerField(_("累计消费（分）"), default=0)
    first_order_at = models.DateTimeField(_("首次下单"), null=True, blank=True)
    last_order_at = models.DateTimeField(_("最近下单"), null=True, blank=True)
    province = models.CharField(_("省份"), max_length=32, blank=True)
    level = models.ForeignKey(
        "crm.MemberLevel",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("会员等级"),
    )
    points_available = models.BigIntegerField(_("可用积分"), default=0)
    points_frozen = models.BigIntegerField(_("冻结积分"), default=0)
    tags = models.ManyToManyField(Tag, blank=True, related_name="profiles", verbose_name=_("标签"))
    marketing_opt_out_at = models.DateTimeField(_("退订营销消息时间"), null=True, blank=True)
    last_marketing_at = models.DateTimeField(_("最近营销消息"), null=True, blank=True)

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["-last_order_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "user"], condition=Q(user__isnull=False), name="crm_profile_shop_user_unique"
            ),
            models.UniqueConstraint(
                fields=["shop", "oa_openid"],
                condition=~Q(oa_openid=""),
                name="crm_profile_shop_openid_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "-last_order_at"], name="crm_profile_shop_last_order"),
            models.Index(fields=["shop", "spent_fen"], name="crm_profile_shop_spent"),
            models.Index(fields=["shop", "first_channel_code"], name="crm_profile_shop_channel"),
            models.Index(fields=["shop", "province"], name="crm_profile_shop_province"),
        ]

    def __str__(self) -> str:
        """The shopper by the name they go by; a follower not signed in yet by their openid's tail."""
        user = self.user if self.user_id else None
        if user is not None:
            return user.display_name
        if self.oa_openid:
            return str(_("公众号粉丝 …%(tail)s") % {"tail": self.oa_openid[-4:]})
        return f"{_('客户')} #{self.pk}"

    @property
    def average_order_fen(self) -> int:
        return self.spent_fen // self.orders_count if self.orders_count else 0


class Segment(TimeStampedModel):
    """A saved filter over the shop's customers (docs/crm.md#segments); its size is counted live."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    name = models.CharField(_("分群名称"), max_length=32)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)

    class Meta:
        verbose_name = _("客户分群")
        verbose_name_plural = _("客户分群")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["shop", "name"], name="crm_segment_shop_name_unique")]

    def __str__(self) -> str:
        return self.name


class ChannelTagRule(TimeStampedModel):
    """A channel's tags (marketing's ``Channel``): whoever arrives through the channel — a visit
    rolled up by analytics, an order placed with its code, a follow through its QR code — gets
    them (crm/services/profiles.py)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    channel = models.OneToOneField(
        "marketing.Channel",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("渠道"),
        help_text=_("从该渠道进店、下单或扫码关注的顾客自动打上下面的标签"),
    )
    tags = models.ManyToManyField(Tag, related_name="channel_rules", verbose_name=_("自动打上的标签"))

    class Meta:
        verbose_name = _("渠道自动标签")
        verbose_name_plural = _("渠道自动标签")
        ordering = ["-id"]

    def __str__(self) -> str:
        return str(_("渠道“%(name)s”的自动标签") % {"name": self.channel.name})
