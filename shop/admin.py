"""Shops in admin: a merchant edits their own shop's details; the operator verifies and suspends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from shop import services
from shop.admin_base import ShopScopedAdmin, ShopScopedInline, is_operator
from shop.models import Shop, ShopMember

MERCHANT_READONLY = ["slug", "verification", "verification_note", "verified_at", "is_active"]

#: Columns an app above adds to the operator's shop list (complaints: 投诉), each computed by
#: annotations of the list's one query (``shop_list_column_register``).
shop_list_columns: list[tuple[Callable[[Shop], Any], dict[str, Any]]] = []


def shop_list_column_register(column: Callable[[Shop], Any], *, annotations: dict[str, Any]) -> None:
    """Add ``column`` (a list_display callable reading ``annotations`` off the row) to the
    operator's shop list; merchants never see it."""
    if all(existing is not column for existing, _annotations in shop_list_columns):
        shop_list_columns.append((column, annotations))


class ShopMemberInline(ShopScopedInline, admin.TabularInline):
    model = ShopMember
    fields = ["user", "role", "created_at"]
    readonly_fields = ["user", "role", "created_at"]
    extra = 0
    can_delete = False
    shop_lookup = "shop"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Shop)
class ShopAdmin(ShopScopedAdmin):
    shop_lookup = "pk"
    list_display = ["name", "slug", "verification", "is_active", "company_name", "created_at"]
    list_filter = ["verification", "is_active"]
    search_fields = ["name", "slug", "company_name", "licence_no"]
    inlines = [ShopMemberInline]
    actions = ["submit_for_verification", "approve", "reject", "suspend", "resume"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "intro", "logo", "is_active"]}),
        (
            gettext_lazy("经营信息（平台认证后向顾客展示“已认证”）"),
            {
                "fields": [
                    "company_name",
                    "licence_no",
                    "business_address",
                    "service_phone",
                    "return_policy",
                    "verification",
                    "verification_note",
                    "verified_at",
                ]
            },
        ),
        (
            gettext_lazy("订单设置"),
            {
                "fields": [
                    "pay_timeout_minutes",
                    "auto_confirm_days",
                    "after_sale_days",
                    "after_sale_response_hours",
                    "shipping_fee_fen",
                    "free_shipping_min_fen",
                    "tracking_webhook_secret",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_operator(request):
            for _column, annotations in shop_list_columns:
                queryset = queryset.annotate(**annotations)
        return queryset

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if is_operator(request):
            columns += [column for column, _annotations in shop_list_columns]
        return columns

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_operator(request)  # merchants open shops through sign-up

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_operator(request)

    def get_readonly_fields(self, request, obj=None):
        return ["verified_at"] if is_operator(request) else MERCHANT_READONLY

    def get_actions(self, request):
        actions = super().get_actions(request)
        operator_only = {"approve", "reject", "suspend", "resume"}
        if not is_operator(request):
            for name in operator_only:
                actions.pop(name, None)
        return actions

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "tracking_webhook_secret" and field is not None:
            field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
            field.help_text = _("留空表示不修改；设置后无法再查看。")
        return field

    def save_model(self, request, obj: Shop, form, change: bool) -> None:
        if not change:  # operator creating a shop by hand
            super().save_model(request, obj, form, change)
            return
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name in services.EDITABLE_FIELDS
        }
        if "tracking_webhook_secret" in changes and not changes["tracking_webhook_secret"]:
            del changes["tracking_webhook_secret"]  # left empty: keep the current secret
        if is_operator(request):
            operator_fields = {
                n: form.cleaned_data[n] for n in form.changed_data if n not in services.EDITABLE_FIELDS
            }
            for name, value in operator_fields.items():
                setattr(obj, name, value)
            if operator_fields:
                Shop.objects.filter(pk=obj.pk).update(**operator_fields)
        try:
            services.shop_update_details(shop=Shop.objects.get(pk=obj.pk), **changes)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)

    def _each(self, request, queryset, action, done_message: str) -> None:
        for shop in queryset.order_by("pk"):
            try:
                action(shop)
                self.message_user(request, done_message % {"shop": shop.name}, messages.SUCCESS)
            except ApplicationError as exc:
                self.message_user(request, f"{shop.name}：{exc.message}", messages.ERROR)

    @admin.action(description=gettext_lazy("提交认证"))
    def submit_for_verification(self, request, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda s: services.shop_submit_for_verification(shop=s),
            _("%(shop)s 已提交认证，平台审核后会显示“已认证”。"),
        )

    @admin.action(description=gettext_lazy("通过认证（平台）"))
    def approve(self, request, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda s: services.shop_set_verification(shop=s, verified=True),
            _("%(shop)s 已通过认证。"),
        )

    @admin.action(description=gettext_lazy("驳回认证（平台，原因写在“审核意见”中）"))
    def reject(self, request, queryset) -> None:
        self._each(
            request, queryset,
            lambda s: services.shop_set_verification(shop=s, verified=False, note=s.verification_note or _("经营信息有误，请核对后重新提交。")),
            _("%(shop)s 的认证已驳回。"),
        )  # fmt: skip

    @admin.action(description=gettext_lazy("暂停营业（平台）"))
    def suspend(self, request, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda s: services.shop_set_active(shop=s, active=False),
            _("%(shop)s 已暂停营业。"),
        )

    @admin.action(description=gettext_lazy("恢复营业（平台）"))
    def resume(self, request, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda s: services.shop_set_active(shop=s, active=True),
            _("%(shop)s 已恢复营业。"),
        )
