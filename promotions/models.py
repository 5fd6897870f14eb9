"""Coupons (优惠券), the shopper's claimed coupons and red-packet pools (红包), all in integer fen.

A ``Coupon`` is what the merchant sets up: how much it takes off (满 X 减 Y, or N 折 capped), on
what (the whole shop, some categories, some products), how many exist and how many one shopper may
hold, when it can be claimed and used, and how it is handed out. A ``CouponClaim`` is one coupon a
shopper holds. A ``RedPacketPool`` splits a fixed sum into random fixed-amount claims of its
(red-packet) coupon. The rules that change them live in ``promotions/services.py`` (docs/promotions.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Product
from core.models import TimeStampedModel
from core.money import MoneyField, format_yuan
from shop.models import Shop


class Coupon(TimeStampedModel):
    class Kind(models.TextChoices):
        FIXED = "fixed", _("满减券")
        PERCENT = "percent", _("折扣券")

    class Scope(models.TextChoices):
        SHOP = "shop", _("全店通用")
        CATEGORIES = "categories", _("指定分类")
        PRODUCTS = "products", _("指定商品")

    class UseMode(models.TextChoices):
        FIXED_DATES = "dates", _("固定日期")
        DAYS_AFTER_CLAIM = "days", _("领取后 N 天内")

    class Distribution(models.TextChoices):
        PUBLIC = "public", _("店铺和商品页领取")
        SENT = "sent", _("商家发放")
        NEW_CUSTOMER = "new_customer", _("新客首单后赠送")
        FOLLOWER = "follower", _("新关注公众号赠送")
        RED_PACKET = "red_packet", _("红包")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="coupons", verbose_name=_("店铺"))
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.FIXED)
    amount_fen = MoneyField(
        _("减免金额"), default=0, help_text=_("满减券：减多少元（红包的金额由红包池随机决定）。")
    )
    rate_percent = models.PositiveSmallIntegerField(
        _("折扣（%）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("折扣券：按原价的百分之几付款，1–99；例如 90 即 9 折。"),
    )
    max_off_fen = MoneyField(
        _("最多减"), null=True, blank=True, help_text=_("折扣券：最多减多少元；留空不封顶。")
    )
    threshold_fen = MoneyField(_("使用门槛"), default=0, help_text=_("适用商品满多少元可用；0 为无门槛。"))
    scope = models.CharField(_("适用范围"), max_length=16, choices=Scope.choices, default=Scope.SHOP)
    categories = models.ManyToManyField(
        Category, blank=True, related_name="+", verbose_name=_("适用分类"), help_text=_("含其下级分类。")
    )
    products = models.ManyToManyField(Product, blank=True, related_name="+", verbose_name=_("适用商品"))
    total_quantity = models.PositiveIntegerField(_("发行数量"), default=100)
    claimed_count = models.PositiveIntegerField(_("已领取"), default=0, editable=False)
    per_user_limit = models.PositiveSmallIntegerField(
        _("每人限领"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    claim_starts_at = models.DateTimeField(_("开始领取"), default=timezone.now)
    claim_ends_at = models.DateTimeField(_("结束领取"))
    use_mode = models.CharField(
        _("有效期"), max_length=8, choices=UseMode.choices, default=UseMode.FIXED_DATES
    )
    use_starts_at = models.DateTimeField(_("可用开始"), null=True, blank=True)
    use_ends_at = models.DateTimeField(_("可用结束"), null=True, blank=True)
    use_days = models.PositiveSmallIntegerField(
        _("领取后可用天数"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    stacks_with_flash = models.BooleanField(
        _("可与秒杀价同享"),
        default=False,
        help_text=_("勾选后秒杀价商品也能用这张券；不勾选时，秒杀价商品不计入门槛，也不分摊优惠。"),
    )
    distribution = models.CharField(
        _("发放方式"),
        max_length=16,
        choices=Distribution.choices,
        default=Distribution.PUBLIC,
        help_text=_(
            "新关注公众号赠送：顾客第一次关注本店公众号时送出，已在商城登录过的立即到账，其他人登录商城时领取；"
            "取消关注后再关注不会再送。"
        ),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("优惠券")
        verbose_name_plural = _("优惠券")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(claimed_count__lte=models.F("total_quantity")), name="coupon_not_over_claimed"
            ),
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="coupon_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["shop", "distribution", "is_active"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.rule_text}）"

    @property
    def rule_text(self) -> str:
        """What it does, in the shopper's words: 满 100 减 20 / 9 折 最多减 30 / 无门槛减 5."""
        from promotions.rules import coupon_rule_text

        return coupon_rule_text(self)

    @property
    def headline(self) -> str:
        """The big figure of a ticket: ¥20, or 9 折."""
        from promotions.rules import coupon_headline

        return coupon_headline(self)

    @property
    def remaining(self) -> int:
        return max(self.total_quantity - self.claimed_count, 0)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.kind == self.Kind.FIXED:
            if self.distribution != self.Distribution.RED_PACKET and self.amount_fen <= 0:
                errors["amount_fen"] = _("请填写减免金额。")
            elif self.threshold_fen and self.amount_fen >= self.threshold_fen:
                errors["amount_fen"] = _("减免金额必须小于使用门槛（满 %(t)s 才能减）。") % {
                    "t": format_yuan(self.threshold_fen)
                }
        else:
            if self.rate_percent is None:
                errors["rate_percent"] = _("请填写折扣，1–99 之间，例如 90 即 9 折。")
            if self.max_off_fen is not None and self.max_off_fen <= 0:
                errors["max_off_fen"] = _("最多减的金额必须大于 0，不封顶请留空。")
            if self.distribution == self.Distribution.RED_PACKET:
                errors["kind"] = _("红包只能是满减券。")
        if self.claim_starts_at and self.claim_ends_at and self.claim_ends_at <= self.claim_starts_at:
            errors["claim_ends_at"] = _("结束领取时间必须晚于开始领取时间。")
        if self.use_mode == self.UseMode.FIXED_DATES:
            if not self.use_starts_at or not self.use_ends_at:
                errors["use_ends_at"] = _("固定日期有效期请填写可用开始和可用结束。")
            elif self.use_ends_at <= self.use_starts_at:
                errors["use_ends_at"] = _("可用结束必须晚于可用开始。")
            elif self.claim_ends_at and self.use_ends_at < self.claim_ends_at:
                errors["use_ends_at"] = _("可用结束不能早于结束领取，否则领到的券已过期。")
        elif not self.use_days:
            errors["use_days"] = _("请填写领取后可用的天数。")
        if self.pk is not None and self.total_quantity < self.claimed_count:
            errors["total_quantity"] = _("发行数量不能少于已领取的 %(n)s 张。") % {"n": self.claimed_count}
        if errors:
            raise ValidationError(errors)

    def claim_validity(self, *, now: datetime) -> tuple[datetime, datetime]:
        """(valid_from, valid_until) of a claim made at ``now``."""
        if self.use_mode == self.UseMode.DAYS_AFTER_CLAIM:
            return now, now + timedelta(days=self.use_days or 1)
        return self.use_starts_at or now, self.use_ends_at or now


class CouponClaim(TimeStampedModel):
    """One coupon a shopper holds. ``expired`` is never stored: a usable claim past ``valid_until``
    is expired. ``returned``: its unpaid order was cancelled, so it is usable again."""

    class Status(models.TextChoices):
        USABLE = "usable", _("可使用")
        USED = "used", _("已使用")
        RETURNED = "returned", _("已退回（可再用）")

    class Source(models.TextChoices):
        CLAIMED = "claimed", _("自己领取")
        SENT = "sent", _("商家发放")
        NEW_CUSTOMER = "new_customer", _("新客赠送")
        FOLLOWER = "follower", _("关注有礼")
        RED_PACKET = "red_packet", _("拆红包")

    USABLE_STATUSES = (Status.USABLE, Status.RETURNED)

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    coupon = models.ForeignKey(
        Coupon, on_delete=models.PROTECT, related_name="claims", verbose_name=_("优惠券")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="coupon_claims",
        verbose_name=_("顾客"),
    )
    seq = models.PositiveSmallIntegerField(_("第几张"), default=1, editable=False)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.CLAIMED)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.USABLE)
    amount_fen = MoneyField(_("红包金额"), default=0, help_text=_("只用于红包：这张券减多少。"))
    valid_from = models.DateTimeField(_("可用开始"))
    valid_until = models.DateTimeField(_("可用结束"), db_index=True)
    used_order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("使用订单"),
    )
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("领取记录")
        verbose_name_plural = _("领取记录")
        ordering = ["-pk"]
        constraints = [
            # the per-shopper limit: the n-th claim of a coupon by one shopper exists once
            models.UniqueConstraint(fields=["coupon", "user", "seq"], name="coupon_claim_once_per_seq"),
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="coupon_claim_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["user", "shop", "status"])]

    def __str__(self) -> str:
        return f"{self.coupon.name} · {self.user}"

    @property
    def rule_text(self) -> str:
        """The coupon's rule, with a red packet's own amount."""
        from promotions.rules import coupon_rule_text

        red = self.coupon.distribution == Coupon.Distribution.RED_PACKET
        return coupon_rule_text(self.coupon, amount_fen=self.amount_fen if red else None)

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.status in self.USABLE_STATUSES and (now or timezone.now()) >= self.valid_until

    @property
    def display_status(self) -> str:
        """usable / used / expired, as the shopper's tabs count them."""
        if self.status == self.Status.USED:
            return "used"
        return "expired" if self.is_expired() else "usable"


class RedPacketPool(TimeStampedModel):
    """A fixed sum split into ``packet_count`` random packets of ``min_fen``–``max_fen``; each
    opening gives one packet as a claim of ``coupon`` (a fixed-amount red-packet coupon, whose
    threshold, scope and use window the packets follow)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    coupon = models.OneToOneField(
        Coupon,
        on_delete=models.PROTECT,
        related_name="red_packet_pool",
        verbose_name=_("红包券"),
        limit_choices_to={"distribution": Coupon.Distribution.RED_PACKET},
        help_text=_("先建一张发放方式为“红包”的满减券：它定门槛、范围和有效期。"),
    )
    name = models.CharField(_("名称"), max_length=64)
    total_fen = MoneyField(_("红包总额"))
    packet_count = models.PositiveIntegerField(_("红包个数"), validators=[MinValueValidator(1)])
    min_fen = MoneyField(_("单个最少"), default=1)
    max_fen = MoneyField(_("单个最多"))
    remaining_fen = MoneyField(_("剩余金额"), default=0, editable=False)
    remaining_packets = models.PositiveIntegerField(_("剩余个数"), default=0, editable=False)

    class Meta:
        verbose_name = _("红包池")
        verbose_name_plural = _("红包池")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining_fen__gte=0), name="red_packet_remaining_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(remaining_fen__lte=models.F("total_fen")), name="red_packet_not_over_paid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def paid_fen(self) -> int:
        return self.total_fen - self.remaining_fen

    @property
    def opened_count(self) -> int:
        return self.packet_count - self.remaining_packets

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.min_fen is not None and self.min_fen < 1:
            errors["min_fen"] = _("单个红包至少 0.01 元。")
        if self.max_fen is not None and self.min_fen is not None and self.max_fen < self.min_fen:
            errors["max_fen"] = _("单个最多不能小于单个最少。")
        if not errors and self.total_fen is not None and self.packet_count and self.min_fen and self.max_fen:
            if self.total_fen < self.min_fen * self.packet_count:
                errors["total_fen"] = _("总额不够：%(n)s 个红包每个至少 %(m)s。") % {
                    "n": self.packet_count, "m": format_yuan(self.min_fen)
                }  # fmt: skip
            elif self.total_fen > self.max_fen * self.packet_count:
                errors["total_fen"] = _("总额太多：%(n)s 个红包每个最多 %(m)s。") % {
                    "n": self.packet_count, "m": format_yuan(self.max_fen)
                }  # fmt: skip
        coupon = Coupon.objects.filter(pk=self.coupon_id).first() if self.coupon_id else None
        if coupon is not None and (
            coupon.distribution != Coupon.Distribution.RED_PACKET
            or coupon.kind != Coupon.Kind.FIXED
            or (self.shop_id and coupon.shop_id != self.shop_id)
        ):
            errors["coupon"] = _("请选择本店发放方式为“红包”的满减券。")
        if self.pk is not None:
            before = RedPacketPool.objects.filter(pk=self.pk).first()
            if (
                before is not None
                and before.remaining_packets != before.packet_count
                and (before.total_fen, before.packet_count, before.min_fen, before.max_fen)
                != (self.total_fen, self.packet_count, self.min_fen, self.max_fen)
            ):
                errors["total_fen"] = _("红包已开始发放，不能再改金额和个数。")
        if errors:
            raise ValidationError(errors)


class FollowerGrant(TimeStampedModel):
    """A follower coupon (关注有礼) owed to one new follower of the shop's official account: one row per
    (shop, openid, coupon), ever — so a re-follow never brings it again. ``pending`` while the openid
    is nobody we know; ``redeemed`` when it became a claim of the shopper behind it (at the follow,
    or at their first WeChat sign-in); ``closed`` when it could not be (sold out, claiming over...).
    Nothing is reserved while pending: the coupon's total is taken at redemption."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待登录领取")
        REDEEMED = "redeemed", _("已发放")
        CLOSED = "closed", _("已关闭")

    class CloseReason(models.TextChoices):
        SOLD_OUT = "sold_out", _("券已领完")
        CLAIM_NOT_STARTED = "claim_not_started", _("还没到领取时间")
        CLAIM_ENDED = "claim_ended", _("领取已结束")
        LIMIT_REACHED = "limit_reached", _("已达每人限领")
        UNAVAILABLE = "unavailable", _("券已停用或改了发放方式")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    appid = models.CharField(_("公众号 AppID"), max_length=32)
    openid = models.CharField(_("粉丝 OpenID"), max_length=64)
    coupon = models.ForeignKey(
        Coupon, on_delete=models.PROTECT, related_name="follower_grants", verbose_name=_("优惠券")
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("顾客"),
    )
    claim = models.OneToOneField(
        CouponClaim,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follower_grant",
        verbose_name=_("领取记录"),
    )
    close_reason = models.CharField(_("关闭原因"), max_length=24, choices=CloseReason.choices, blank=True)
    redeemed_at = models.DateTimeField(_("发放时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("关注有礼记录")
        verbose_name_plural = _("关注有礼记录")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "openid", "coupon"], name="follower_grant_once"),
        ]
        indexes = [models.Index(fields=["appid", "openid", "status"])]

    def __str__(self) -> str:
        return f"{self.coupon.name} · {self.openid}"


from promotions.flash.models import FlashItem, FlashPurchase, FlashSaleSettings, FlashSession  # noqa: E402

__all__ = [
    "Coupon", "CouponClaim", "FlashItem", "FlashPurchase", "FlashSaleSettings", "FlashSession", "FollowerGrant",
    "RedPacketPool",
]  # fmt: skip
