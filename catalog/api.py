"""The catalog API for the mini-program: shop info, category tree, product list/detail, SKU lookup.

Read-only and public (no authentication is looked at; every write method is a 405). Views are thin:
resolve the shop, call one selector, serialize. Serializers are plain and explicit and never query:
the list runs a fixed number of queries whatever the page size, the detail whatever the number of
SKUs (tests/api/test_catalog_api.py). Answers are cached per shop storefront version (shop.cache).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import Category, Product, ProductImage
from catalog.selectors import (
    ORDERINGS,
    category_get_public,
    category_tree,
    product_get_public,
    product_list,
    product_sku_matrix,
    shop_home,
    sku_find_by_spec_values,
)
from core.api.errors import ErrorSerializer
from core.api.pagination import CappedCountPagination
from core.api.renderers import JSONRenderer
from core.errors import NotFoundError
from shop.api import ShopAPIView
from shop.cache import storefront_lookup, storefront_store
from shop.models import Shop

FEN = "Integer number of fen (CNY cents): 5900 = ¥59.00."
PUBLIC_ORDERINGS = [key for key in ORDERINGS if key != "default"]
MAX_Q_LENGTH = 50
# ASCII digits only: str.isdigit() also accepts "²", which int() refuses. Ids longer than 19 digits
# are beyond any primary key, so they are treated as 0, which matches nothing.
ID_RE = re.compile(r"[0-9]+")
MAX_ID_DIGITS = 19


# --- schema helpers --------------------------------------------------------------------------


def error(description: str) -> OpenApiResponse:
    """An error response in the one shared shape; ``description`` lists the codes it can carry."""
    return OpenApiResponse(ErrorSerializer, description=description)


SHOP_NOT_FOUND = "`shop_not_found`: no open shop has this handle."
PRODUCT_NOT_FOUND = (
    f"{SHOP_NOT_FOUND} `product_not_found`: no product on shelf with this id in this shop "
    "(unknown, draft, off the shelf, or another shop's)."
)
SHOP_PARAM = OpenApiParameter(
    "shop_slug", str, OpenApiParameter.PATH, description="The shop's handle, e.g. `demo`."
)
PRODUCT_PARAM = OpenApiParameter(
    "product_id", int, OpenApiParameter.PATH, description="A product id from the product list."
)


def _absolute_url_builder(request: Request) -> Callable[[str | None], str | None]:
    """Turns media paths into absolute URLs (a mini-program cannot load a relative one). The origin is
    worked out once per request rather than once per image."""
    origin = request.build_absolute_uri("/").rstrip("/")

    def absolute(url: str | None) -> str | None:
        if not url:
            return None
        return origin + url if url.startswith("/") else url

    return absolute


def _parse_id(raw: str, *, field: str, message: str) -> int:
    if not ID_RE.fullmatch(raw):
        raise ValidationError({field: [message]})
    return int(raw) if len(raw) <= MAX_ID_DIGITS else 0


# --- serializers (output only) ---------------------------------------------------------------


class ImageUrlsSerializer(serializers.Serializer):
    list = serializers.URLField(help_text="Absolute URL of the 360×360 thumbnail, for lists.")
    detail = serializers.URLField(help_text="Absolute URL of the 750×750 picture, for the product page.")


class ShopSerializer(serializers.Serializer):
    slug = serializers.SlugField(help_text="The shop's handle, as in the URL.")
    name = serializers.CharField()
    intro = serializers.CharField(help_text="One-line introduction; may be empty.")
    logo = serializers.SerializerMethodField()
    verified = serializers.BooleanField(
        source="is_verified",
        help_text="True only when the platform has verified the business details below.",
    )
    company_name = serializers.CharField(help_text="Registered name of the business; may be empty.")
    licence_no = serializers.CharField(help_text="Business licence number (统一社会信用代码); may be empty.")
    business_address = serializers.CharField(help_text="May be empty.")
    service_phone = serializers.CharField(help_text="Customer-service phone number; may be empty.")
    return_policy = serializers.CharField(help_text="The shop's return policy, plain text; may be empty.")

    @extend_schema_field(serializers.URLField(allow_null=True, help_text="Absolute URL, or null."))
    def get_logo(self, shop: Shop) -> str | None:
        return self.context["absolute"](shop.logo.url if shop.logo else None)


class SubCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Use as `?category=` on the product list.")
    name = serializers.CharField()
    children = SubCategorySerializer(
        many=True, source="visible_children", help_text="Second-level categories, in the merchant's order."
    )


# The columns the list serializer reads: the list query loads nothing else (not the description).
PRODUCT_LIST_COLUMNS = (
    "id", "title", "subtitle", "category", "price_min_fen", "price_max_fen", "stock_total", "sales_count",
    "published_at", "cover__id", "cover__image", "cover__width", "cover__height", "cover__thumb_list",
    "cover__thumb_detail",
)  # fmt: skip


class ProductListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    subtitle = serializers.CharField(help_text="Selling point; may be empty.")
    category_id = serializers.IntegerField(allow_null=True, help_text="Null when uncategorized.")
    price_min_fen = serializers.IntegerField(help_text=f"Lowest price of the active SKUs. {FEN}")
    price_max_fen = serializers.IntegerField(help_text=f"Highest price of the active SKUs. {FEN}")
    stock_total = serializers.IntegerField(help_text="Units in stock over all active SKUs.")
    sold_out = serializers.BooleanField(source="is_sold_out", help_text="True when `stock_total` is 0.")
    sales_count = serializers.IntegerField(help_text="Units sold so far.")
    cover = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(
        allow_null=True, help_text="When the product first went on sale (Asia/Shanghai)."
    )

    @extend_schema_field(ImageUrlsSerializer(allow_null=True))
    def get_cover(self, product: Product) -> dict[str, Any] | None:
        return _image_urls(self.context["absolute"], product.cover)


def _image_urls(absolute: Callable[[str | None], str | None], image: ProductImage | None) -> dict | None:
    if image is None:
        return None
    return {"list": absolute(image.list_url), "detail": absolute(image.detail_url)}


class ProductImageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    list = serializers.URLField(help_text="Absolute URL of the 360×360 thumbnail.")
    detail = serializers.URLField(help_text="Absolute URL of the 750×750 picture.")
    width = serializers.IntegerField(help_text="Width of the original upload, in pixels.")
    height = serializers.IntegerField(help_text="Height of the original upload, in pixels.")


class SpecValueSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Use in `spec_value_ids` and `?spec_values=`.")
    value = serializers.CharField(help_text="e.g. 红")


class SpecSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="e.g. 颜色")
    values = SpecValueSerializer(many=True, help_text="In the merchant's order.")


class SkuSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Send as `sku_id` to the cart and checkout.")
    spec_value_ids = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="One value id per spec; empty for a product without specs.",
    )
    spec_text = serializers.CharField(help_text="e.g. `颜色:红 尺码:M`; empty for a product without specs.")
    code = serializers.CharField(help_text="The merchant's SKU code; may be empty.")
    price_fen = serializers.IntegerField(help_text=FEN)
    stock = serializers.IntegerField(help_text="Units in stock; 0 = sold out.")
    image = serializers.URLField(
        allow_null=True, help_text="Absolute URL of the SKU's own picture (750×750), or null."
    )


def _sku_data(sku: dict[str, Any], absolute: Callable[[str | None], str | None]) -> dict[str, Any]:
    """A row of ``product_sku_matrix`` as the API shows it."""
    return {
        "id": sku["id"],
        "spec_value_ids": sku["spec_value_ids"],
        "spec_text": sku["spec_text"],
        "code": sku["code"],
        "price_fen": sku["price_fen"],
        "stock": sku["stock"],
        "image": absolute(sku["image"]),
    }


class ProductDetailSerializer(ProductListSerializer):
    description = serializers.CharField(
        help_text="Sanitized HTML (paragraphs, simple formatting, lists and images only); may be empty."
    )
    images = serializers.SerializerMethodField()
    specs = serializers.SerializerMethodField()
    skus = serializers.SerializerMethodField()

    @extend_schema_field(ProductImageSerializer(many=True))
    def get_images(self, product: Product) -> list[dict[str, Any]]:
        absolute = self.context["absolute"]
        return [
            {
                "id": image.pk,
                "list": absolute(image.list_url),
                "detail": absolute(image.detail_url),
                "width": image.width,
                "height": image.height,
            }
            for image in product.images.all()
        ]

    @extend_schema_field(SpecSerializer(many=True))
    def get_specs(self, product: Product) -> list[dict[str, Any]]:
        return [
            {
                "id": spec.pk,
                "name": spec.name,
                "values": [{"id": value.pk, "value": value.value} for value in spec.values.all()],
            }
            for spec in product.specs.all()
        ]

    @extend_schema_field(SkuSerializer(many=True, help_text="Every active SKU, in the merchant's order."))
    def get_skus(self, product: Product) -> list[dict[str, Any]]:
        absolute = self.context["absolute"]
        return [_sku_data(sku, absolute) for sku in product_sku_matrix(product)]


class ShopHomeSerializer(serializers.Serializer):
    shop = ShopSerializer(help_text="The shop's profile, as `GET /shops/{shop_slug}/`.")
    banner = ProductListSerializer(
        many=True, help_text="The merchant's featured products (at most 5), for the banner."
    )
    categories = CategorySerializer(many=True, help_text="The category tree, as `GET …/categories/`.")
    new_arrivals = ProductListSerializer(many=True, help_text="新品: the newest products (at most 6).")
    best_sellers = ProductListSerializer(
        many=True, help_text="热销: the best-selling products (at most 6), best first."
    )


# --- views -----------------------------------------------------------------------------------


class ShopScopedView(ShopAPIView):
    """Resolves ``shop_slug`` to an open shop (404 ``shop_not_found`` otherwise) and serves GETs
    from the storefront cache (shop.cache: keyed by the shop's storefront version and the full URL).
    The catalog is public: no authentication is looked at."""

    authentication_classes: list = []
    permission_classes: list = []

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["absolute"] = _absolute_url_builder(self.request)
        return context

    def cached_json(
        self,
        request: Request,
        build: Callable[[], Any],
        *,
        product_id: int | None = None,
        shows_stock: bool = False,
    ) -> HttpResponse:
        """The answer from the cache in one read (the shop is looked up only to build it): keyed by the
        full URL, the shop's version, and the product's own page version (``product_id``: a detail)
        or the orders' stock stamp (``shows_stock``: a list)."""
        slug = self.kwargs["shop_slug"]
        parts = ("api", request.build_absolute_uri())
        lookup = storefront_lookup(slug, parts, product_id=product_id, shows_stock=shows_stock)
        if lookup.hit:
            body = lookup.value
        else:
            self.get_shop()  # 404 shop_not_found before a version or an entry is made
            body = storefront_store(lookup, lambda: JSONRenderer().render(build()))
        return HttpResponse(body, content_type="application/json")


@extend_schema_view(
    get=extend_schema(
        tags=["shop"],
        operation_id="shop_retrieve",
        summary="Shop profile",
        parameters=[SHOP_PARAM],
        responses={200: ShopSerializer, 404: error(SHOP_NOT_FOUND)},
    )
)
class ShopDetailView(ShopScopedView):
    """The shop's public profile and its business details; `verified` says whether the platform has
    checked them. Show them on the shop page so shoppers know whom they buy from."""

    serializer_class = ShopSerializer
    queryset = Shop.objects.none()  # for the schema generator only

    def get(self, request: Request, shop_slug: str) -> HttpResponse:
        return self.cached_json(request, lambda: self.get_serializer(self.get_shop()).data)


@extend_schema_view(
    get=extend_schema(
        tags=["catalog"],
        operation_id="categories_list",
        summary="Category tree",
        parameters=[SHOP_PARAM],
        responses={200: CategorySerializer(many=True), 404: error(SHOP_NOT_FOUND)},
    )
)
class CategoryTreeView(ShopScopedView):
    """The visible two-level category tree, in the merchant's order. Not paginated."""

    serializer_class = CategorySerializer
    pagination_class = None
    queryset = Category.objects.none()  # for the schema generator only

    def get(self, request: Request, shop_slug: str) -> HttpResponse:
        return self.cached_json(
            request, lambda: self.get_serializer(category_tree(shop=self.get_shop()), many=True).data
        )


@extend_schema_view(
    get=extend_schema(
        tags=["catalog"],
        operation_id="shop_home",
        summary="Shop home",
        parameters=[SHOP_PARAM],
        responses={200: ShopHomeSerializer, 404: error(SHOP_NOT_FOUND)},
    )
)
class ShopHomeView(ShopScopedView):
    """Everything the shop's home shows, in one call: the shop's profile, the banner (featured
    products), the category tree, new arrivals and best sellers (the H5 home's sections)."""

    serializer_class = ShopHomeSerializer
    queryset = Shop.objects.none()  # for the schema generator only

    def get(self, request: Request, shop_slug: str) -> HttpResponse:
        def build() -> Any:
            shop = self.get_shop()
            home = shop_home(shop=shop)
            data = {
                "shop": shop, "banner": home["featured"], "categories": home["categories"],
                "new_arrivals": home["new_arrivals"], "best_sellers": home["best_sellers"],
            }  # fmt: skip
            return self.get_serializer(data).data

        return self.cached_json(request, build)


ORDERING_HELP = (
    "`sales`: best sellers first; `new`: newest first; `price`: cheapest first; `-price`: dearest "
    "first. Without it: the merchant's own order."
)


@extend_schema_view(
    get=extend_schema(
        tags=["catalog"],
        operation_id="products_list",
        summary="Product list",
        parameters=[
            SHOP_PARAM,
            OpenApiParameter(
                "category",
                {"type": "integer", "minimum": 1},
                description="A category id from the category tree; a top-level category includes its children.",
            ),
            OpenApiParameter(
                "q",
                str,
                description=(
                    "Search words, separated by spaces (Chinese works: `纯棉` finds `纯棉T恤`); every word "
                    f"must appear in the title, selling point or keywords. At most {MAX_Q_LENGTH} characters "
                    "are used."
                ),
            ),
            OpenApiParameter("ordering", str, enum=PUBLIC_ORDERINGS, description=ORDERING_HELP),
        ],
        responses={
            200: ProductListSerializer(many=True),
            400: error("`invalid`: a malformed `category`, `ordering` or `page_size`; `fields` says which."),
            404: error(
                f"{SHOP_NOT_FOUND} `category_not_found`: no visible category with this id in this shop. "
                "`not_found`: a page past the last one, or a `page` that is not a whole number."
            ),
        },
    )
)
class ProductListView(ShopScopedView, generics.ListAPIView):
    """Products on shelf, paginated (`?page=`, `?page_size=` from 1 to 100, default 20)."""

    serializer_class = ProductListSerializer
    filter_backends: list = []
    pagination_class = CappedCountPagination  # a big shop's list counts at most 10,001 rows

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        parent = super().list
        return self.cached_json(request, lambda: parent(request, *args, **kwargs).data, shows_stock=True)

    def get_queryset(self) -> QuerySet[Product]:
        params = self.request.query_params
        ordering = params.get("ordering")
        if ordering is not None and ordering not in PUBLIC_ORDERINGS:
            raise ValidationError({"ordering": [f"must be one of: {', '.join(PUBLIC_ORDERINGS)}"]})
        category = None
        if "category" in params:
            category_id = _parse_id(params["category"], field="category", message="must be a category id")
            category = category_get_public(shop=self.get_shop(), category_id=category_id)
        queryset = product_list(
            shop=self.get_shop(),
            category=category,
            q=params.get("q", "")[:MAX_Q_LENGTH],
            ordering=ordering or "default",
        )
        return queryset.only(*PRODUCT_LIST_COLUMNS)


@extend_schema_view(
    get=extend_schema(
        tags=["catalog"],
        operation_id="products_retrieve",
        summary="Product detail",
        parameters=[SHOP_PARAM, PRODUCT_PARAM],
        responses={200: ProductDetailSerializer, 404: error(PRODUCT_NOT_FOUND)},
    )
)
class ProductDetailView(ShopScopedView):
    """A product on shelf with its description, images, specs (names and values) and every active
    SKU. To pick a SKU: one value per spec; the SKU is the entry of `skus` whose `spec_value_ids`
    holds exactly those ids (or ask `…/sku/?spec_values=`)."""

    serializer_class = ProductDetailSerializer
    queryset = Product.objects.none()  # for the schema generator only

    def get(self, request: Request, shop_slug: str, product_id: int) -> HttpResponse:
        return self.cached_json(
            request,
            lambda: self.get_serializer(product_get_public(shop=self.get_shop(), product_id=product_id)).data,
            product_id=product_id,
        )


SPEC_VALUES_MESSAGE = "comma-separated spec value ids are required, e.g. 3,7"
SPEC_VALUES_PATTERN = r"^[0-9]+(,[0-9]+)*$"
SPEC_VALUES_RE = re.compile(SPEC_VALUES_PATTERN.strip("^$"))


@extend_schema_view(
    get=extend_schema(
        tags=["catalog"],
        operation_id="products_sku_lookup",
        summary="SKU for a combination of spec values",
        parameters=[
            SHOP_PARAM,
            PRODUCT_PARAM,
            OpenApiParameter(
                "spec_values",
                {"type": "string", "pattern": SPEC_VALUES_PATTERN},
                required=True,
                description=(
                    "Comma-separated spec value ids (no spaces), exactly one per spec of the product, in "
                    "any order, e.g. `3,7`. A product without specs has no values to give: use its only SKU from "
                    "the product detail."
                ),
            ),
        ],
        responses={
            200: SkuSerializer,
            400: error(
                "`invalid`: `spec_values` is missing or malformed, repeats an id, or does not give "
                "exactly one value per spec."
            ),
            404: error(f"{PRODUCT_NOT_FOUND} `sku_not_found`: no active SKU has this combination."),
        },
    )
)
class SkuLookupView(ShopScopedView):
    """The SKU for one combination of spec values (e.g. 红 + M), with its price and stock."""

    serializer_class = SkuSerializer
    queryset = Product.objects.none()  # for the schema generator only

    def get(self, request: Request, shop_slug: str, product_id: int) -> Response:
        product = product_get_public(shop=self.get_shop(), product_id=product_id)
        raw = request.query_params.get("spec_values", "")
        if not SPEC_VALUES_RE.fullmatch(raw):
            raise ValidationError({"spec_values": [SPEC_VALUES_MESSAGE]})
        ids = [_parse_id(part, field="spec_values", message=SPEC_VALUES_MESSAGE) for part in raw.split(",")]
        spec_count = len(product.specs.all())
        if len(ids) != spec_count or len(set(ids)) != len(ids):
            raise ValidationError(
                {"spec_values": [f"give exactly one value id for each of the {spec_count} specs"]}
            )
        sku = sku_find_by_spec_values(product=product, value_ids=ids)
        if sku is None:
            raise NotFoundError("sku_not_found", gettext("该规格组合不存在或已停售。"))
        row = next(row for row in product_sku_matrix(product) if row["id"] == sku.pk)
        return Response(_sku_data(row, _absolute_url_builder(request)))
