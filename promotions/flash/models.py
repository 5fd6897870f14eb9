"""Flash-sale sessions (秒杀场次), their items, each shopper's purchases and the shop's flash setting.

A ``FlashSession`` runs from ``starts_at`` to ``ends_at``. When it starts, each ``FlashItem`` takes
its ``quantity`` (or what the SKU has, if less) out of the SKU's stock into its own ``remaining``
(``stock_taken_at`` is set once); when it ends, what is left goes back (``stock_returned_at``).
A ``FlashPurchase`` counts the units one shopper holds of one item across all their orders
(cancelled unpaid orders give them back). The services are in ``promotions/flash/services.py``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import SKU
from core.models import TimeStampedModel
from core.money import MoneyField
from shop.models import Shop

DEFAULT_PAY_MINUTES = 10


class FlashSaleSettings(TimeStampedModel):
    """The shop's flash-sale setting (no row: the defaults)."""

    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, related_name="flash_settings", verbose_name=_("店铺")
    )
    pay_minutes = models.PositiveSmallIntegerField(
        _("秒杀订单支付时限（分钟）"),
        default=DEFAULT_PAY_MINUTES,
        validators=[MinValueValidator(1), MaxValueValidator(1440)],
        help_text=_("秒杀订单下单后多少分钟内未支付自动取消，默认 10 分钟。"),
    )

    class Meta:
        verbose_name = _("秒杀设置")
        verbose_name_plural = _("秒杀设置")

    def __str__(self) -> str:
        return str(_("秒杀设置"))


class FlashSession(TimeStampedModel):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("未开始")
        RUNNING = "running", _("进行中")
        ENDED = "ended", _("已结束")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    name = models.CharField(_("名称"), max_length=64)
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"), db_index=True)
    is_active = models.BooleanField(_("启用"), default=True)
    stock_taken_at = models.DateTimeField(_("库存转入时间"), null=True, blank=True, editable=False)
    stock_returned_at = models.DateTimeField(_("库存退回时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("秒杀场次")
        verbose_name_plural = _("秒杀场次")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="flash_session_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def state_at(self, now: Any = None) -> str:
        now = now or timezone.now()
        if now < self.starts_at:
            return self.State.SCHEDULED
        if now >= self.ends_at or self.stock_returned_at is not None:
            return self.State.ENDED
        return self.State.RUNNING

    @property
    def state(self) -> str:
        return self.state_at()

    def get_state_display(self) -> str:
        return str(self.State(self.state).label)

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("结束时间必须晚于开始时间。")})
        if self.pk is not None and self.stock_taken_at is not None:
            before = FlashSession.objects.filter(pk=self.pk).values("starts_at").first()
            if before and before["starts_at"] != self.starts_at:
                raise ValidationError({"starts_at": _("场次已开始，不能再改开始时间。")})


class FlashItem(TimeStampedModel):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    session = models.ForeignKey(
        FlashSession, on_delete=models.CASCADE, related_name="items", verbose_name=_("场次")
    )
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="+", verbose_name=_("商品规格"))
    flash_price_fen = MoneyField(_("秒杀价"), help_text=_("必须低于商品规格的售价。"))
    quantity = models.PositiveIntegerField(
        _("秒杀数量"), validators=[MinValueValidator(1)], help_text=_("场次开始时从库存转入。")
    )
    per_user_limit = models.PositiveSmallIntegerField(
        _("每人限购"), default=1, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    taken = models.PositiveIntegerField(_("已转入库存"), default=0, editable=False)
    remaining = models.PositiveIntegerField(_("剩余"), default=0, editable=False)
    sold = models.PositiveIntegerField(_("已售"), default=0, editable=False)

    class Meta:
        verbose_name = _("秒杀商品")
        verbose_name_plural = _("秒杀商品")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "sku"], name="flash_item_once_per_session"),
            models.CheckConstraint(
                condition=Q(remaining__lte=models.F("taken")), name="flash_item_not_oversold"
            ),
            models.CheckConstraint(condition=Q(flash_price_fen__gte=0), name="flash_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.session.name} · {self.sku}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        sku = SKU.objects.filter(pk=self.sku_id).first() if self.sku_id else None
        session = FlashSession.objects.filter(pk=self.session_id).first() if self.session_id else None
        shop_id = session.shop_id if session is not None else self.shop_id
        if sku is not None:
            if shop_id and sku.shop_id != shop_id:
                errors["sku"] = _("请选择本店的商品规格。")
            elif self.flash_price_fen is not None and self.flash_price_fen >= sku.price_fen:
                errors["flash_price_fen"] = _("秒杀价必须低于售价。")
        if self.pk is not None:
            before = FlashItem.objects.filter(pk=self.pk).select_related("session").first()
            if (
                before is not None
                and before.session.stock_taken_at is not None
                and (before.sku_id != self.sku_id or before.quantity != self.quantity)
            ):
                errors["quantity"] = _("场次已开始，不能再改商品和数量。")
        if errors:
            raise ValidationError(errors)


class FlashPurchase(TimeStampedModel):
    """The units one shopper holds of one flash item, across all their orders (the limit's count)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    item = models.ForeignKey(
        FlashItem, on_delete=models.CASCADE, related_name="purchases", verbose_name=_("秒杀商品")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("顾客")
    )
    quantity = models.PositiveIntegerField(_("已购数量"), default=0)

    class Meta:
        verbose_name = _("秒杀购买记录")
        verbose_name_plural = _("秒杀购买记录")
        constraints = [models.UniqueConstraint(fields=["item", "user"], name="flash_purchase_once_per_user")]

    def __str__(self) -> str:
        return f"{self.item} · {self.user}"
