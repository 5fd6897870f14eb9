"""complaints's models: a shopper's complaint against a shop, its photos and history, and the
platform's warnings to a shop (docs/after-sales.md#complaints).

A merchant sees a complaint only once the operator asks them to answer, and never its reporter
beyond ``contact_masked`` (the admin never shows ``user``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.uploads import ImageUploadField
from orders.models import Order
from shop.models import Shop

MAX_PHOTOS = 6
MAX_TEXT = 1000


class Complaint(TimeStampedModel):
    class Kind(models.TextChoices):
        FAKE = "fake", _("假货")
        NOT_SHIPPED = "not_shipped", _("不发货")
        REFUND_REFUSED = "refund_refused", _("拒绝退款")
        WRONG_INFO = "wrong_info", _("信息不实")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("待平台处理")
        WAITING_MERCHANT = "waiting_merchant", _("待商家答复")
        ANSWERED = "answered", _("商家已答复")
        RESOLVED = "resolved", _("已处理")

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="complaints", verbose_name=_("店铺")
    )
    complaint_no = models.CharField(_("投诉编号"), max_length=24, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("投诉人"),
    )
    contact_masked = models.CharField(_("投诉人联系方式（已隐藏）"), max_length=32, blank=True)
    order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("相关订单")
    )
    kind = models.CharField(_("投诉类型"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("投诉内容"), max_length=MAX_TEXT)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    forwarded_at = models.DateTimeField(_("转商家时间"), null=True, blank=True)
    merchant_answer = models.TextField(_("商家答复"), blank=True, max_length=MAX_TEXT)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    resolution_note = models.TextField(_("处理结果"), blank=True, max_length=MAX_TEXT)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["shop", "status"], name="complaint_shop_status"),
            models.Index(fields=["user", "shop", "-created_at"], name="complaint_user_shop_created"),
        ]

    def __str__(self) -> str:
        return gettext("投诉 %(no)s · %(kind)s") % {"no": self.complaint_no, "kind": self.get_kind_display()}

    @property
    def is_resolved(self) -> bool:
        return self.status == self.Status.RESOLVED


class ComplaintPhoto(TimeStampedModel):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="photos", verbose_name=_("投诉")
    )
    image = ImageUploadField(_("图片"), upload_to="complaints/%Y/%m/")
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("投诉图片")
        verbose_name_plural = _("投诉图片")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return gettext("图片 %(n)d") % {"n": self.position + 1}


class ComplaintEvent(models.Model):
    """One step of a complaint (its history): who did what, and the note they wrote."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("提交投诉")
        ASKED_MERCHANT = "asked_merchant", _("请商家答复")
        MERCHANT_ANSWERED = "merchant_answered", _("商家答复")
        WARNED = "warned", _("警告店铺")
        SUSPENDED = "suspended", _("暂停店铺营业")
        REINSTATED = "reinstated", _("恢复店铺营业")
        RESOLVED = "resolved", _("处理完结")

    class Actor(models.TextChoices):
        SHOPPER = "shopper", _("顾客")
        MERCHANT = "merchant", _("商家")
        OPERATOR = "platform", _("平台")

    id = models.BigAutoField(primary_key=True)
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="events", verbose_name=_("投诉")
    )
    kind = models.CharField(_("事件"), max_length=20, choices=Kind.choices)
    actor_kind = models.CharField(_("操作方"), max_length=16, choices=Actor.choices)
    actor = models.ForeignKey(  # staff or operator only: a shopper's step names nobody (the reporter)
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    from_status = models.CharField(_("原状态"), max_length=16, choices=Complaint.Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=Complaint.Status.choices)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("投诉记录")
        verbose_name_plural = _("投诉记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_actor_kind_display()}"


class ShopWarning(TimeStampedModel):
    """The platform's warning to a shop (from a complaint), which the merchant sees in admin."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="warnings", verbose_name=_("店铺"))
    complaint = models.ForeignKey(
        Complaint, on_delete=models.SET_NULL, null=True, blank=True, related_name="warnings",
        verbose_name=_("相关投诉"),
    )  # fmt: skip
    reason = models.TextField(_("警告内容"), max_length=MAX_TEXT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("操作人"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("平台警告")
        verbose_name_plural = _("平台警告")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return gettext("平台警告 · %(shop)s · %(date)s") % {
            "shop": self.shop, "date": f"{self.created_at:%Y-%m-%d}" if self.created_at else "",
        }  # fmt: skip
