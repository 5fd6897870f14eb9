"""The merchant's distribution back office (Chinese, own shop only: ``ShopScopedAdmin``): the
settings, product rates, promoters (approve, refuse, disable), withdrawals (approve: a 商家转账 to
the promoter's WeChat balance; reject with a reason), and the read-only records: bindings,
commissions and the ledger (no one adds, changes or deletes an entry: it only grows)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.errors import ApplicationError
from core.money import format_yuan
from distribution import selectors, services
from distribution.models import (
    Binding,
    Commission,
    DistributionSettings,
    LedgerEntry,
    ProductCommission,
    Promoter,
    Withdrawal,
)
from shop.admin_base import OnePerShopAdmin, ReadOnlyShopAdmin, ShopScopedAdmin

P = Promoter.Status
W = Withdrawal.Status


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _name(user: Any) -> str:
    return str(user)


@admin.register(DistributionSettings)
class DistributionSettingsAdmin(OnePerShopAdmin):
    """A shop has one (``OnePerShopAdmin``: no 增加 once every shop of the merchant has theirs, and a
    one-shop merchant's menu opens their row)."""

    list_display = ["__str__", "who_may_promote", "rate_percent", "binding_rule", "min_withdraw"]
    fieldsets = [
        (None, {"fields": ["shop", "is_enabled", "who_may_promote"]}),
        (gettext_lazy("佣金"), {"fields": ["rate_percent", "level2_enabled", "level2_rate_percent"]}),
        (gettext_lazy("客户绑定"), {"fields": ["binding_rule", "binding_days"]}),
        (gettext_lazy("提现"), {"fields": ["min_withdraw_fen"]}),
    ]

    @admin.display(description=gettext_lazy("最低提现"))
    def min_withdraw(self, obj: DistributionSettings) -> str:
        return format_yuan(obj.min_withdraw_fen)


@admin.register(ProductCommission)
class ProductCommissionAdmin(ShopScopedAdmin):
    list_display = ["product", "rate_percent", "level2_rate_percent"]
    list_select_related = ["product"]
    search_fields = ["product__title"]
    fields = ["shop", "product", "rate_percent", "level2_rate_percent"]


@admin.register(Promoter)
class PromoterAdmin(ShopScopedAdmin):
    list_display = ["user_name", "status", "customers", "applied_at", "approved_at", "note"]
    list_filter = ["status", "shop"]
    search_fields = ["user__nickname", "user__username", "=user__phone"]
    list_select_related = ["user"]
    actions = ["approve", "reject", "disable"]
    fields = ["user_name", "status", "applied_at", "approved_at", "handled_by", "customers", "money", "note"]
    readonly_fields = ["user_name", "status", "applied_at", "approved_at", "handled_by", "customers", "money"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Promoter]:
        return super().get_queryset(request).annotate(customer_n=Count("bindings"))

    @admin.display(description=gettext_lazy("客户数"), ordering="customer_n")
    def customers(self, promoter: Promoter) -> int:
        return int(getattr(promoter, "customer_n", 0) or 0)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # shoppers apply themselves, in 推广中心

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # their commissions and ledger refer to them: disable instead

    @admin.display(description=gettext_lazy("推广员"), ordering="user__nickname")
    def user_name(self, promoter: Promoter) -> str:
        return _name(promoter.user)

    @admin.display(description=gettext_lazy("佣金"))
    def money(self, promoter: Promoter) -> str:
        if promoter.pk is None:
            return "—"
        found = services.promoter_balances(promoter=promoter)
        url = reverse("admin:distribution_ledgerentry_changelist") + f"?promoter__id__exact={promoter.pk}"
        return format_html(
            '{}：{} · {}：{} · {}：{} · {}：{} · <a href="{}">{}</a>',
            _("待结算"), format_yuan(found.pending_fen), _("可提现"), format_yuan(found.balance_fen),
            _("提现中"), format_yuan(found.withdrawing_fen), _("已提现"), format_yuan(found.withdrawn_fen),
            url, _("佣金流水"),
        )  # fmt: skip

    def _set(self, request: HttpRequest, queryset: QuerySet[Promoter], status: str, done: str) -> None:
        changed = refused = 0
        for promoter in queryset.order_by("pk"):
            try:
                services.promoter_set_status(
                    shop=promoter.shop, promoter_id=promoter.pk, status=status, actor=_actor(request)
                )
            except ApplicationError:
                refused += 1
            else:
                changed += 1
        self.message_user(request, done % {"n": changed}, messages.SUCCESS if changed else messages.WARNING)
        if refused:
            self.message_user(
                request, _("%(n)s 位推广员当前状态不能这样处理，已跳过。") % {"n": refused}, messages.WARNING
            )

    @admin.action(description=gettext_lazy("通过申请 / 重新启用"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Promoter]) -> None:
        self._set(request, queryset, P.APPROVED, _("已通过 %(n)s 位推广员。"))

    @admin.action(description=gettext_lazy("拒绝申请"))
    def reject(self, request: HttpRequest, queryset: QuerySet[Promoter]) -> None:
        self._set(request, queryset, P.REJECTED, _("已拒绝 %(n)s 位的申请。"))

    @admin.action(description=gettext_lazy("停用推广员"))
    def disable(self, request: HttpRequest, queryset: QuerySet[Promoter]) -> None:
        self._set(
            request, queryset, P.DISABLED, _("已停用 %(n)s 位推广员：他们不再绑定新客户、不再获得新佣金。")
        )


@admin.register(Binding)
class BindingAdmin(ReadOnlyShopAdmin):
    list_display = ["customer_name", "promoter", "touched_at", "order_no", "created_at"]
    list_filter = ["shop"]
    search_fields = ["=order_no", "promoter__user__nickname"]
    list_select_related = ["customer", "promoter__user"]
    readonly_fields = (
        "customer_name",
        "promoter",
        "touched_at",
        "order_no",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields

    @admin.display(description=gettext_lazy("客户"))
    def customer_name(self, binding: Binding) -> str:
        return _name(binding.customer)


@admin.register(Commission)
class CommissionAdmin(ReadOnlyShopAdmin):
    """Commissions as fixed when their orders were placed (the rows never change), beside what
    refunds took back of them and what they are worth now: read from the ledger, in the list's
    one query (``selectors.commissions_with_figures``)."""

    list_display = [
        "order_link",
        "promoter",
        "level",
        "base",
        "amount",
        "taken_back",
        "current",
        "status",
        "settle_after",
        "created_at",
    ]
    list_filter = ["status", "level", "shop"]
    search_fields = ["=order__order_no", "promoter__user__nickname"]
    list_select_related = ["order", "promoter__user"]
    readonly_fields = (
        "order_link",
        "promoter",
        "level",
        "base",
        "amount",
        "taken_back",
        "current",
        "status",
        "detail",
        "entries",
        "settle_after",
        "settled_at",
        "created_at",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Commission]:
        return selectors.commissions_with_figures(super().get_queryset(request))

    @admin.display(description=gettext_lazy("订单"))
    def order_link(self, commission: Commission) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:orders_order_change", args=[commission.order_id]),
            commission.order.order_no,
        )

    @admin.display(description=gettext_lazy("计佣金额"), ordering="current_base_fen")
    def base(self, commission: Commission) -> str:
        now = int(getattr(commission, "current_base_fen", commission.base_fen))
        if now == commission.base_fen:
            return format_yuan(now)
        return _("%(now)s（原 %(was)s）") % {"now": format_yuan(now), "was": format_yuan(commission.base_fen)}

    @admin.display(description=gettext_lazy("原佣金"), ordering="amount_fen")
    def amount(self, commission: Commission) -> str:
        return format_yuan(commission.amount_fen)

    @admin.display(description=gettext_lazy("已扣回"), ordering="taken_back_fen")
    def taken_back(self, commission: Commission) -> str:
        taken = int(getattr(commission, "taken_back_fen", 0) or 0)
        return format_yuan(taken) if taken else "—"

    @admin.display(description=gettext_lazy("现佣金"), ordering="current_fen")
    def current(self, commission: Commission) -> str:
        if commission.status == Commission.Status.CANCELLED:
            return "—"  # the order was cancelled unpaid: it never earned
        return format_yuan(int(getattr(commission, "current_fen", commission.amount_fen)))

    @admin.display(description=gettext_lazy("佣金流水"))
    def entries(self, commission: Commission) -> str:
        if commission.pk is None:
            return "—"
        url = (
            reverse("admin:distribution_ledgerentry_changelist")
            + "?"
            + urlencode({"q": commission.order.order_no})
        )
        return format_html('<a href="{}">{}</a>', url, _("查看这笔订单的佣金流水"))

    @admin.display(description=gettext_lazy("计算明细"))
    def detail(self, commission: Commission) -> str:
        rows = [
            _("%(title)s：%(base)s × %(rate)s%%")
            % {
                "title": line.get("title", ""),
                "base": format_yuan(int(line.get("base_fen", 0))),
                "rate": f"{int(line.get('rate_bp', 0)) / 100:g}",
            }
            for line in commission.lines
        ]
        return "；".join(rows) + _("（合计向下取整到分）") if rows else "—"


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyShopAdmin):
    """The ledger, read-only for everyone (operators too): an entry is never changed or deleted."""

    list_display = ["created_at", "promoter", "kind", "bucket", "amount", "order_no", "note"]
    list_filter = ["kind", "bucket", "promoter", "shop"]
    search_fields = ["promoter__user__nickname", "=commission__order__order_no"]
    list_select_related = ["promoter__user", "commission__order"]
    readonly_fields = (
        "created_at",
        "promoter",
        "kind",
        "bucket",
        "amount",
        "order_no",
        "commission",
        "withdrawal",
        "note",
    )
    fields = readonly_fields

    @admin.display(description=gettext_lazy("订单"))
    def order_no(self, entry: LedgerEntry) -> str:
        if entry.commission is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:orders_order_change", args=[entry.commission.order_id]),
            entry.commission.order.order_no,
        )  # fmt: skip

    @admin.display(description=gettext_lazy("金额"), ordering="amount_fen")
    def amount(self, entry: LedgerEntry) -> str:
        return ("+" if entry.amount_fen > 0 else "") + format_yuan(entry.amount_fen)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_view_permission(request, obj)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("拒绝原因"), max_length=200, help_text=gettext_lazy("推广员能看到。")
    )


@admin.register(Withdrawal)
class WithdrawalAdmin(ShopScopedAdmin):
    """Withdrawals: approve (a 商家转账 to the promoter's WeChat balance) from the list or one
    request's page; reject from its page, with a reason (the amount goes back to the balance)."""

    list_display = ["created_at", "promoter", "amount", "status", "transfer_state", "handled_at", "reason"]
    list_filter = ["status", "shop"]
    search_fields = ["promoter__user__nickname"]
    list_select_related = ["promoter__user", "transfer"]
    actions = ["approve"]
    readonly_fields = (
        "promoter",
        "amount",
        "status",
        "balance",
        "transfer_state",
        "appid",
        "openid",
        "handled_by",
        "handled_at",
        "finished_at",
        "reason",
        "created_at",
    )
    fields = readonly_fields
    change_form_template = "distribution/admin/withdrawal_change_form.html"

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("提现金额"), ordering="amount_fen")
    def amount(self, withdrawal: Withdrawal) -> str:
        return format_yuan(withdrawal.amount_fen)

    @admin.display(description=gettext_lazy("微信转账"))
    def transfer_state(self, withdrawal: Withdrawal) -> str:
        transfer = withdrawal.transfer
        if transfer is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:payments_transfer_change", args=[transfer.pk]),
            transfer.get_state_display(),
        )  # fmt: skip

    @admin.display(description=gettext_lazy("推广员佣金"))
    def balance(self, withdrawal: Withdrawal) -> str:
        found = services.promoter_balances(promoter=withdrawal.promoter)
        return _("可提现 %(b)s · 待结算 %(p)s · 已提现 %(w)s") % {
            "b": format_yuan(found.balance_fen), "p": format_yuan(found.pending_fen),
            "w": format_yuan(found.withdrawn_fen),
        }  # fmt: skip

    @admin.action(description=gettext_lazy("同意并转账到微信零钱"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Withdrawal]) -> None:
        done = 0
        for withdrawal in queryset.order_by("pk"):
            try:
                services.withdrawal_approve(
                    shop=withdrawal.shop, withdrawal_id=withdrawal.pk, actor=_actor(request)
                )
            except ApplicationError as exc:
                self.message_user(
                    request, _("提现 %(pk)s：%(m)s") % {"pk": withdrawal.pk, "m": exc.message}, messages.ERROR
                )
            else:
                done += 1
        if done:
            self.message_user(
                request, _("已同意 %(n)s 笔提现，正在转账到微信零钱。") % {"n": done}, messages.SUCCESS
            )

    # -- deciding one request from its page -------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/approve/", wrap(self.approve_view), name="distribution_withdrawal_approve"),
            path("<int:pk>/reject/", wrap(self.reject_view), name="distribution_withdrawal_reject"),
            *super().get_urls(),
        ]

    def _decidable(self, request: HttpRequest, pk: int) -> Withdrawal:
        withdrawal = get_object_or_404(self.get_queryset(request).select_related("shop"), pk=pk)  # scoped
        if not self.has_change_permission(request, withdrawal):
            raise PermissionDenied
        return withdrawal

    def _back(self, withdrawal: Withdrawal) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:distribution_withdrawal_change", args=[withdrawal.pk]))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        withdrawal = (
            self.get_queryset(request).filter(pk=object_id).first() if str(object_id).isdigit() else None
        )
        decision = None
        if (
            withdrawal is not None
            and withdrawal.status == W.REQUESTED
            and self.has_change_permission(request, withdrawal)
        ):
            decision = {
                "approve_url": reverse("admin:distribution_withdrawal_approve", args=[withdrawal.pk]),
                "reject_url": reverse("admin:distribution_withdrawal_reject", args=[withdrawal.pk]),
                "amount": format_yuan(withdrawal.amount_fen),
                "reject_form": RejectForm(),
            }
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "decision": decision}
        )

    def approve_view(self, request: HttpRequest, pk: int) -> Any:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        withdrawal = self._decidable(request, pk)
        try:
            services.withdrawal_approve(
                shop=withdrawal.shop, withdrawal_id=withdrawal.pk, actor=_actor(request)
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(
                request, _("已同意提现 %(a)s，正在转账到推广员的微信零钱。") % {"a": format_yuan(withdrawal.amount_fen)},
                messages.SUCCESS,
            )  # fmt: skip
        return self._back(withdrawal)

    def reject_view(self, request: HttpRequest, pk: int) -> Any:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        withdrawal = self._decidable(request, pk)
        form = RejectForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            services.withdrawal_reject(
                shop=withdrawal.shop, withdrawal_id=withdrawal.pk, actor=_actor(request), reason=reason
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, _("已拒绝这笔提现，金额已退回推广员余额。"), messages.SUCCESS)
        return self._back(withdrawal)
