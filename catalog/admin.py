"""The merchant's catalog back office: categories, products with images, specs and SKUs.

Every write goes through catalog.services: spec values keep their ids, the SKU matrix is generated
(never hand-assembled), prices and stock change through sku_update/skus_bulk_update and shelf
status through product_set_status, so admin can never store what the services would refuse.
"""

from __future__ import annotations

import re

from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog import services
from catalog.forms import ProductSpecForm, SkuBulkForm, SkuInlineForm
from catalog.models import (
    SKU,
    Category,
    LowStockAlert,
    Product,
    ProductImage,
    ProductSpec,
    StaffNotice,
    StockSettings,
)
from catalog.search import words as search_words
from catalog.search import words_q
from catalog.selectors import MAX_QUERY_TERMS
from core.errors import ApplicationError
from core.money import format_yuan_range
from shop.admin_base import (
    OnePerShopAdmin,
    ReadOnlyShopAdmin,
    ShopScopedAdmin,
    ShopScopedInline,
    is_operator,
    user_shop_ids,
)
from shop.admin_scale import LargeTablePaginator


def _threshold(data: dict):
    """The low-stock threshold a SKU form posted (blank: the shop's default), or "not on this form"."""
    return data.get("low_stock_threshold", services.UNSET)


def thumbnail(image: ProductImage | None, size: int = 48) -> str:
    if image is None or not image.image:
        return "—"
    return format_html(
        '<img src="{}" width="{}" height="{}" class="weishop-thumb" alt="">',
        image.list_url,
        size,
        size,
    )


def sku_image_field(field, product_id: int | None):
    """The image box of a SKU: the product's own pictures, numbered as the merchant sees them in
    the image list ("图片 1", "图片 2", ...), each with its thumbnail."""
    if field is None:
        return field
    images = field.queryset.filter(product_id=product_id).order_by("position", "id")  # already shop-scoped
    numbers = (
        {pk: n for n, pk in enumerate(images.values_list("pk", flat=True), start=1)} if product_id else {}
    )
    field.queryset = images if product_id else images.none()
    field.empty_label = _("不使用图片")
    field.label_from_instance = lambda image: format_html(
        '<img src="{}" width="32" height="32" alt="" class="weishop-thumb weishop-choice"> {}',
        image.list_url if image.image else "",
        _("图片 %(n)d") % {"n": numbers.get(image.pk, 0)},
    )
    field.widget = widgets.AdminRadioSelect(attrs={"class": "radiolist inline"})
    return field


@admin.register(Category)
class CategoryAdmin(ShopScopedAdmin):
    list_display = ["name", "parent", "position", "is_active", "product_count"]
    list_editable = ["position", "is_active"]
    list_filter = ["shop", "is_active"]
    search_fields = ["name"]
    fields = ["shop", "parent", "name", "position", "is_active"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent")

    @admin.display(description=gettext_lazy("商品数"))
    def product_count(self, category: Category) -> int:
        return category.products.count()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "parent" and field is not None:
            field.queryset = field.queryset.filter(parent__isnull=True)  # two levels at most
        return field


class ProductImageInline(ShopScopedInline, admin.TabularInline):
    model = ProductImage
    fields = ["preview", "image", "alt", "position"]
    readonly_fields = ["preview"]
    extra = 1
    ordering = ["position", "id"]

    @admin.display(description=gettext_lazy("预览"))
    def preview(self, image: ProductImage) -> str:
        if not image.pk:
            return thumbnail(image, 64)
        order = list(
            ProductImage.objects.filter(product_id=image.product_id)
            .order_by("position", "id")
            .values_list("pk", flat=True)
        )
        # the number a SKU's image choice shows ("图片 1")
        return format_html(
            "{}<br>{}", thumbnail(image, 64), _("图片 %(n)d") % {"n": order.index(image.pk) + 1}
        )


class ProductSpecInline(ShopScopedInline, admin.TabularInline):
    model = ProductSpec
    form = ProductSpecForm
    extra = 1
    ordering = ["position", "id"]
    verbose_name_plural = gettext_lazy("规格（例如 颜色：红 蓝；尺码：S M L），保存后自动生成 SKU")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("values")


class SkuInline(ShopScopedInline, admin.TabularInline):
    model = SKU
    form = SkuInlineForm
    fields = [
        "spec_text",
        "code",
        "price_fen",
        "stock",
        "low_stock_threshold",
        "image",
        "is_active",
        "sales_count",
    ]
    readonly_fields = ["spec_text", "sales_count"]
    extra = 0
    can_delete = False
    ordering = ["-is_active", "position", "id"]
    verbose_name_plural = gettext_lazy("SKU（价格、库存、编码；由规格自动生成）")

    def has_add_permission(self, request, obj=None):
        return False

    def get_formset(self, request, obj=None, **kwargs):
        request._sku_parent = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "image":
            parent = getattr(request, "_sku_parent", None)
            return sku_image_field(field, parent.pk if parent else None)
        return field


class StockFilter(admin.SimpleListFilter):
    title = gettext_lazy("库存")
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("soldout", _("已售罄")), ("low", _("库存紧张（≤5）"))]

    def queryset(self, request, queryset):
        if self.value() == "soldout":
            return queryset.filter(stock_total=0)
        if self.value() == "low":
            return queryset.filter(stock_total__gt=0, stock_total__lte=5)
        return queryset


class ShopCategoryFilter(admin.SimpleListFilter):
    """The category filter, listing only the merchant's own categories."""

    title = gettext_lazy("分类")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        categories = Category.objects.select_related("parent").order_by("parent_id", "position", "id")
        if not is_operator(request):
            categories = categories.filter(shop_id__in=user_shop_ids(request))
        return [(str(c.pk), str(c)) for c in categories]

    def queryset(self, request, queryset):
        if self.value() and re.fullmatch(r"[0-9]{1,18}", self.value()):
            pk = int(self.value())  # an id list, not an OR across a join: served by an index
            return queryset.filter(
                category__in=Category.objects.filter(Q(pk=pk) | Q(parent_id=pk)).values("pk")
            )
        return queryset


@admin.register(Product)
class ProductAdmin(ShopScopedAdmin):
    list_display = [
        "cover_preview",
        "title",
        "category",
        "price_range",
        "stock_total",
        "sales_count",
        "status",
        "is_featured",
    ]
    list_display_links = ["cover_preview", "title"]
    list_filter = ["shop", "status", ShopCategoryFilter, StockFilter, "is_featured"]
    search_fields = ["title", "keywords", "skus__code"]
    list_select_related = ["category", "category__parent", "cover"]
    list_per_page = 50
    # a big shop's catalog: counted up to 5,000, estimated above, the unfiltered list not counted again
    paginator = LargeTablePaginator
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["shop", "title", "subtitle", "category", "status", "is_featured", "position"]}),
        (gettext_lazy("搜索与详情"), {"fields": ["keywords", "description"]}),
        (
            gettext_lazy("汇总（自动计算）"),
            {"fields": ["price_summary", "stock_total", "sales_count", "published_at"]},
        ),
    ]
    readonly_fields = ["price_summary", "stock_total", "sales_count", "published_at"]
    inlines = [ProductImageInline, ProductSpecInline, SkuInline]
    actions = ["generate_skus", "put_on_shelf", "take_off_shelf"]
    change_form_template = "admin/catalog/product/change_form.html"

    def get_search_results(self, request, queryset, search_term):
        """Every word in the title or the keywords (on PostgreSQL through the gram index,
        catalog/search.py), or a SKU's whole code (its unique index): never a scan of the catalog
        and its SKUs."""
        for word in search_words(search_term)[:MAX_QUERY_TERMS]:
            skus = SKU.objects.filter(code=word)
            if not is_operator(request):
                skus = skus.filter(shop_id__in=user_shop_ids(request))
            by_code = list(skus.values_list("product_id", flat=True)[:100])
            queryset = queryset.filter(words_q(word, fields=("title", "keywords")) | Q(pk__in=by_code))
        return queryset, False

    @admin.display(description=gettext_lazy("封面"))
    def cover_preview(self, product: Product) -> str:
        return thumbnail(product.cover)

    @admin.display(description=gettext_lazy("价格"), ordering="price_min_fen")
    def price_range(self, product: Product) -> str:
        return (
            format_yuan_range(product.price_min_fen, product.price_max_fen)
            if product.stock_total or product.price_max_fen
            else "—"
        )

    @admin.display(description=gettext_lazy("价格区间"))
    def price_summary(self, product: Product) -> str:
        return format_yuan_range(product.price_min_fen, product.price_max_fen)

    # -- saving: status and specs go through the services -------------------------------------------

    def save_model(self, request, obj: Product, form, change: bool) -> None:
        wanted = obj.status
        if change:
            obj.status = Product.objects.values_list("status", flat=True).get(pk=obj.pk)
        else:
            obj.status = Product.Status.DRAFT
        request._wanted_status = wanted
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is ProductSpec:
            self._save_specs(request, form.instance, formset)
        elif formset.model is SKU:
            self._save_skus(request, formset)
        else:
            super().save_formset(request, form, formset, change)
            if formset.model is ProductImage:
                services.product_sync_summary(product=form.instance)

    def _save_specs(self, request, product: Product, formset) -> None:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        changed = False
        for spec_form in formset.forms:
            if not spec_form.has_changed() and spec_form.instance.pk:
                continue
            if not hasattr(spec_form, "cleaned_data") or not spec_form.cleaned_data:
                continue
            spec = spec_form.instance
            if spec_form.cleaned_data.get("DELETE"):
                if spec.pk:
                    spec.delete()
                    changed = True
                continue
            name = spec_form.cleaned_data["name"].strip()
            values = spec_form.cleaned_data["values_text"]
            position = spec_form.cleaned_data.get("position") or 0
            if spec.pk and spec.name != name:
                spec.name = name
                spec.save(update_fields=["name", "updated_at"])
            services.product_spec_set(product=product, name=name, values=values, position=position)
            changed = True
        request._specs_changed = changed

    def _save_skus(self, request, formset) -> None:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for sku_form in formset.forms:
            if not sku_form.has_changed():
                continue
            data = sku_form.cleaned_data
            sku = services.sku_update(
                sku=sku_form.instance, price_fen=data["price_fen"], stock=data["stock"], code=data.get("code", ""),
                is_active=data["is_active"], low_stock_threshold=_threshold(data),
            )  # fmt: skip
            if sku.image_id != (data["image"].pk if data.get("image") else None):
                SKU.objects.filter(pk=sku.pk).update(image=data.get("image"))

    def save_related(self, request, form, formsets, change: bool) -> None:
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            product = form.instance
            wants_matrix = "_generate_skus" in request.POST or getattr(request, "_specs_changed", False)
            if wants_matrix or not product.skus.exists():
                try:
                    self._report_matrix(request, services.product_generate_skus(product=product))
                except ApplicationError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
            services.product_sync_summary(product=product)
        wanted = getattr(request, "_wanted_status", None)
        if wanted and wanted != Product.objects.values_list("status", flat=True).get(pk=product.pk):
            try:
                services.product_set_status(product=product, status=wanted)
            except ApplicationError as exc:
                self.message_user(request, _("状态未修改：%(msg)s") % {"msg": exc.message}, messages.WARNING)
        product.refresh_from_db()

    def _report_matrix(self, request, result: services.SkuMatrixResult) -> None:
        if result.changed:
            self.message_user(
                request,
                _(
                    "SKU 已更新：新增 %(c)d 个，恢复 %(r)d 个，停用 %(d)d 个。新增的 SKU 库存为 0，请设置价格和库存。"
                )
                % {"c": len(result.created), "r": len(result.reactivated), "d": len(result.deactivated)},
                messages.SUCCESS,
            )

    def response_change(self, request, obj):
        if "_generate_skus" in request.POST:
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    # -- list actions ----------------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("生成 SKU 矩阵"))
    def generate_skus(self, request: HttpRequest, queryset) -> None:
        for product in queryset.order_by("pk"):
            try:
                result = services.product_generate_skus(product=product)
            except ApplicationError as exc:
                self.message_user(request, f"{product.title}：{exc.message}", messages.ERROR)
                continue
            if result.changed:
                self._report_matrix(request, result)
            else:
                self.message_user(
                    request, _("%(t)s：SKU 已是最新，无需更改。") % {"t": product.title}, messages.INFO
                )

    def _set_status(self, request, queryset, status: str) -> None:
        # ``queryset`` is already limited to the merchant's shops by ShopScopedAdmin.
        changed, errors = services.products_set_status(
            shop=None, product_ids=list(queryset.values_list("pk", flat=True)), status=status
        )
        if changed:
            self.message_user(request, _("已更新 %(n)d 个商品。") % {"n": changed}, messages.SUCCESS)
        for error in errors:
            self.message_user(request, error, messages.WARNING)

    @admin.action(description=gettext_lazy("上架所选商品"))
    def put_on_shelf(self, request, queryset) -> None:
        self._set_status(request, queryset, Product.Status.ON_SALE)

    @admin.action(description=gettext_lazy("下架所选商品"))
    def take_off_shelf(self, request, queryset) -> None:
        self._set_status(request, queryset, Product.Status.OFF_SHELF)


@admin.register(SKU)
class SKUAdmin(ShopScopedAdmin):
    list_display = [
        "product", "spec_text", "code", "price_fen", "stock", "low_stock_threshold", "is_active", "sales_count",
    ]  # fmt: skip
    list_display_links = ["spec_text"]
    list_editable = ["price_fen", "stock", "low_stock_threshold"]
    list_filter = ["shop", "is_active", "product__status"]
    search_fields = ["code", "product__title", "spec_text"]
    list_select_related = ["product"]
    list_per_page = 100
    fields = [
        "shop",
        "product",
        "spec_text",
        "code",
        "price_fen",
        "stock",
        "low_stock_threshold",
        "image",
        "is_active",
        "sales_count",
    ]
    readonly_fields = ["product", "spec_text", "sales_count"]
    form = SkuInlineForm
    actions = ["bulk_edit"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # SKUs come from a product's spec matrix

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # deactivate instead: orders refer to SKUs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "image" and field is not None:
            object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            product_id = (
                SKU.objects.filter(pk=object_id).values_list("product_id", flat=True).first()
                if object_id
                else None
            )
            return sku_image_field(field, product_id)
        return field

    def save_model(self, request, obj: SKU, form, change: bool) -> None:
        data = form.cleaned_data
        try:
            services.sku_update(
                sku=obj, price_fen=data.get("price_fen"), stock=data.get("stock"), code=data.get("code"),
                is_active=data.get("is_active"), low_stock_threshold=_threshold(data),
            )  # fmt: skip
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        if "image" in data and obj.image_id != (data["image"].pk if data["image"] else None):
            SKU.objects.filter(pk=obj.pk).update(image=data["image"])

    @admin.action(description=gettext_lazy("批量设置价格/库存"))
    def bulk_edit(self, request: HttpRequest, queryset):
        form = SkuBulkForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            try:  # ``queryset`` is already limited to the merchant's shops
                changed = services.skus_bulk_update(
                    shop=None, sku_ids=list(queryset.values_list("pk", flat=True)), **form.service_arguments()
                )
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return None
            self.message_user(request, _("已更新 %(n)d 个 SKU。") % {"n": changed}, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("批量设置价格/库存"),
            "form": form,
            "skus": queryset.select_related("product")[:200],
            "count": queryset.count(),
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "opts": self.model._meta,
            "action": "bulk_edit",
        }
        return TemplateResponse(request, "admin/catalog/sku/bulk_edit.html", context)


# -- Low stock (docs/after-sales.md#low-stock-alerts) -----------------------------------------------------


@admin.register(StockSettings)
class StockSettingsAdmin(OnePerShopAdmin):
    list_display = ["shop", "low_stock_threshold", "updated_at"]
    fields = ["shop", "low_stock_threshold"]

    def save_model(self, request, obj: StockSettings, form, change: bool) -> None:
        if not is_operator(request) and obj.shop_id not in user_shop_ids(request):
            obj.shop_id = user_shop_ids(request)[0]
        obj.pk = services.stock_settings_save(
            shop=obj.shop, low_stock_threshold=form.cleaned_data["low_stock_threshold"]
        ).pk


class UnsetFieldFilter(admin.SimpleListFilter):
    """A two-way filter on whether a time is still unset: "1" (``unset_label``, not resolved / not
    read yet) or "0" (``set_label``)."""

    field = ""
    unset_label: str | Promise = ""
    set_label: str | Promise = ""

    def lookups(self, request, model_admin):
        return [("1", self.unset_label), ("0", self.set_label)]

    def queryset(self, request, queryset):
        if self.value() in ("1", "0"):
            return queryset.filter(**{f"{self.field}__isnull": self.value() == "1"})
        return queryset


class OpenAlertFilter(UnsetFieldFilter):
    title = gettext_lazy("状态")
    parameter_name = "open"
    field = "resolved_at"
    unset_label, set_label = gettext_lazy("待补货"), gettext_lazy("已补货")


@admin.register(LowStockAlert)
class LowStockAlertAdmin(ReadOnlyShopAdmin):
    """The low-stock list: written by orders crossing a threshold, resolved by the merchant's refill
    (on the SKU's own page, linked from each row)."""

    list_display = ["sku_link", "stock", "threshold", "current_stock", "state", "created_at", "resolved_at"]
    list_filter = [OpenAlertFilter, "shop"]
    search_fields = ["sku__product__title", "sku__code", "sku__spec_text"]
    list_select_related = ["sku__product"]
    fields = ["shop", "sku_link", "stock", "threshold", "current_stock", "state", "created_at",
              "resolved_at", "resolved_stock"]  # fmt: skip
    readonly_fields = fields

    @admin.display(description=gettext_lazy("SKU（点击补货）"))
    def sku_link(self, obj: LowStockAlert):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:catalog_sku_change", args=[obj.sku_id]), str(obj.sku)
        )

    @admin.display(description=gettext_lazy("当前库存"))
    def current_stock(self, obj: LowStockAlert) -> int:
        return obj.sku.stock

    @admin.display(description=gettext_lazy("状态"))
    def state(self, obj: LowStockAlert) -> str:
        return _("待补货") if obj.is_open else _("已补货")


class UnreadFilter(UnsetFieldFilter):
    title = gettext_lazy("是否已读")
    parameter_name = "unread"
    field = "read_at"
    unset_label, set_label = gettext_lazy("未读"), gettext_lazy("已读")


@admin.register(StaffNotice)
class StaffNoticeAdmin(ReadOnlyShopAdmin):
    """站内消息: what the system tells a shop's staff (a low-stock alert, a complaint to answer, a
    platform warning). Staff accounts have no WeChat binding, so this inbox is where they read it."""

    list_display = ["title_link", "kind", "is_read", "created_at"]
    list_filter = [UnreadFilter, "kind", "shop"]
    search_fields = ["title"]
    fields = ["shop", "kind", "title", "body", "open_link", "created_at", "read_at"]
    readonly_fields = fields
    actions = ["mark_read"]

    @admin.display(description=gettext_lazy("标题"))
    def title_link(self, obj: StaffNotice):
        title = format_html("<b>{}</b>", obj.title) if obj.read_at is None else obj.title
        return format_html('<a href="{}">{}</a>', obj.link, title) if obj.link else title

    @admin.display(description=gettext_lazy("已读"), boolean=True)
    def is_read(self, obj: StaffNotice) -> bool:
        return obj.read_at is not None

    @admin.display(description=gettext_lazy("去处理"))
    def open_link(self, obj: StaffNotice):
        return format_html('<a href="{}">{}</a>', obj.link, _("打开")) if obj.link else "—"

    @admin.action(description=gettext_lazy("标为已读"))
    def mark_read(self, request, queryset) -> None:
        shop_ids = list(queryset.values_list("shop_id", flat=True).distinct())  # already the user's shops
        done = services.staff_notices_mark_read(
            shop_ids=shop_ids, notice_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(request, _("已将 %(n)d 条消息标为已读。") % {"n": done}, messages.SUCCESS)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:  # opened: it has been read
            notice = self.get_object(request, object_id)
            if notice is not None:
                services.staff_notices_mark_read(shop_ids=[notice.shop_id], notice_ids=[notice.pk])
        return response
