"""The merchant's group-buys (Chinese, own shop only: ``ShopScopedAdmin``): activities with a group
price per SKU, and the groups with their members and state (read-only: payments and the job move
them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import SKU
from core.money import format_yuan
from groupbuy.models import Group, GroupBuyActivity, GroupBuyItem, GroupMember
from shop.admin_base import ReadOnlyShopAdmin, ShopScopedAdmin, ShopScopedInline
from shop.formsets import ChineseInlineFormSet


class GroupBuyItemFormSet(ChineseInlineFormSet):
    """Each price is for a SKU of the activity's product, also on a new activity (whose rows
    cannot see it from their own validation yet)."""

    def clean(self) -> None:
        super().clean()
        product_id = getattr(self.instance, "product_id", None)
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            sku = data.get("sku")
            if sku is not None and product_id and not data.get("DELETE") and sku.product_id != product_id:
                form.add_error("sku", _("请选择本活动商品的规格。"))


def skus_without_price(request: HttpRequest, activity: GroupBuyActivity) -> list[SKU]:
    """The active SKUs of the activity's product that have no group price yet (once a request)."""
    key = (activity.pk, activity.product_id)
    cached = getattr(request, "_groupbuy_missing", None)
    if cached is None or cached[0] != key:
        priced = GroupBuyItem.objects.filter(activity_id=activity.pk).values("sku_id")
        skus = SKU.objects.filter(product_id=activity.product_id, is_active=True).exclude(pk__in=priced)
        cached = (key, list(skus.order_by("pk")))
        request._groupbuy_missing = cached  # type: ignore[attr-defined]
    return cached[1]


class GroupBuyItemInline(ShopScopedInline, admin.TabularInline):  # type: ignore[misc]  # as catalog's inlines
    """Once the activity is saved, its product's SKUs only, and a row ready for each active SKU
    without a group price (the SKU chosen, the price blank: a row left blank is not saved)."""

    model = GroupBuyItem
    formset = GroupBuyItemFormSet
    fields = ["sku", "sku_price", "group_price_fen"]
    readonly_fields = ["sku_price"]
    extra = 1
    verbose_name_plural = gettext_lazy(
        "拼团价格（保存活动后，商品的每个在售规格各列一行：填上拼团价即参加，留空的规格不参加）"
    )

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        if obj is not None and obj.pk and obj.product_id:
            return len(skus_without_price(request, obj))
        return self.extra

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        request._groupbuy_product_id = getattr(obj, "product_id", None)  # type: ignore[attr-defined]
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        product_id = getattr(request, "_groupbuy_product_id", None)
        if db_field.name == "sku" and field is not None and product_id:  # the activity's product only
            field.queryset = field.queryset.filter(product_id=product_id, is_active=True)
            field.label_from_instance = lambda sku: f"{sku.spec_text or sku} · {format_yuan(sku.price_fen)}"
        return field

    @admin.display(description=gettext_lazy("售价"))
    def sku_price(self, item: GroupBuyItem) -> str:
        sku: SKU | None = getattr(item, "sku", None) if item.sku_id else None
        return format_yuan(sku.price_fen) if sku is not None else "—"


@admin.register(GroupBuyActivity)
class GroupBuyActivityAdmin(ShopScopedAdmin):
    list_display = ["name", "product", "state_label", "group_size", "open_hours", "starts_at", "ends_at",
                    "per_user_limit", "group_count", "succeeded_count"]  # fmt: skip
    list_filter = ["is_active", "shop"]
    search_fields = ["name", "product__title"]
    list_select_related = ["product"]
    fields = ["shop", "name", "product", "group_size", "open_hours", "starts_at", "ends_at", "per_user_limit",
              "is_active"]  # fmt: skip
    inlines = [GroupBuyItemInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[GroupBuyActivity]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                group_count=Count("groups", filter=~Q(groups__status__in=["pending", "cancelled"])),
                succeeded_count=Count("groups", filter=Q(groups__status="succeeded")),
            )
        )

    def get_formset_kwargs(self, request: HttpRequest, obj: Any, inline: Any, prefix: str) -> dict[str, Any]:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, GroupBuyItemInline) and obj.pk and obj.product_id:  # the rows to fill in
            kwargs["initial"] = [{"sku": sku.pk} for sku in skus_without_price(request, obj)]
        return kwargs

    def response_add(self, request: HttpRequest, obj: GroupBuyActivity, post_url_continue: Any = None):
        """Saved without a price: straight on to the activity, a row ready for each SKU."""
        if IS_POPUP_VAR in request.POST or "_addanother" in request.POST or obj.items.exists():
            return super().response_add(request, obj, post_url_continue)
        self.message_user(
            request,
            _("活动已保存：已为商品的每个在售规格列出了一行，填上拼团价即可；留空的规格不参加拼团。"),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:groupbuy_groupbuyactivity_change", args=[obj.pk]))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and Group.objects.filter(activity=obj).exists():
            return False  # its groups and their orders refer to it: switch it off instead
        return super().has_delete_permission(request, obj)

    @admin.display(description=gettext_lazy("状态"))
    def state_label(self, obj: GroupBuyActivity) -> str:
        return obj.get_state_display()

    @admin.display(description=gettext_lazy("开团数"))
    def group_count(self, obj: GroupBuyActivity) -> int:
        return getattr(obj, "group_count", 0)

    @admin.display(description=gettext_lazy("成团数"))
    def succeeded_count(self, obj: GroupBuyActivity) -> int:
        return getattr(obj, "succeeded_count", 0)


MEMBER_FIELDS = ("user", "leader_label", "order_link", "quantity", "status", "joined_at", "refund_why",
                 "refund_after_sale_no", "created_at")  # fmt: skip
GROUP_FIELDS = ("group_no", "shop", "activity", "leader", "status", "seats", "open_hours", "opened_at",
                "expires_at", "finished_at", "created_at")  # fmt: skip


class GroupMemberInline(ShopScopedInline, admin.TabularInline):  # type: ignore[misc]
    """The group's members, read-only (who paid when, and each refund)."""

    model = GroupMember
    fields = MEMBER_FIELDS
    readonly_fields = MEMBER_FIELDS
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[GroupMember]:
        return super().get_queryset(request).select_related("user", "order")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("身份"))
    def leader_label(self, member: GroupMember) -> str:
        return _("团长") if member.is_leader else _("团员")

    @admin.display(description=gettext_lazy("订单"))
    def order_link(self, member: GroupMember) -> str:
        order = member.order
        return format_html(
            '<a href="{}">{}</a> {}',
            reverse("admin:orders_order_change", args=[order.pk]),
            order.order_no,
            order.get_status_display(),
        )


@admin.register(Group)
class GroupAdmin(ReadOnlyShopAdmin):
    list_display = [
        "group_no",
        "activity",
        "leader",
        "status",
        "seats",
        "opened_at",
        "expires_at",
        "finished_at",
    ]
    list_filter = ["status", "activity", "shop"]
    search_fields = ["=group_no"]
    list_select_related = ["activity", "leader"]
    fields = GROUP_FIELDS
    readonly_fields = GROUP_FIELDS
    inlines = [GroupMemberInline]

    @admin.display(description=gettext_lazy("已付款 / 成团人数"))
    def seats(self, group: Group) -> str:
        return f"{group.joined_count} / {group.size}"
