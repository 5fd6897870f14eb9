"""Referral and distribution (分销): promoters, bindings, the commission ledger, withdrawals (issue 12).

- ``DistributionSettings``: the shop's switch and rules (who may promote, the rates, the binding
  rule, the withdrawal minimum). No row: distribution is off.
- ``ProductCommission``: a product's own rate, over the shop's default.
- ``Promoter``: a shopper who promotes the shop (applied, approved …). Its row is the promoter's
  *account*: every write to their ledger locks it first (``distribution.locks``).
- ``Binding``: which promoter a customer of the shop belongs to (made when a referred order is
  placed, by the shop's binding rule).
- ``Commission``: what one order earns one promoter (level 1, or level 2 for the promoter's own
  promoter), fixed when the order is placed; its state follows the order.
- ``LedgerEntry``: one immutable movement of a promoter's money. A promoter's balances are sums of
  entries (``pending``: earned, not yet settled; ``balance``: settled and withdrawable), never a
  stored number; nothing updates or deletes an entry (``save``/``delete`` refuse, the queryset's
  ``update``/``delete`` refuse, a database trigger refuses, admin is read-only).
- ``Withdrawal``: a promoter's request to be paid (a pending one holds its amount by a ledger
  entry; failure, rejection or cancellation writes the reversal).

The rules are in ``distribution/services.py``; what they mean for a merchant is docs/marketing.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from core.models import TimeStampedModel
from core.money import MoneyField, format_yuan
from orders.models import Order
from payments.models import Transfer
from shop.models import Shop

MAX_RATE = Decimal("50")
DEFAULT_MIN_WITHDRAW_FEN = 1000  # ¥10
MIN_WITHDRAW_FLOOR_FEN = 100  # ¥1
# WeChat's 商家转账 needs the payee's real name (encrypted) from ¥2,000: one withdrawal stays below it.
MAX_WITHDRAW_FEN = 200000 - 1


def rate_bp(rate: Decimal) -> int:
    """A percentage with two decimals (``Decimal("5.25")``) as basis points (525), exactly."""
    return int((rate * 100).to_integral_value())


def rate_validators() -> list[Any]:
    return [MinValueValidator(Decimal("0")), MaxValueValidator(MAX_RATE)]


class DistributionSettings(TimeStampedModel):
    class WhoMayPromote(models.TextChoices):
        ANYONE = "anyone", _("所有顾客（申请即通过）")
        APPROVED = "approved", _("经商家审核的推广员")
        BUYERS = "buyers", _("在本店付款下过单的顾客（申请即通过）")

    class BindingRule(models.TextChoices):
        PERMANENT = "permanent", _("永久绑定（先推荐的推广员得）")
        DAYS = "days", _("绑定 N 天（期满后可被其他推广员绑定）")
        LATEST = "latest", _("以最近一次推荐为准")

    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, related_name="distribution_settings", verbose_name=_("店铺")
    )
    is_enabled = models.BooleanField(
        _("开启分销"),
        default=False,
        help_text=_("关闭后不再绑定新客户、不再产生新佣金；已有佣金照常结算和提现。"),
    )
    who_may_promote = models.CharField(
        _("谁可以成为推广员"), max_length=16, choices=WhoMayPromote.choices, default=WhoMayPromote.APPROVED
    )
    rate_percent = models.DecimalField(
        _("一级佣金比例（%）"), max_digits=4, decimal_places=2, default=Decimal("5"),
        validators=rate_validators(), help_text=_("按商品实付金额计算，0–50；商品可单独设置。"),
    )  # fmt: skip
    level2_enabled = models.BooleanField(
        _("开启二级佣金"), default=False, help_text=_("推广员自己的推广员也得一份佣金（最多两级）。")
    )
    level2_rate_percent = models.DecimalField(
        _("二级佣金比例（%）"), max_digits=4, decimal_places=2, default=Decimal("1"),
        validators=rate_validators(),
    )  # fmt: skip
    binding_rule = models.CharField(
        _("客户绑定规则"), max_length=16, choices=BindingRule.choices, default=BindingRule.PERMANENT
    )
    binding_days = models.PositiveSmallIntegerField(
        _("绑定天数"), default=30, validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("“绑定 N 天”时有效：从推荐下单的那次访问算起。"),
    )  # fmt: skip
    min_withdraw_fen = MoneyField(
        _("最低提现金额"),
        default=DEFAULT_MIN_WITHDRAW_FEN,
        help_text=_("至少 1 元；单笔提现不超过 1999.99 元。"),
    )

    class Meta:
        verbose_name = _("分销设置")
        verbose_name_plural = _("分销设置")

    def __str__(self) -> str:
        return gettext("分销设置（%(state)s）") % {
            "state": gettext("已开启") if self.is_enabled else gettext("未开启")
        }

    def clean(self) -> None:
        if not MIN_WITHDRAW_FLOOR_FEN <= (self.min_withdraw_fen or 0) <= MAX_WITHDRAW_FEN:
            raise ValidationError({"min_withdraw_fen": gettext("最低提现金额须在 1 元到 1999.99 元之间。")})

    @property
    def rate_bp(self) -> int:
        return rate_bp(self.rate_percent)

    @property
    def level2_rate_bp(self) -> int:
        return rate_bp(self.level2_rate_percent) if self.level2_enabled else 0


class ProductCommission(TimeStampedModel):
    """A product's own commission rates (over the shop's defaults)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="commission_rates", verbose_name=_("商品")
    )
    rate_percent = models.DecimalField(
        _("一级佣金比例（%）"), max_digits=4, decimal_places=2, validators=rate_validators(),
        help_text=_("0 表示该商品不给佣金。"),
    )  # fmt: skip
    level2_rate_percent = models.DecimalField(
        _("二级佣金比例（%）"), max_digits=4, decimal_places=2, null=True, blank=True,
        validators=rate_validators(), help_text=_("留空按店铺的二级比例。"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("商品佣金比例")
        verbose_name_plural = _("商品佣金比例")
        constraints = [models.UniqueConstraint(fields=["product"], name="product_commission_unique")]

    def __str__(self) -> str:
        return gettext("%(product)s：%(rate)s%%") % {"product": self.product, "rate": self.rate_percent}


class Promoter(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")
        DISABLED = "disabled", _("已停用")

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", verbose_name=_("店铺"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="promoter_accounts",
        verbose_name=_("推广员"),
    )  # fmt: skip
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    applied_at = models.DateTimeField(_("申请时间"))
    approved_at = models.DateTimeField(_("通过时间"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("处理人"),
    )  # fmt: skip
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("推广员")
        verbose_name_plural = _("推广员")
        ordering = ["-applied_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["shop", "user"], name="promoter_unique_per_shop")]

    def __str__(self) -> str:
        return str(getattr(self.user, "nickname", "") or self.user.username)

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class Binding(TimeStampedModel):
    """A customer of the shop belongs to a promoter (one binding per customer and shop)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="promoter_bindings",
        verbose_name=_("客户"),
    )  # fmt: skip
    promoter = models.ForeignKey(
        Promoter, on_delete=models.CASCADE, related_name="bindings", verbose_name=_("推广员")
    )
    touched_at = models.DateTimeField(
        _("推荐访问时间"), help_text=_("客户通过推广链接进店的时间（“绑定 N 天”从这里算起）。")
    )
    order_no = models.CharField(_("绑定订单"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("客户绑定")
        verbose_name_plural = _("客户绑定")
        ordering = ["-touched_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["shop", "customer"], name="binding_one_per_customer")]
        indexes = [models.Index(fields=["promoter", "-touched_at"], name="binding_promoter_list")]

    def __str__(self) -> str:
        return gettext("客户绑定 #%(pk)s") % {"pk": self.pk}


class Commission(TimeStampedModel):
    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("待付款")
        PENDING = "pending", _("待结算")
        SETTLED = "settled", _("已结算")
        VOIDED = "voided", _("已失效")
        CANCELLED = "cancelled", _("已取消")

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", verbose_name=_("店铺"))
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+", verbose_name=_("订单"))
    promoter = models.ForeignKey(
        Promoter, on_delete=models.PROTECT, related_name="commissions", verbose_name=_("推广员")
    )
    level = models.PositiveSmallIntegerField(_("级别"), choices=[(1, _("一级")), (2, _("二级"))])
    base_fen = MoneyField(_("计佣金额"), help_text=_("订单商品的实付金额（扣除优惠，不含运费）。"))
    amount_fen = MoneyField(_("佣金"))
    lines = models.JSONField(_("计算明细"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.AWAITING_PAYMENT, db_index=True
    )
    settle_after = models.DateTimeField(_("可结算时间"), null=True, blank=True, db_index=True)
    settled_at = models.DateTimeField(_("结算时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("佣金")
        verbose_name_plural = _("佣金")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "level"], name="commission_one_per_order_level"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="commission_amount_positive"),
        ]
        indexes = [models.Index(fields=["status", "settle_after"], name="commission_due")]

    def __str__(self) -> str:
        return gettext("佣金 %(amount)s（订单 %(order)s）") % {
            "amount": format_yuan(self.amount_fen), "order": self.order.order_no,
        }  # fmt: skip


class Withdrawal(TimeStampedModel):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("待审核")
        TRANSFERRING = "transferring", _("转账中")
        PAID = "paid", _("已到账")
        REJECTED = "rejected", _("已拒绝")
        FAILED = "failed", _("转账失败")
        CANCELLED = "cancelled", _("已撤销")

    OPEN: ClassVar[tuple[str, ...]] = (Status.REQUESTED, Status.TRANSFERRING)

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", verbose_name=_("店铺"))
    promoter = models.ForeignKey(
        Promoter, on_delete=models.PROTECT, related_name="withdrawals", verbose_name=_("推广员")
    )
    amount_fen = MoneyField(_("提现金额"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    # who WeChat pays, as it knew the promoter when they asked (their login in the official account
    # or the mini-program): payments.transfers.transfer_payee
    appid = models.CharField(_("收款 AppID"), max_length=32, blank=True)
    openid = models.CharField(_("收款微信 OpenID"), max_length=64, blank=True)
    transfer = models.OneToOneField(
        Transfer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("商家转账"),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("审核人"),
    )  # fmt: skip
    handled_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    reason = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("提现")
        verbose_name_plural = _("提现")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="withdrawal_amount_positive")
        ]

    def __str__(self) -> str:
        return gettext("提现 %(amount)s（%(status)s）") % {
            "amount": format_yuan(self.amount_fen), "status": self.get_status_display(),
        }  # fmt: skip

    @property
    def reference(self) -> str:
        """The reference the payout (``payments``' transfer) carries back to us."""
        return f"withdrawal:{self.pk}"


class ImmutableEntry(Exception):
    """A ledger entry was about to be changed or deleted: the ledger only grows."""


class LedgerQuerySet(models.QuerySet["LedgerEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableEntry("ledger entries are never updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableEntry("ledger entries are never deleted")


class LedgerEntry(models.Model):
    class Bucket(models.TextChoices):
        PENDING = "pending", _("待结算")
        BALANCE = "balance", _("可提现")

    class Kind(models.TextChoices):
        COMMISSION = "commission", _("佣金（待结算）")
        VOID = "void", _("退款，佣金作废")
        SETTLE_OUT = "settle_out", _("结算转出")
        SETTLE_IN = "settle_in", _("结算入账")
        CLAWBACK = "clawback", _("结算后退款，扣回佣金")
        WITHDRAWAL = "withdrawal", _("提现")
        WITHDRAWAL_REVERSAL = "withdrawal_reversal", _("提现退回")

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", verbose_name=_("店铺"))
    promoter = models.ForeignKey(
        Promoter, on_delete=models.PROTECT, related_name="entries", verbose_name=_("推广员")
    )
    bucket = models.CharField(_("账户"), max_length=16, choices=Bucket.choices)
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    # signed: a movement out is negative. Not a MoneyField (never negative): shown in yuan by admin.
    amount_fen = models.BigIntegerField(_("金额（分）"))
    commission = models.ForeignKey(
        Commission, on_delete=models.PROTECT, null=True, blank=True, related_name="entries",
        verbose_name=_("佣金"),
    )  # fmt: skip
    withdrawal = models.ForeignKey(
        Withdrawal, on_delete=models.PROTECT, null=True, blank=True, related_name="entries",
        verbose_name=_("提现"),
    )  # fmt: skip
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("佣金流水")
        verbose_name_plural = _("佣金流水")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["promoter", "bucket"], name="ledger_promoter_bucket")]
        constraints = [models.CheckConstraint(condition=~Q(amount_fen=0), name="ledger_amount_not_zero")]

    def __str__(self) -> str:
        return gettext("%(kind)s %(amount)s") % {
            "kind": self.get_kind_display(),
            "amount": format_yuan(self.amount_fen),
        }

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableEntry("ledger entries are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableEntry("ledger entries are never deleted")
