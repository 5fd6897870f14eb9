"""crm's members admin (the merchant back office, own shop only): 会员等级 (levels with their
discount; saving or deleting one puts every customer at the level their spend reaches now),
会员设置 (the points rules, one row per shop), 会员积分 (each customer's level and points, where
the merchant adjusts points with a reason) and 积分流水 (the ledger, read-only: it only grows)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.errors import ApplicationError
from core.integers import AsciiIntegerFormField
from core.money import format_yuan
from crm.models.members import Member, MemberLevel, MemberSettings, PointsEntry
from crm.selectors import members as selectors
from crm.services import members as services
from shop.admin_base import OnePerShopAdmin, ReadOnlyShopAdmin, ShopScopedAdmin

STACKING = gettext_lazy(
    "叠加规则：秒杀价、拼团价商品不享受会员折扣；其余商品先减优惠券，再按会员折扣计算（折扣金额向上取整到分，"
    "让利给顾客）；积分最后抵扣，按其他优惠之后的商品金额计算上限；运费不打折、不能用积分抵。"
)
LEVEL_RULE = gettext_lazy(
    "顾客的等级 = 累计消费（实付金额扣除退款）达到的最高门槛，付款、退款后自动调整（退款可能使等级下调）；"
    "保存或删除等级后，所有顾客按新的等级重新计算。"
)


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@admin.register(MemberLevel)
class MemberLevelAdmin(ShopScopedAdmin):
    list_display = ["name", "threshold", "discount", "shop"]
    list_filter = ["shop"]
    list_select_related = ["shop"]
    fieldsets = [
        (None, {"fields": ["shop", "name", "threshold_fen", "discount_percent"], "description": LEVEL_RULE}),
    ]

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = list(super().get_list_display(request))
        return [f for f in shown if f != "shop"] if self._hides_shop(request) else shown

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        extra = {**(extra_context or {}), "level_rule": LEVEL_RULE, "stacking": STACKING}
        return super().changelist_view(request, extra_context=extra)

    def changeform_view(self, request: HttpRequest, object_id: str | None = None, form_url: str = "",
                        extra_context: dict[str, Any] | None = None) -> Any:  # fmt: skip
        extra = {**(extra_context or {}), "stacking": STACKING}
        return super().changeform_view(request, object_id, form_url, extra_context=extra)

    @admin.display(description=gettext_lazy("累计消费门槛"), ordering="threshold_fen")
    def threshold(self, level: MemberLevel) -> str:
        return format_yuan(level.threshold_fen)

    @admin.display(description=gettext_lazy("会员折扣"), ordering="discount_percent")
    def discount(self, level: MemberLevel) -> str:
        return level.discount_label

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.member_levels_recompute(shop=obj.shop)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        shop = obj.shop
        super().delete_model(request, obj)
        services.member_levels_recompute(shop=shop)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[MemberLevel]) -> None:
        from shop.models import Shop

        shop_ids = set(queryset.values_list("shop_id", flat=True))
        super().delete_queryset(request, queryset)
        for shop in Shop.objects.filter(pk__in=shop_ids):
            services.member_levels_recompute(shop=shop)


@admin.register(MemberSettings)
class MemberSettingsAdmin(OnePerShopAdmin):
    """A shop has one (``OnePerShopAdmin``: no 增加 once every shop of the merchant has theirs)."""

    list_display = [
        "__str__",
        "points_enabled",
        "earn_per_yuan",
        "points_per_yuan",
        "max_percent",
        "expire_days",
    ]
    list_select_related = ["shop"]
    readonly_fields = ["after_sale_window", "stacking"]
    fieldsets = [
        (None, {"fields": ["shop", "points_enabled"]}),
        (gettext_lazy("获得积分"), {"fields": ["earn_per_yuan", "after_sale_window"]}),
        (gettext_lazy("使用积分"), {"fields": ["points_per_yuan", "max_percent", "stacking"]}),
        (gettext_lazy("积分有效期"), {"fields": ["expire_days"]}),
    ]

    @admin.display(description=gettext_lazy("冻结期"))
    def after_sale_window(self, obj: MemberSettings) -> str:
        if obj.pk is None or obj.shop_id is None:
            return _("订单完成后冻结，店铺的售后期结束后可用（售后天数在店铺设置中修改）。")
        return format_html(
            '{} <a href="{}">{}</a>',
            _("订单完成后冻结 %(d)s 天（店铺的售后期），期满且没有进行中的售后才可用。")
            % {"d": obj.shop.after_sale_days},
            reverse("admin:shop_shop_change", args=[obj.shop_id]),
            _("修改售后天数"),
        )

    @admin.display(description=gettext_lazy("叠加规则"))
    def stacking(self, obj: MemberSettings) -> str:
        return str(STACKING)


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyShopAdmin):
    """The ledger, read-only for everyone (operators too): an entry is never changed or deleted;
    a merchant's adjustment is a new entry (会员积分 → a customer → 调整积分)."""

    list_display = ["created_at", "customer", "kind", "available", "frozen", "order_link", "note", "actor"]
    list_filter = ["kind", "shop"]
    search_fields = ["profile__user__nickname", "=profile__user__username", "=order__order_no"]
    list_select_related = ["profile__user", "order", "actor"]
    readonly_fields = ("created_at", "customer", "kind", "available", "frozen", "order_link", "expires_at", "note",
                       "actor")  # fmt: skip
    fields = readonly_fields

    @admin.display(description=gettext_lazy("客户"))
    def customer(self, entry: PointsEntry) -> str:
        user = entry.profile.user
        name = user.display_name if user is not None else _("客户")
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:crm_member_change", args=[entry.profile_id]), name
        )

    @admin.display(description=gettext_lazy("订单"))
    def order_link(self, entry: PointsEntry) -> str:
        if entry.order_id is None or entry.order is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:orders_order_change", args=[entry.order_id]),
            entry.order.order_no,
        )

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        return lookup == "profile__id__exact" or super().lookup_allowed(lookup, value, request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_view_permission(request, obj)


class AdjustForm(forms.ModelForm):
    """A customer's page: nothing of the profile is edited; the two fields write one ledger entry."""

    adjust_points = AsciiIntegerFormField(
        label=gettext_lazy("调整积分"), required=False, min_value=-services.MAX_ADJUST, max_value=services.MAX_ADJUST,
        help_text=gettext_lazy("正数为增加，负数为扣减（扣减后可用积分不能为负）；不调整请留空。"),
    )  # fmt: skip
    adjust_reason = forms.CharField(
        label=gettext_lazy("调整原因"), required=False, max_length=200,
        help_text=gettext_lazy("必填，顾客在积分明细里能看到，例如“线下活动赠送”。"),
    )  # fmt: skip

    class Meta:
        model = Member
        fields: list[str] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        points = data.get("adjust_points")
        reason = (data.get("adjust_reason") or "").strip()
        if points in (None, 0):
            if reason:
                self.add_error("adjust_points", _("请填写要调整的积分（非 0 整数）。"))
            return data
        if not reason:
            self.add_error("adjust_reason", _("请填写调整原因。"))
        if points < 0 and self.instance.points_available + points < 0:
            self.add_error(
                "adjust_points",
                _("扣减后可用积分不能为负：这位客户最多可扣 %(n)s 积分。")
                % {"n": max(self.instance.points_available, 0)},
            )
        return data


@admin.register(Member)
class MemberAdmin(ShopScopedAdmin):
    """会员积分: every customer with their level and points; a customer's page adjusts their points
    (a ledger entry with the reason) and links to their history."""

    form = AdjustForm
    list_display = ["customer", "level", "spent", "points_available", "points_frozen", "history"]
    list_filter = [("level", admin.RelatedOnlyFieldListFilter), "shop"]
    search_fields = ["user__nickname", "=user__username", "=user__phone"]
    readonly_fields = ["customer", "level", "spent", "points_available", "points_frozen", "history"]
    fieldsets = [
        (None, {"fields": ["customer", "level", "spent", "points_available", "points_frozen", "history"]}),
        (gettext_lazy("调整积分"), {"fields": ["adjust_points", "adjust_reason"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.members_with_points(super().get_queryset(request))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # customers come from what shoppers do

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # their ledger refers to them

    @admin.display(description=gettext_lazy("客户"), ordering="user__nickname")
    def customer(self, member: Member) -> str:
        return member.user.display_name if member.user is not None else _("客户")

    @admin.display(description=gettext_lazy("累计消费"), ordering="spent_fen")
    def spent(self, member: Member) -> str:
        return format_yuan(member.spent_fen)

    @admin.display(description=gettext_lazy("积分流水"))
    def history(self, member: Member) -> str:
        if member.pk is None:
            return "—"
        url = reverse("admin:crm_pointsentry_changelist") + "?" + urlencode({"profile__id__exact": member.pk})
        return format_html('<a href="{}">{}</a>', url, _("查看"))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Never saves the profile: an adjustment is a ledger entry (``points_adjust``)."""
        points = form.cleaned_data.get("adjust_points")
        if not points:
            return
        try:
            services.points_adjust(
                shop=obj.shop, profile_id=obj.pk, points=points, reason=form.cleaned_data.get("adjust_reason", ""),
                actor=_actor(request),
            )  # fmt: skip
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(
                request,
                _("已为 %(name)s 调整 %(n)+d 积分。") % {"name": self.customer(obj), "n": points},
                messages.SUCCESS,
            )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # nothing of the profile is edited here

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None  # the ledger entry is the record of the change
