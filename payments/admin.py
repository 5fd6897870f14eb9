"""WeChat Pay in admin: a shop's merchant credentials (secrets write-only, validated on save), and
its payment attempts, refunds and 商家转账 (read-only records; a transfer can be queried again or
cancelled before its payee confirms)."""

from __future__ import annotations

import csv
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.csv_export import csv_response
from core.errors import ApplicationError
from core.money import format_yuan
from orders.admin import ReadOnlyInline, order_admin_inline_register
from payments.bill import bill_reconcile, decode_bill
from payments.models import PaymentAttempt, PaymentEvent, Refund, Transfer, TransferEvent, WeChatPayConfig
from payments.wechat import crypto
from shop.admin_base import ReadOnlyShopAdmin, ShopScopedAdmin, ShopScopedInline, is_operator, user_shop_ids

SECRET_FIELDS = ("merchant_private_key", "apiv3_key")


class WeChatPayConfigForm(forms.ModelForm):
    """Secrets are never shown again: an empty box keeps the stored value."""

    merchant_private_key = forms.CharField(
        label=_("商户私钥（PEM）"), required=False, widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("已保存，留空不修改")}),
        help_text=_("apiclient_key.pem 的内容；保存后不再显示。"),
    )  # fmt: skip
    apiv3_key = forms.CharField(
        label=_("APIv3 密钥"), required=False, widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("32 位；保存后不再显示，留空不修改。"),
    )  # fmt: skip

    class Meta:
        model = WeChatPayConfig
        fields = ["shop", "mode", "mchid", "appid", "miniprogram_appid", "merchant_serial_no", "merchant_private_key",
                  "apiv3_key", "platform_public_key_id", "platform_public_key", "platform_certificates",
                  "transfer_scene_id", "transfer_report_infos"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.pop("merchant_private_key", None)
        self.initial.pop("apiv3_key", None)
        if not self.instance.pk:
            for name in SECRET_FIELDS:
                self.fields[name].required = True

    def clean_merchant_private_key(self) -> str:
        value = self.cleaned_data["merchant_private_key"].strip()
        if not value:
            return self.instance.merchant_private_key if self.instance.pk else value
        try:
            crypto.load_private_key(value)
        except (ValueError, TypeError) as exc:
            raise forms.ValidationError(
                _("商户私钥无法解析：请粘贴完整的 PEM（-----BEGIN PRIVATE KEY----- …）。")
            ) from exc
        return value

    def clean_apiv3_key(self) -> str:
        value = self.cleaned_data["apiv3_key"].strip()
        if not value:
            return self.instance.apiv3_key if self.instance.pk else value
        if len(value.encode()) != 32:
            raise forms.ValidationError(_("APIv3 密钥必须是 32 个字符。"))
        return value

    def clean_platform_public_key(self) -> str:
        value = self.cleaned_data["platform_public_key"].strip()
        if value:
            try:
                crypto.load_public_key(value)
            except (ValueError, TypeError) as exc:
                raise forms.ValidationError(_("微信支付公钥无法解析：请粘贴完整的 PEM。")) from exc
        return value

    def clean_platform_certificates(self):
        value = self.cleaned_data["platform_certificates"] or {}
        if not isinstance(value, dict):
            raise forms.ValidationError(_("平台证书应为 {序列号: 证书 PEM}。"))
        for serial, pem in value.items():
            try:
                crypto.load_public_key(str(pem))
            except (ValueError, TypeError) as exc:
                raise forms.ValidationError(_("平台证书 %(s)s 无法解析。") % {"s": serial}) from exc
        return value

    def clean_transfer_scene_id(self) -> str:
        value = self.cleaned_data["transfer_scene_id"].strip()
        if value and not value.isdigit():
            raise forms.ValidationError(_("转账场景 ID 是商户平台给出的数字，例如 1000。"))
        return value

    def clean_transfer_report_infos(self):
        value = self.cleaned_data["transfer_report_infos"] or []
        if not isinstance(value, list) or not all(
            isinstance(item, dict)
            and str(item.get("info_type", "")).strip()
            and str(item.get("info_content", "")).strip()
            for item in value
        ):
            raise forms.ValidationError(_('报备信息应为 [{"info_type": "…", "info_content": "…"}, …]。'))
        return value

    def clean(self):
        data = super().clean()
        has_key = data.get("platform_public_key") and data.get("platform_public_key_id")
        if data.get("mode") == WeChatPayConfig.Mode.LIVE and not (
            has_key or data.get("platform_certificates")
        ):
            raise forms.ValidationError(
                _("生产模式需要微信支付公钥（及其 ID）或平台证书，用于验证微信的签名。")
            )
        return data


@admin.register(WeChatPayConfig)
class WeChatPayConfigAdmin(ShopScopedAdmin):
    form = WeChatPayConfigForm
    list_display = ["shop", "mode", "mchid", "appid", "last_error_at", "updated_at"]
    list_filter = ["mode", "shop"]
    # why the last call to WeChat Pay failed (a wrong or rotated platform key, a timeout, …)
    readonly_fields = ["last_error", "last_error_at"]


class PaymentEventInline(ShopScopedInline, admin.TabularInline):
    """A payment's or refund's status changes: who, when, from, to, why (read-only)."""

    model = PaymentEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "actor_kind", "actor", "from_label", "to_label", "message"]
    readonly_fields = fields
    verbose_name_plural = _("状态变更记录")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("原状态"))
    def from_label(self, event: PaymentEvent) -> str:
        return event.status_label(event.from_status)

    @admin.display(description=_("新状态"))
    def to_label(self, event: PaymentEvent) -> str:
        return event.status_label(event.to_status)


BILL_MAX_BYTES = 10 * 1024 * 1024  # a bill is read whole or refused, never cut short


class BillForm(forms.Form):
    file = forms.FileField(
        label=_("微信支付交易账单（CSV）"), help_text=_("在商户平台下载的“交易账单”，UTF-8 或 GBK 编码。")
    )

    def __init__(self, *args: Any, configs: QuerySet[WeChatPayConfig], **kwargs: Any) -> None:
        """Whoever manages more than one shop's WeChat Pay (an operator, a merchant of two shops)
        says which merchant account the bill is of; with one there is nothing to choose."""
        super().__init__(*args, **kwargs)
        self.configs = list(configs)
        if len(self.configs) > 1:
            self.fields["config"] = forms.ModelChoiceField(
                label=_("微信支付商户"), queryset=configs, empty_label=None,
                help_text=_("账单所属的店铺与商户号。"),
            )  # fmt: skip
            self.fields["config"].label_from_instance = lambda c: f"{c.shop.name}（{c.mchid}）"
            self.order_fields(["config", "file"])

    def chosen_config(self) -> WeChatPayConfig | None:
        if "config" in self.fields:
            return self.cleaned_data.get("config") if hasattr(self, "cleaned_data") else None
        return self.configs[0] if self.configs else None


# On the order page (orders.admin's port): the order's payment attempts and refunds.
class PaymentAttemptInline(ReadOnlyInline):
    model = PaymentAttempt
    fields = ["out_trade_no", "scene", "status", "amount", "transaction_id", "paid_at", "note"]
    readonly_fields = fields
    verbose_name_plural = _("支付记录")

    @admin.display(description=_("金额"))
    def amount(self, attempt: PaymentAttempt) -> str:
        return format_yuan(attempt.amount_fen)


class RefundInline(ReadOnlyInline):
    model = Refund
    fk_name = "order"
    fields = [
        "out_refund_no",
        "provider",
        "status",
        "amount",
        "provider_refund_id",
        "failure_reason",
        "succeeded_at",
    ]
    readonly_fields = fields
    verbose_name_plural = _("退款记录")

    @admin.display(description=_("金额"))
    def amount(self, refund: Refund) -> str:
        return format_yuan(refund.amount_fen)


order_admin_inline_register(PaymentAttemptInline)
order_admin_inline_register(RefundInline)


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(ReadOnlyShopAdmin):
    list_display = [
        "out_trade_no",
        "order",
        "scene",
        "amount",
        "status",
        "transaction_id",
        "paid_at",
        "created_at",
    ]
    list_filter = ["status", "scene", "shop"]
    search_fields = ["=out_trade_no", "=transaction_id", "=order__order_no"]
    readonly_fields = ["out_trade_no", "order", "scene", "amount", "status", "transaction_id", "payer_openid", "paid_at",
                       "note", "created_at"]  # fmt: skip
    fields = readonly_fields
    inlines = [PaymentEventInline]

    @admin.display(description=_("金额"))
    def amount(self, attempt: PaymentAttempt) -> str:
        return format_yuan(attempt.amount_fen)

    def get_urls(self):
        return [
            path("bill/", self.admin_site.admin_view(self.bill_view), name="payments_bill"),
            *super().get_urls(),
        ]

    def bill_view(self, request):
        """Upload a day's trade bill; every difference with our records is listed."""
        configs = WeChatPayConfig.objects.select_related("shop")
        if not is_operator(request):
            configs = configs.filter(shop_id__in=user_shop_ids(request))
        form = BillForm(
            request.POST or None, request.FILES or None, configs=configs.order_by("shop__name", "pk")
        )
        report = None
        submitted = request.method == "POST" and form.is_valid()
        config = form.chosen_config() if submitted else None
        if submitted and config is not None:
            upload = form.cleaned_data["file"]
            try:
                if upload.size > BILL_MAX_BYTES:
                    raise ValueError(_("文件太大：最多 %(mb)d MB。") % {"mb": BILL_MAX_BYTES // 1024 // 1024})
                text = decode_bill(upload.read())
                report = bill_reconcile(shop=config.shop, text=text, mchid=config.mchid)
            except csv.Error:
                form.add_error("file", _("无法读取账单：不是有效的 CSV。"))
            except ValueError as exc:
                form.add_error("file", str(exc))
        if report is not None and request.POST.get("download"):
            return csv_response(
                filename=f"bill-check-{timezone.localdate():%Y%m%d}.csv",
                header=[_("问题"), _("商户订单号"), _("说明")],
                rows=report.csv_rows(),
            )
        context = {**self.admin_site.each_context(request), "title": _("微信支付对账"), "form": form, "report": report,
                   "configured": bool(form.configs), "opts": self.model._meta}  # fmt: skip
        return TemplateResponse(request, "admin/payments/bill.html", context)


@admin.register(Refund)
class RefundAdmin(PaymentAttemptAdmin):
    list_display = [
        "out_refund_no",
        "order",
        "provider",
        "amount",
        "status",
        "provider_refund_id",
        "succeeded_at",
        "created_at",
    ]
    list_filter = ["status", "provider", "shop"]
    search_fields = ["=out_refund_no", "=order__order_no"]
    readonly_fields = ["out_refund_no", "order", "after_sale", "payment", "provider", "amount", "reason", "status",
                       "provider_refund_id", "failure_reason", "succeeded_at", "created_at"]  # fmt: skip
    fields = readonly_fields

    @admin.display(description=_("金额"))
    def amount(self, refund: Refund) -> str:
        return format_yuan(refund.amount_fen)


# ---------------------------------------------------------------- 商家转账


class TransferEventInline(ShopScopedInline, admin.TabularInline):
    """A transfer's state changes: who, when, from, to, why (read-only)."""

    model = TransferEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "actor_kind", "actor", "from_label", "to_label", "message"]
    readonly_fields = fields
    verbose_name_plural = _("状态变更记录")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("原状态"))
    def from_label(self, event: TransferEvent) -> str:
        return event.state_label(event.from_state)

    @admin.display(description=_("新状态"))
    def to_label(self, event: TransferEvent) -> str:
        return event.state_label(event.to_state)


@admin.register(Transfer)
class TransferAdmin(ReadOnlyShopAdmin):
    """Transfers are made by the apps that pay people (distribution's withdrawals), never by hand."""

    list_display = [
        "out_bill_no",
        "reference",
        "amount",
        "state",
        "transfer_bill_no",
        "created_at",
        "finished_at",
    ]
    list_filter = ["state", "shop"]
    search_fields = ["=out_bill_no", "=reference", "=transfer_bill_no"]
    readonly_fields = ["out_bill_no", "reference", "amount", "remark", "state", "wechat_state", "transfer_bill_no",
                       "appid", "openid", "scene_id", "fail_code", "fail_reason", "last_error", "send_count",
                       "sent_at", "checked_at", "created_at", "finished_at"]  # fmt: skip
    fields = readonly_fields
    inlines = [TransferEventInline]
    actions = ["query_now", "cancel_unconfirmed"]

    @admin.display(description=_("金额"))
    def amount(self, transfer: Transfer) -> str:
        return format_yuan(transfer.amount_fen)

    @admin.action(description=_("向微信支付查询最新状态"), permissions=["view"])
    def query_now(self, request, queryset):
        from payments.transfers import transfer_query

        for transfer in queryset:
            transfer_query(transfer=transfer)
        self.message_user(request, _("已查询 %(n)d 笔转账。") % {"n": len(queryset)})

    @admin.action(description=_("撤销收款用户尚未确认的转账"), permissions=["view"])
    def cancel_unconfirmed(self, request, queryset):
        from payments.transfers import transfer_cancel

        for transfer in queryset:
            try:
                transfer_cancel(transfer=transfer, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{transfer.out_bill_no}：{exc.message}", level=messages.WARNING)
            else:
                self.message_user(request, _("已申请撤销 %(no)s。") % {"no": transfer.out_bill_no})
