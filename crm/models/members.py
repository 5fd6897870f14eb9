"""Members and points: levels by total spend, the points ledger (docs/crm.md#members-and-points)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.money import MoneyField
from shop.models import Shop


class MemberLevel(TimeStampedModel):
    """One level of a shop's membership (普通 / 银卡 / 金卡): reached when a customer's total spend is
    at least ``threshold_fen``."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    name = models.CharField(_("等级名称"), max_length=16)
    threshold_fen = MoneyField(_("累计消费门槛"), default=0)

    class Meta:
        verbose_name = _("会员等级")
        verbose_name_plural = _("会员等级")
        ordering = ["threshold_fen", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "threshold_fen"], name="crm_level_shop_threshold_unique")
        ]

    def __str__(self) -> str:
        return self.name
