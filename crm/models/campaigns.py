"""Marketing messages: campaigns to a segment, one delivery row per customer, under a push budget
(docs/crm.md#messages).

A ``Campaign`` is written by the merchant (text and one link: a product, a coupon or a page of the
shop), previewed, then sent now or at a time to a ``Segment``'s customers. Sending makes one
``CampaignDelivery`` per customer of the segment — sent, or skipped with the reason (opted out,
within the shop's push budget, not reachable on any channel WeChat allows) — so nobody is dropped
without a trace. The budget (``CampaignSettings.min_days_between``) is claimed on the customer's
profile (``CustomerProfile.last_marketing_at``) by one conditional update per batch.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from shop.models import Shop

MIN_DAYS_BETWEEN = 2  # the floor: never more than one marketing message per two days
MAX_DAYS_BETWEEN = 60
DEFAULT_DAYS_BETWEEN = 3
TEXT_MAX_CHARS = 300


class CampaignSettings(TimeStampedModel):
    """A shop's push budget (one row per shop; a shop without one uses the defaults)."""

    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, related_name="crm_campaign_settings", verbose_name=_("店铺")
    )
    min_days_between = models.PositiveSmallIntegerField(
        _("营销消息最少间隔天数"),
        default=DEFAULT_DAYS_BETWEEN,
        validators=[MinValueValidator(MIN_DAYS_BETWEEN), MaxValueValidator(MAX_DAYS_BETWEEN)],
        help_text=_(
            "每位顾客在本店最多每这么多天收到一条营销消息（至少 2 天，默认 3 天）；订单通知不受限制。"
            "22:00–08:00 不发送营销消息。"
        ),
    )

    class Meta:
        verbose_name = _("营销消息设置")
        verbose_name_plural = _("营销消息设置")

    def __str__(self) -> str:
        return str(_("%(shop)s 的营销消息设置") % {"shop": self.shop})


class Campaign(TimeStampedModel):
    """One marketing message to one segment, sent once (now or at ``send_at``)."""

    class LinkKind(models.TextChoices):
        NONE = "none", _("不附链接")
        PRODUCT = "product", _("商品")
        COUPON = "coupon", _("优惠券")
        PAGE = "page", _("店铺页面")

    class Page(models.TextChoices):
        HOME = "home", _("店铺首页")
        CATEGORIES = "categories", _("全部分类")
        FLASH_SALES = "flash_sales", _("限时秒杀")
        COUPONS = "coupons", _("我的优惠券")
        ME = "me", _("个人中心")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SCHEDULED = "scheduled", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        CANCELLED = "cancelled", _("已取消")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    name = models.CharField(_("活动名称"), max_length=32, help_text=_("只在后台显示，顾客看不到。"))
    text = models.TextField(
        _("消息内容"),
        max_length=TEXT_MAX_CHARS,
        help_text=_("顾客收到的文字（最多 300 字）；链接和一键退订会自动附在后面。"),
    )
    link_kind = models.CharField(
        _("附带链接"), max_length=16, choices=LinkKind.choices, default=LinkKind.NONE
    )
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("链接的商品"),
    )
    coupon = models.ForeignKey(
        "promotions.Coupon",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("链接的优惠券"),
    )
    page = models.CharField(_("链接的页面"), max_length=16, choices=Page.choices, blank=True)
    segment = models.ForeignKey(
        "crm.Segment",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("发送给（客户分群）"),
    )
    send_at = models.DateTimeField(
        _("定时发送"),
        null=True,
        blank=True,
        help_text=_("留空则确认后立即发送；22:00–08:00 的时间顺延到 08:00。"),
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    due_at = models.DateTimeField(_("开始发送时间"), null=True, blank=True, db_index=True)
    scheduled_at = models.DateTimeField(_("确认发送时间"), null=True, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    # the job's progress through the segment: every profile up to this id has its delivery row
    build_cursor = models.BigIntegerField(_("已处理到的客户"), default=0, editable=False)
    built_at = models.DateTimeField(_("名单生成完成"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("营销活动")
        verbose_name_plural = _("营销活动")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "due_at"], name="crm_campaign_due")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def clean(self) -> None:
        """One link, the one chosen: its target must be set (the others are cleared on save)."""
        super().clean()
        targets: dict[str, tuple[str, object, object]] = {
            self.LinkKind.PRODUCT: ("product", self.product_id, _("请选择要链接的商品。")),
            self.LinkKind.COUPON: ("coupon", self.coupon_id, _("请选择要链接的优惠券。")),
            self.LinkKind.PAGE: ("page", self.page, _("请选择要链接的页面。")),
        }
        if (needed := targets.get(str(self.link_kind))) and not needed[1]:
            raise ValidationError({needed[0]: needed[2]})
        foreign = [
            (name, message)
            for name, message in (
                ("segment", _("这个客户分群不属于该店铺。")),
                ("product", _("这个商品不属于该店铺。")),
                ("coupon", _("这张优惠券不属于该店铺。")),
            )
            if getattr(self, f"{name}_id") and self.shop_id and getattr(self, name).shop_id != self.shop_id
        ]
        if foreign:
            raise ValidationError(dict(foreign))
        if self.text is not None and not self.text.strip():
            raise ValidationError({"text": _("请填写消息内容。")})


class CampaignDelivery(models.Model):
    """What became of one campaign for one customer: exactly one row per (campaign, customer)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        CAPPED = "capped", _("频次限制")
        OPTED_OUT = "opted_out", _("已退订")
        UNREACHABLE = "unreachable", _("无法触达")
        FAILED = "failed", _("失败")

    class Channel(models.TextChoices):
        NONE = "", _("—")
        ACCOUNT = "account", _("公众号客服消息")
        MINIPROGRAM = "miniprogram", _("小程序订阅消息")

    class Reason(models.TextChoices):
        NONE = "", _("—")
        NO_ACCOUNT = "no_account", _("店铺未配置公众号")
        NOT_FOLLOWER = "not_follower", _("未关注公众号，也未订阅小程序活动消息")
        WINDOW_CLOSED = "window_closed", _("超过 48 小时未与公众号互动，也未订阅小程序活动消息")
        NO_ACCEPTANCE = "no_acceptance", _("小程序订阅次数已用完")
        WECHAT_WINDOW = "wechat_window", _("微信拒绝：超过 48 小时客服消息时限")
        WECHAT_UNFOLLOWED = "wechat_unfollowed", _("微信拒绝：已取消关注")
        WECHAT_REFUSED = "wechat_refused", _("微信拒绝：用户拒收订阅消息")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("营销活动")
    )
    profile = models.ForeignKey(
        "crm.CustomerProfile", on_delete=models.CASCADE, related_name="+", verbose_name=_("客户")
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, db_index=True)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices, blank=True)
    reason = models.CharField(_("原因"), max_length=24, choices=Reason.choices, blank=True)
    detail = models.CharField(_("微信返回"), max_length=255, blank=True)
    openid = models.CharField(_("OpenID"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    lease_until = models.DateTimeField(_("发送租约到期"), null=True, blank=True)
    lease_lapses = models.PositiveSmallIntegerField(_("发送中断次数"), default=0)
    acceptance_spent = models.BooleanField(_("已用订阅次数"), default=False)
    # the push budget this delivery claimed: the profile's last_marketing_at before and after
    budget_before = models.DateTimeField(_("此前最近营销消息"), null=True, blank=True)
    budget_claimed_at = models.DateTimeField(_("占用额度时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("营销消息发送记录")
        verbose_name_plural = _("营销消息发送记录")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "profile"], name="crm_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="crm_delivery_due"),
            models.Index(fields=["campaign", "status"], name="crm_delivery_campaign_status"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} · {self.get_status_display()}"

    @property
    def outcome(self) -> str:
        """The status as the results page reads it: 无法触达 says why."""
        if self.status == self.Status.UNREACHABLE and self.reason:
            return f"{self.get_status_display()}（{self.get_reason_display()}）"
        return str(self.get_status_display())
