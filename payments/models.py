"""Money moving in and out through a payment provider (WeChat Pay, the local simulator, ...)."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.models import Shop, TimeStampedModel
from shop.money import MoneyField


def new_refund_no() -> str:
    return "R" + timezone.localdate().strftime("%Y%m%d") + f"{secrets.randbelow(10**12):012d}"


class Refund(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("待提交")
        PROCESSING = "processing", _("退款中")
        SUCCEEDED = "succeeded", _("退款成功")
        FAILED = "failed", _("退款失败")

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", verbose_name=_("店铺"))
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="refunds", verbose_name=_("订单")
    )
    after_sale = models.OneToOneField(
        "orders.AfterSale", on_delete=models.PROTECT, null=True, blank=True, related_name="refund"
    )
    out_refund_no = models.CharField(_("退款单号"), max_length=32, unique=True, default=new_refund_no)
    provider = models.CharField(_("支付渠道"), max_length=16)
    amount_fen = MoneyField(_("退款金额"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    provider_refund_id = models.CharField(_("渠道退款单号"), max_length=64, blank=True)
    failure_reason = models.CharField(_("失败原因"), max_length=255, blank=True)
    succeeded_at = models.DateTimeField(_("退款时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("退款")
        verbose_name_plural = _("退款")
        ordering = ["-created_at", "-id"]
