"""The catalog: a two-level category tree, products, their spec matrix and SKUs.

Rules (docs/architecture.md):
- Prices and stock live on SKUs only. A product with no specs has exactly one SKU (``spec_key=""``).
- A SKU is one combination of spec values; ``spec_key`` is the sorted, comma-joined ids of those
  values, so the same combination can exist only once per product (database constraint).
- ``Product.price_min_fen/price_max_fen/stock_total/cover`` are a summary of the active SKUs and
  images, kept in step by ``catalog.services.product_sync_summary`` so list pages need no joins.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.images import generate_thumbnails
from catalog.sanitize import sanitize_description
from catalog.search import search_grams
from core.models import TimeStampedModel
from core.money import MoneyField
from core.uploads import ImageUploadField
from shop.models import Shop


class Category(TimeStampedModel):
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="categories", verbose_name=_("店铺")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级分类"),
        help_text=_("留空为一级分类；分类最多两级。"),
    )
    name = models.CharField(_("名称"), max_length=32)
    position = models.PositiveIntegerField(_("排序"), default=0, help_text=_("数字小的在前"))
    is_active = models.BooleanField(_("显示"), default=True)

    class Meta:
        verbose_name = _("分类")
        verbose_name_plural = _("分类")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "parent", "name"], name="category_unique_name_in_parent"),
            models.UniqueConstraint(
                fields=["shop", "name"], condition=Q(parent__isnull=True), name="category_unique_top_name"
            ),
        ]

    def __str__(self) -> str:
        if self.parent_id and self.parent:
            return f"{self.parent.name} / {self.name}"
        return self.name

    def clean(self) -> None:
        if self.parent_id:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": _("分类不能是自己的上级。")})
            if self.parent.shop_id != self.shop_id:
                raise ValidationError({"parent": _("上级分类必须属于同一店铺。")})
            if self.parent.parent_id is not None:
                raise ValidationError({"parent": _("分类最多两级：请选择一个一级分类作为上级。")})
            if self.pk and self.children.exists():
                raise ValidationError({"parent": _("该分类已有子分类，不能再放到其他分类下面。")})


class Product(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ON_SALE = "on_sale", _("在售")
        OFF_SHELF = "off_shelf", _("已下架")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="products", verbose_name=_("店铺"))
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("分类"),
    )
    title = models.CharField(_("商品名称"), max_length=120)
    subtitle = models.CharField(_("卖点"), max_length=200, blank=True)
    keywords = models.CharField(
        _("搜索关键词"), max_length=200, blank=True, help_text=_("用空格分隔，帮助顾客搜到")
    )
    description = models.TextField(
        _("商品详情"),
        blank=True,
        help_text=_("支持简单格式（段落、加粗、列表、图片）；脚本等不安全内容会被自动移除。"),
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    is_featured = models.BooleanField(_("首页推荐"), default=False, help_text=_("出现在店铺首页的推荐横幅中"))
    position = models.IntegerField(_("排序"), default=0)
    published_at = models.DateTimeField(_("首次上架时间"), null=True, blank=True, editable=False)

    # Summary of SKUs and images (see catalog.services.product_sync_summary).
    price_min_fen = MoneyField(_("最低价"), default=0, editable=False)
    price_max_fen = MoneyField(_("最高价"), default=0, editable=False)
    stock_total = models.PositiveIntegerField(_("总库存"), default=0, editable=False)
    sales_count = models.PositiveIntegerField(_("销量"), default=0, editable=False)
    # Every character and character pair of title, subtitle and keywords (catalog/search.py), kept
    # by save(); PostgreSQL searches it through a GIN index.
    search_grams = models.TextField(_("搜索索引"), blank=True, default="", editable=False)
    cover = models.ForeignKey(
        "ProductImage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("封面"),
    )

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        ordering = ["position", "-id"]
        indexes = [
            models.Index(fields=["shop", "status", "-sales_count"], name="product_bestsellers"),
            models.Index(fields=["shop", "status", "-published_at"], name="product_new_arrivals"),
            models.Index(fields=["shop", "status", "price_min_fen"], name="product_by_price"),
            models.Index(fields=["shop", "category", "status"], name="product_by_category"),
            # the list pages' default order (selectors.ORDERINGS) and price high to low
            models.Index(
                fields=["shop", "status", "position", "-published_at", "-id"], name="product_default_order"
            ),
            models.Index(fields=["shop", "status", "-price_max_fen"], name="product_by_price_desc"),
            # the home banner (selectors.shop_home) and the merchant's list (Meta.ordering)
            models.Index(
                fields=["shop", "position", "-id"],
                condition=Q(is_featured=True, status="on_sale"),
                name="product_featured",
            ),
            models.Index(fields=["shop", "position", "-id"], name="product_admin_order"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # Sanitizing on every save means no path (admin, API, shell, fixtures) can store a script.
        self.description = sanitize_description(self.description)
        self.search_grams = search_grams(self.title, self.subtitle, self.keywords)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"title", "subtitle", "keywords"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_grams"}
        super().save(*args, **kwargs)

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.ON_SALE

    @property
    def is_sold_out(self) -> bool:
        return self.stock_total == 0


class ProductImage(TimeStampedModel):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("商品")
    )
    image = ImageUploadField(
        _("图片"),
        upload_to="products/%Y/%m/",
        width_field="width",
        height_field="height",
        help_text=_("JPG、PNG、WebP 或 GIF，不超过 5 MB，宽高 100–6000 像素；会自动生成缩略图。"),
    )
    width = models.PositiveIntegerField(_("宽度（像素）"), default=0, editable=False)
    height = models.PositiveIntegerField(_("高度（像素）"), default=0, editable=False)
    thumb_list = models.ImageField(_("列表缩略图"), upload_to="thumbs/list/", blank=True, editable=False)
    thumb_detail = models.ImageField(_("详情缩略图"), upload_to="thumbs/detail/", blank=True, editable=False)
    alt = models.CharField(_("图片说明"), max_length=120, blank=True)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("商品图片")
        verbose_name_plural = _("商品图片")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt or gettext("图片 %(n)d") % {"n": self.position + 1}

    def save(self, *args, **kwargs) -> None:
        if self.product_id and not self.shop_id:
            self.shop_id = self.product.shop_id
        if self.image and (not self.thumb_list or not self.thumb_detail or self._image_changed()):
            generate_thumbnails(self)
        super().save(*args, **kwargs)

    def _image_changed(self) -> bool:
        if not self.pk:
            return True
        previous = ProductImage.objects.filter(pk=self.pk).values_list("image", flat=True).first()
        return previous != self.image.name

    @property
    def list_url(self) -> str:
        return (self.thumb_list or self.image).url

    @property
    def detail_url(self) -> str:
        return (self.thumb_detail or self.image).url


class ProductSpec(TimeStampedModel):
    """A spec dimension of one product, e.g. 颜色 or 尺码, with its ordered values."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="specs", verbose_name=_("商品")
    )
    name = models.CharField(_("规格名"), max_length=16)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("规格")
        verbose_name_plural = _("规格")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["product", "name"], name="spec_unique_name")]

    def __str__(self) -> str:
        return self.name


class SpecValue(TimeStampedModel):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    spec = models.ForeignKey(
        ProductSpec, on_delete=models.CASCADE, related_name="values", verbose_name=_("规格")
    )
    value = models.CharField(_("规格值"), max_length=32)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("规格值")
        verbose_name_plural = _("规格值")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["spec", "value"], name="spec_value_unique")]

    def __str__(self) -> str:
        return self.value


class SKU(TimeStampedModel):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="skus", verbose_name=_("店铺"))
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="skus", verbose_name=_("商品")
    )
    spec_key = models.CharField(_("规格组合"), max_length=255, blank=True, editable=False)
    spec_text = models.CharField(_("规格"), max_length=255, blank=True, editable=False)
    code = models.CharField(_("商品编码"), max_length=64, blank=True)
    price_fen = MoneyField(_("价格（元）"), default=0)
    stock = models.PositiveIntegerField(_("库存"), default=0)
    image = models.ForeignKey(
        ProductImage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("规格图片"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sales_count = models.PositiveIntegerField(_("销量"), default=0, editable=False)
    position = models.PositiveIntegerField(_("排序"), default=0, editable=False)
    low_stock_threshold = models.PositiveIntegerField(
        _("库存预警值"),
        null=True,
        blank=True,
        help_text=_("下单后库存降到该数量或以下时提醒；留空使用店铺默认值，0 表示不提醒。"),
    )

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKU")
        ordering = ["product_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "spec_key"], name="sku_unique_combination"),
            models.UniqueConstraint(
                fields=["shop", "code"], condition=~Q(code=""), name="sku_unique_code_in_shop"
            ),
            models.CheckConstraint(condition=Q(stock__gte=0), name="sku_stock_not_negative"),
            models.CheckConstraint(condition=Q(price_fen__gte=0), name="sku_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product.title} {self.spec_text}".strip() if self.product_id else self.spec_text

    @property
    def spec_value_ids(self) -> list[int]:
        return [int(part) for part in self.spec_key.split(",") if part]

    @property
    def is_available(self) -> bool:
        return self.is_active and self.stock > 0


# -- Low stock (docs/after-sales.md#low-stock-alerts) ----------------------------------------------------

#: the shop default when a shop has no 库存设置 row yet
DEFAULT_LOW_STOCK_THRESHOLD = 5


class StockSettings(TimeStampedModel):
    """A shop's stock settings (one row per shop): the default low-stock threshold of its SKUs."""

    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, related_name="stock_settings", verbose_name=_("店铺")
    )
    low_stock_threshold = models.PositiveIntegerField(
        _("默认库存预警值"),
        default=DEFAULT_LOW_STOCK_THRESHOLD,
        help_text=_("顾客下单后某个 SKU 的库存降到该数量或以下时提醒店铺；0 表示不提醒。单个 SKU 可另设。"),
    )

    class Meta:
        verbose_name = _("库存设置")
        verbose_name_plural = _("库存设置")

    def __str__(self) -> str:
        return gettext("%(shop)s 的库存设置") % {"shop": self.shop}


class LowStockAlert(TimeStampedModel):
    """An order took a SKU's stock down to its threshold or below. One open alert per SKU at most
    (a partial unique constraint); the merchant's refill above the threshold resolves it."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    sku = models.ForeignKey(
        SKU, on_delete=models.CASCADE, related_name="low_stock_alerts", verbose_name=_("SKU")
    )
    stock = models.PositiveIntegerField(_("预警时库存"))
    threshold = models.PositiveIntegerField(_("预警值"))
    resolved_at = models.DateTimeField(_("补货时间"), null=True, blank=True)
    resolved_stock = models.PositiveIntegerField(_("补货后库存"), null=True, blank=True)

    class Meta:
        verbose_name = _("库存预警")
        verbose_name_plural = _("库存预警")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sku"], condition=Q(resolved_at__isnull=True), name="low_stock_alert_one_open"
            )
        ]

    def __str__(self) -> str:
        return gettext("%(sku)s 库存仅剩 %(n)d") % {"sku": self.sku, "n": self.stock}

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class StaffNotice(TimeStampedModel):
    """A message to a shop's staff in admin (站内消息): there is no WeChat binding for staff
    accounts, so the back office is where staff are told (a low-stock alert, a complaint to answer)."""

    class Kind(models.TextChoices):
        LOW_STOCK = "low_stock", _("库存预警")
        COMPLAINT = "complaint", _("顾客投诉")
        WARNING = "warning", _("平台警告")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=255, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["shop", "read_at"], name="staff_notice_unread")]

    def __str__(self) -> str:
        return self.title
