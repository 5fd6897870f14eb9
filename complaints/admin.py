"""Complaints in admin: the operator's queue (every shop's complaints with the shop's verified
details, the reporter's masked contact and the order; ask the merchant, warn, suspend, reinstate,
resolve), the merchant's side (the complaints put to them, answered from the page, and the
platform's warnings), and the complaint count column of the operator's shop list.

A merchant never sees who reported beyond ``contact_masked``: no field, column, filter or search
of theirs reaches ``user`` (searching by a phone number would tell them whether that person
complained), and they never see a complaint the operator has not put to them."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from complaints import services
from complaints.models import MAX_TEXT, Complaint, ComplaintEvent, ShopWarning
from core.errors import ApplicationError
from shop.admin import shop_list_column_register
from shop.admin_base import ReadOnlyShopAdmin, ShopScopedInline, is_operator, user_shop_ids
from shop.models import Shop


def _note_field(label: Any, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class AskForm(forms.Form):
    note = _note_field(gettext_lazy("给商家的说明（可选）"), required=False)


class ResolveForm(forms.Form):
    note = _note_field(gettext_lazy("处理结果（顾客可见）"))


class WarnForm(forms.Form):
    reason = _note_field(gettext_lazy("警告内容（商家可见）"))


class SuspendForm(forms.Form):
    reason = _note_field(gettext_lazy("暂停原因（商家可见）"))


class ReinstateForm(forms.Form):
    note = _note_field(gettext_lazy("恢复说明（可选）"), required=False)


class AnswerForm(forms.Form):
    answer = _note_field(gettext_lazy("您的答复（提交给平台）"))


#: step name -> (form, operator only, the service call, the done message)
STEPS: dict[str, tuple[type[forms.Form], bool]] = {
    "ask": (AskForm, True),
    "resolve": (ResolveForm, True),
    "warn": (WarnForm, True),
    "suspend": (SuspendForm, True),
    "reinstate": (ReinstateForm, True),
    "answer": (AnswerForm, False),
}


class ComplaintEventInline(ShopScopedInline, admin.TabularInline):  # type: ignore[misc]  # as catalog's inlines
    """The complaint's history, read-only (who acted is told by side: 顾客 / 商家 / 平台)."""

    model = ComplaintEvent
    fields = ("created_at", "kind", "actor_kind", "to_status", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = gettext_lazy("处理记录")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyShopAdmin):
    """Every complaint's page is read-only: its steps are the forms below the details, each a
    service call (``step_view``)."""

    list_display = ["complaint_no", "shop", "kind", "status", "contact_masked", "order_no", "created_at"]
    list_filter = ["status", "kind", "shop"]
    list_select_related = ["shop", "order"]
    inlines = [ComplaintEventInline]
    readonly_fields = (
        "complaint_no", "shop_details", "kind", "status", "text", "photo_gallery", "contact_masked",
        "order_no", "created_at", "forwarded_at", "merchant_answer", "answered_at", "resolution_note",
        "resolved_at",
    )  # fmt: skip
    fields = readonly_fields
    change_form_template = "admin/complaints/complaint/change_form.html"

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("shop", "order")
        if is_operator(request):
            return queryset
        return queryset.filter(forwarded_at__isnull=False)  # only what the operator put to them

    def get_search_fields(self, request):
        if is_operator(request):
            return ["=complaint_no", "=order__order_no", "shop__name", "=shop__slug"]
        return ["=complaint_no", "=order__order_no"]

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        return fields if is_operator(request) else [f for f in fields if f not in ("shop_details",)]

    @admin.display(description=gettext_lazy("相关订单"))
    def order_no(self, complaint: Complaint) -> str:
        if not complaint.order_id or complaint.order is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:orders_order_change", args=[complaint.order_id]),
            complaint.order.order_no,
        )  # fmt: skip

    @admin.display(description=gettext_lazy("店铺经营信息"))
    def shop_details(self, complaint: Complaint) -> str:
        shop = complaint.shop
        rows = [
            (_("店铺"), f"{shop.name}（/s/{shop.slug}/）"),
            (_("营业状态"), _("营业中") if shop.is_active else _("已暂停营业")),
            (_("认证状态"), shop.get_verification_display()),
            (_("经营主体"), shop.company_name or "—"),
            (_("营业执照号"), shop.licence_no or "—"),
            (_("经营地址"), shop.business_address or "—"),
            (_("客服电话"), shop.service_phone or "—"),
            (_("认证时间"), f"{shop.verified_at:%Y-%m-%d}" if shop.verified_at else "—"),
        ]
        return format_html(
            '<table class="weishop-shop-details">{}</table>',
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )

    @admin.display(description=gettext_lazy("图片凭证"))
    def photo_gallery(self, complaint: Complaint) -> str:
        photos = list(complaint.photos.all())
        if not photos:
            return _("（未上传图片）")
        return format_html_join(
            " ",
            '<a href="{}" target="_blank" rel="noopener noreferrer"><img src="{}" alt="{}" height="120" loading="lazy"></a>',
            ((p.image.url, p.image.url, _("投诉图片")) for p in photos),
        )

    # -- the steps, each from the complaint's page ---------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/step/<str:step>/", wrap(self.step_view), name="complaints_complaint_step"),
            *super().get_urls(),
        ]

    def _steps(self, request: HttpRequest, complaint: Complaint) -> list[dict[str, Any]]:
        """The steps this user may take now, each with its empty form and URL."""
        names: list[str] = []
        if is_operator(request):
            if complaint.status in (Complaint.Status.OPEN, Complaint.Status.ANSWERED):
                names.append("ask")
            if not complaint.is_resolved:
                names.append("resolve")
            names.append("warn")
            names.append("suspend" if complaint.shop.is_active else "reinstate")
        elif complaint.status == Complaint.Status.WAITING_MERCHANT:
            names.append("answer")
        return [
            {"name": name, "form": STEPS[name][0](prefix=name), "title": STEP_TITLES[name],
             "url": reverse("admin:complaints_complaint_step", args=[complaint.pk, name])}
            for name in names
        ]  # fmt: skip

    def change_view(self, request, object_id, form_url="", extra_context=None):
        complaint = (
            self.get_queryset(request).filter(pk=object_id).first() if str(object_id).isdigit() else None
        )
        steps = self._steps(request, complaint) if complaint is not None else []
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "complaint_steps": steps}
        )

    def step_view(self, request: HttpRequest, pk: int, step: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        complaint = get_object_or_404(self.get_queryset(request), pk=pk)  # scoped: another shop's is a 404
        if step not in STEPS or (STEPS[step][1] and not is_operator(request)):
            raise PermissionDenied
        if step == "answer" and not is_operator(request) and complaint.shop_id not in user_shop_ids(request):
            raise PermissionDenied
        form = STEPS[step][0](request.POST, prefix=step)
        back = HttpResponseRedirect(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    self.message_user(request, f"{STEP_TITLES[step]}：{error}", messages.ERROR)
            return back
        data, user = form.cleaned_data, cast(User, request.user)
        try:
            if step == "ask":
                services.complaint_ask_merchant(complaint_id=complaint.pk, actor=user, note=data["note"])
            elif step == "resolve":
                services.complaint_resolve(complaint_id=complaint.pk, actor=user, note=data["note"])
            elif step == "warn":
                services.complaint_warn_shop(complaint_id=complaint.pk, actor=user, reason=data["reason"])
            elif step == "suspend":
                services.complaint_suspend_shop(complaint_id=complaint.pk, actor=user, reason=data["reason"])
            elif step == "reinstate":
                services.complaint_reinstate_shop(complaint_id=complaint.pk, actor=user, note=data["note"])
            else:
                services.complaint_answer(
                    shop=complaint.shop, complaint_id=complaint.pk, actor=user, answer=data["answer"]
                )
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, STEP_DONE[step] % {"no": complaint.complaint_no}, messages.SUCCESS)
        return back


STEP_TITLES = {
    "ask": gettext_lazy("请商家答复"),
    "resolve": gettext_lazy("处理完结"),
    "warn": gettext_lazy("警告店铺"),
    "suspend": gettext_lazy("暂停店铺营业"),
    "reinstate": gettext_lazy("恢复店铺营业"),
    "answer": gettext_lazy("答复平台"),
}
STEP_DONE = {
    "ask": gettext_lazy("投诉 %(no)s 已转商家答复。"),
    "resolve": gettext_lazy("投诉 %(no)s 已处理完结，顾客可看到处理结果。"),
    "warn": gettext_lazy("已就投诉 %(no)s 警告店铺。"),
    "suspend": gettext_lazy("已就投诉 %(no)s 暂停店铺营业，顾客无法访问店铺和下单。"),
    "reinstate": gettext_lazy("店铺已恢复营业（投诉 %(no)s）。"),
    "answer": gettext_lazy("已提交对投诉 %(no)s 的答复。"),
}


@admin.register(ShopWarning)
class ShopWarningAdmin(ReadOnlyShopAdmin):
    """The platform's warnings to a shop: the merchant reads them; the operator writes them from a
    complaint's page (警告店铺)."""

    list_display = ["created_at", "shop", "reason", "complaint_no"]
    list_filter = ["shop"]
    search_fields = ["reason"]
    list_select_related = ["shop", "complaint"]
    fields = ("shop", "reason", "complaint_no", "created_at")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("相关投诉"))
    def complaint_no(self, warning: ShopWarning) -> str:
        return warning.complaint.complaint_no if warning.complaint_id and warning.complaint else "—"


# -- the operator's shop list: complaints per shop, in the list's one query -----------------------------


def complaint_counts(shop: Shop) -> str:
    total, open_ = getattr(shop, "complaints_total", 0), getattr(shop, "complaints_open", 0)
    if not total:
        return "0"
    return format_html(
        '<a href="{}?shop__id__exact={}">{}</a>',
        reverse("admin:complaints_complaint_changelist"),
        shop.pk,
        _("%(total)d（未处理 %(open)d）") % {"total": total, "open": open_},
    )


complaint_counts.short_description = gettext_lazy("投诉")  # type: ignore[attr-defined]

_complaints = Complaint.objects.filter(shop=OuterRef("pk")).order_by().values("shop")
shop_list_column_register(
    complaint_counts,
    annotations={
        "complaints_total": Coalesce(
            Subquery(_complaints.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0
        ),
        "complaints_open": Coalesce(
            Subquery(
                _complaints.filter(~Q(status=Complaint.Status.RESOLVED))
                .annotate(n=Count("pk"))
                .values("n")[:1],
                output_field=IntegerField(),
            ),
            0,
        ),
    },
)
