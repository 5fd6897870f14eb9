"""Members and points: levels by total spend, a shop's member settings and the points ledger
(docs/crm.md#members-and-points).

A customer's points are a ledger: ``PointsEntry`` rows, never changed or deleted, each moving points
into or out of two balances, *available* and *frozen*. ``CustomerProfile.points_available`` and
``points_frozen`` are caches of the sums, written under the profile's row lock in the same
transaction as the entry (``crm.services.members``). ``OrderPoints`` is one order's bookkeeping
(what it spent and earned, when its earned points unfreeze); ``PointsExpiry`` says when a
customer's points are next due to be checked for expiry, so the expiry job reads only the due ones.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.money import MoneyField, format_yuan
from crm.models.profiles import CustomerProfile
from shop.models import Shop


def discount_text(percent: int) -> str:
    """95 -> "9.5 折", 90 -> "9 折", 100 -> "无折扣" (the shopper's words)."""
    if percent >= 100:
        return gettext("无折扣")
    zhe = f"{percent // 10}" if percent % 10 == 0 else f"{percent / 10:g}"
    return gettext("%(z)s 折") % {"z": zhe}


class MemberLevel(TimeStampedModel):
    """One level of a shop's membership (普通 / 银卡 / 金卡): reached when a customer's total spend is
    at least ``threshold_fen``; its member discount applies to their orders (crm/rules.py)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    name = models.CharField(_("等级名称"), max_length=16)
    threshold_fen = MoneyField(
        _("累计消费门槛"),
        default=0,
        help_text=_("累计实付金额（扣除退款）达到这个数就升到这一级；设 0 元即所有顾客的起始等级。"),
    )
    discount_percent = models.PositiveSmallIntegerField(
        _("会员折扣（%）"),
        default=100,
        validators=[MinValueValidator(50), MaxValueValidator(100)],
        help_text=_("顾客按商品价的百分之几付款：95 即 9.5 折，100 即不打折；50–100。"),
    )

    class Meta:
        verbose_name = _("会员等级")
        verbose_name_plural = _("会员等级")
        ordering = ["threshold_fen", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "threshold_fen"], name="crm_level_shop_threshold_unique"),
            models.UniqueConstraint(fields=["shop", "name"], name="crm_level_shop_name_unique"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=50, discount_percent__lte=100),
                name="crm_level_discount_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def discount_label(self) -> str:
        return discount_text(self.discount_percent)

    @property
    def threshold_label(self) -> str:
        return format_yuan(self.threshold_fen)


class MemberSettings(TimeStampedModel):
    """A shop's points rules (one row per shop: 会员设置). Without a row, or switched off, orders
    earn no points and checkout offers none; points already given keep unfreezing and expiring."""

    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, related_name="member_settings", verbose_name=_("店铺")
    )
    points_enabled = models.BooleanField(
        _("开启积分"),
        default=False,
        help_text=_("关闭后订单不再获得积分，结算时也不能用积分；已有积分照常解冻和过期。"),
    )
    earn_per_yuan = models.PositiveSmallIntegerField(
        _("每消费 1 元得积分"),
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("按订单实付金额（扣除退款）的整元数计算；0 即不送积分。"),
    )
    points_per_yuan = models.PositiveIntegerField(
        _("多少积分抵 1 元"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100000)],
        help_text=_("结算时用积分抵现的比例，例如 100 即 100 积分抵 ¥1。"),
    )
    max_percent = models.PositiveSmallIntegerField(
        _("积分最多抵订单的（%）"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("按其他优惠之后的商品金额计算，运费不能用积分抵；1–100。"),
    )
    expire_days = models.PositiveIntegerField(
        _("积分有效天数"),
        default=365,
        validators=[MaxValueValidator(3650)],
        help_text=_("积分解冻（可用）后多少天过期，先得的先过期；0 即永不过期。"),
    )

    class Meta:
        verbose_name = _("会员设置")
        verbose_name_plural = _("会员设置")

    def __str__(self) -> str:
        return gettext("%(shop)s的会员设置") % {"shop": self.shop.name}


class OrderPoints(TimeStampedModel):
    """One order's points: what it spent at checkout and what it earned when it completed, with
    when the earned points unfreeze. The amounts given back or taken back later are ledger entries
    of the order (``PointsEntry.order``); this row only says what the order started with."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="points", verbose_name=_("订单")
    )
    profile = models.ForeignKey(
        "crm.CustomerProfile", on_delete=models.CASCADE, related_name="+", verbose_name=_("客户")
    )
    spent_points = models.PositiveIntegerField(_("抵扣积分"), default=0)
    spent_fen = MoneyField(_("积分抵扣金额"), default=0)
    earned_points = models.PositiveIntegerField(_("获得积分"), default=0)
    earn_base_fen = MoneyField(_("计积分金额"), default=0)  # paid less refunds when it completed
    refunded_before_fen = MoneyField(_("完成前已退款"), default=0)
    unfreeze_at = models.DateTimeField(_("解冻时间"), null=True, blank=True)
    unfrozen_at = models.DateTimeField(_("已解冻于"), null=True, blank=True)

    class Meta:
        verbose_name = _("订单积分")
        verbose_name_plural = _("订单积分")
        ordering = ["-id"]
        indexes = [models.Index(fields=["unfrozen_at", "unfreeze_at"], name="crm_order_points_due")]

    def __str__(self) -> str:
        return gettext("订单 %(no)s 的积分") % {"no": self.order.order_no}


class PointsEntry(models.Model):
    """One movement of a customer's points (immutable: written once by crm.services.members).
    ``available`` and ``frozen`` are signed changes of the two balances; a customer's balances are
    the sums of their entries."""

    class Kind(models.TextChoices):
        EARNED = "earned", _("订单获得")
        UNFROZEN = "unfrozen", _("积分解冻")
        SPENT = "spent", _("下单抵扣")
        RETURNED = "returned", _("退还抵扣积分")
        REVERSED = "reversed", _("退款扣回")
        EXPIRED = "expired", _("积分过期")
        ADJUSTED = "adjusted", _("商家调整")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    profile = models.ForeignKey(
        "crm.CustomerProfile", on_delete=models.CASCADE, related_name="+", verbose_name=_("客户")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    available = models.BigIntegerField(_("可用积分变动"), default=0)
    frozen = models.BigIntegerField(_("冻结积分变动"), default=0)
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("订单"),
    )
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("积分流水")
        verbose_name_plural = _("积分流水")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["profile", "-created_at"], name="crm_points_profile_history")]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=Q(kind__in=["earned", "unfrozen", "spent"]),
                name="crm_points_once_per_order",
            ),
            models.CheckConstraint(condition=~Q(available=0, frozen=0), name="crm_points_entry_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points:+d}"

    @property
    def points(self) -> int:
        """What the entry changed of the customer's points, frozen and available together (an
        unfreezing moves points between the two: 0)."""
        return self.available + self.frozen


class PointsExpiry(models.Model):
    """When a customer's available points are next due to be checked for expiry (the soonest
    ``expires_at`` of their points not yet checked); the expiry job reads only the due rows."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    profile = models.OneToOneField(
        "crm.CustomerProfile", on_delete=models.CASCADE, related_name="+", verbose_name=_("客户")
    )
    due_at = models.DateTimeField(_("下次检查时间"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("积分过期检查")
        verbose_name_plural = _("积分过期检查")

    def __str__(self) -> str:
        return gettext("客户 #%(pk)s 的积分过期检查") % {"pk": self.profile_id}


class Member(CustomerProfile):
    """A customer seen as a member (会员积分 in admin): their level and points, and where the
    merchant adjusts their points. The same rows as ``CustomerProfile``."""

    class Meta:
        proxy = True
        verbose_name = _("会员积分")
        verbose_name_plural = _("会员积分")
        ordering = ["-points_available", "-id"]

    def __str__(self) -> str:
        name = self.user.display_name if self.user_id and self.user else gettext("客户")
        return f"{name} #{self.pk}"
