"""The merchant's flash-sale sessions and setting (Chinese, own shop only: ``ShopScopedAdmin``).
Imported by ``promotions/admin.py``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from promotions.flash.models import FlashItem, FlashSaleSettings, FlashSession
from shop.admin_base import OnePerShopAdmin, ShopScopedAdmin, ShopScopedInline


class FlashItemInline(ShopScopedInline, admin.TabularInline):  # type: ignore[misc]  # as catalog's inlines
    model = FlashItem
    fields = ["sku", "flash_price_fen", "quantity", "per_user_limit", "sold", "remaining"]
    readonly_fields = ["sold", "remaining"]
    extra = 1

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.stock_taken_at is not None:
            return False  # started: its units and orders refer to the items
        return super().has_delete_permission(request, obj)


@admin.register(FlashSession)
class FlashSessionAdmin(ShopScopedAdmin):
    list_display = [
        "name",
        "starts_at",
        "ends_at",
        "state_label",
        "item_count",
        "sold_total",
        "remaining_total",
        "is_active",
    ]
    list_filter = ["is_active", "shop"]
    search_fields = ["name"]
    fields = ["shop", "name", "starts_at", "ends_at", "is_active", "stock_taken_at", "stock_returned_at"]
    readonly_fields = ["stock_taken_at", "stock_returned_at"]
    inlines = [FlashItemInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[FlashSession]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                item_count=Count("items"),
                sold_total=Sum("items__sold"),
                remaining_total=Sum("items__remaining"),
            )
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.stock_taken_at is not None:
            return False  # started: orders refer to its items
        return super().has_delete_permission(request, obj)

    @admin.display(description=gettext_lazy("状态"))
    def state_label(self, obj: FlashSession) -> str:
        return obj.get_state_display()

    @admin.display(description=gettext_lazy("商品数"))
    def item_count(self, obj: FlashSession) -> int:
        return getattr(obj, "item_count", 0)

    @admin.display(description=gettext_lazy("已售"))
    def sold_total(self, obj: FlashSession) -> int:
        return getattr(obj, "sold_total", 0) or 0

    @admin.display(description=gettext_lazy("剩余"))
    def remaining_total(self, obj: FlashSession) -> str:
        if obj.stock_taken_at is None:
            return _("未开始")
        return str(getattr(obj, "remaining_total", 0) or 0)


@admin.register(FlashSaleSettings)
class FlashSaleSettingsAdmin(OnePerShopAdmin):
    list_display = ["__str__", "shop", "pay_minutes"]
    fields = ["shop", "pay_minutes"]
