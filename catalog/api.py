"""The catalog API for the mini-program: shop info, category tree, product list/detail, SKU lookup.

Read-only and public. Views are thin: resolve the shop, call one selector, serialize. Every list
runs a fixed number of queries whatever the page size (tested).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.cache import cached_value
from catalog.models import Category, Product, ProductImage
from catalog.selectors import (
    ORDERINGS,
    category_get_public,
    category_tree,
    product_get_public,
    product_list,
    product_sku_matrix,
    shop_get_public,
    sku_find_by_spec_values,
)
from shop.api.errors import ErrorSerializer
from shop.errors import NotFoundError
from shop.models import Shop

FEN = "Integer number of fen (CNY cents): 5900 = ¥59.00."
ERRORS_404 = {404: ErrorSerializer}
SHOP_PARAM = OpenApiParameter(
    "shop_slug", str, OpenApiParameter.PATH, description="The shop's handle, e.g. `demo`."
)


def _absolute(request: Request, url: str | None) -> str | None:
    return request.build_absolute_uri(url) if url else None


class ImageUrlsSerializer(serializers.Serializer):
    list = serializers.URLField(help_text="360×360 thumbnail for lists.")
    detail = serializers.URLField(help_text="750×750 picture for the product page.")


def _image_urls(request: Request, image: ProductImage | None) -> dict[str, Any] | None:
    if image is None:
        return None
    return {"list": _absolute(request, image.list_url), "detail": _absolute(request, image.detail_url)}


class ShopSerializer(serializers.ModelSerializer):
    verified = serializers.BooleanField(
        source="is_verified", help_text="True only when the platform has verified the business details."
    )
    logo = serializers.SerializerMethodField()

    class Meta:
        model = Shop
        fields = [
            "slug", "name", "intro", "logo", "verified", "company_name", "licence_no", "business_address",
            "service_phone", "return_policy",
        ]  # fmt: skip

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_logo(self, shop: Shop) -> str | None:
        return _absolute(self.context["request"], shop.logo.url if shop.logo else None)


class SubCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    children = SubCategorySerializer(many=True, source="visible_children")


class ProductListSerializer(serializers.ModelSerializer):
    price_min_fen = serializers.IntegerField(help_text=f"Lowest price of the active SKUs. {FEN}")
    price_max_fen = serializers.IntegerField(help_text=f"Highest price of the active SKUs. {FEN}")
    stock_total = serializers.IntegerField(help_text="Units in stock over all active SKUs.")
    sold_out = serializers.BooleanField(source="is_sold_out")
    cover = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id", "title", "subtitle", "category_id", "price_min_fen", "price_max_fen", "stock_total", "sold_out",
            "sales_count", "cover", "published_at",
        ]  # fmt: skip

    @extend_schema_field(ImageUrlsSerializer(allow_null=True))
    def get_cover(self, product: Product) -> dict[str, Any] | None:
        return _image_urls(self.context["request"], product.cover)


class ProductImageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    list = serializers.URLField()
    detail = serializers.URLField()
    width = serializers.IntegerField(help_text="Of the original upload.")
    height = serializers.IntegerField()


class SpecValueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    value = serializers.CharField()


class SpecSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="e.g. 颜色")
    values = SpecValueSerializer(many=True)


class SkuSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    spec_value_ids = serializers.ListField(
        child=serializers.IntegerField(), help_text="One value id per spec."
    )
    spec_text = serializers.CharField(help_text="e.g. `颜色:红 尺码:M`; empty for a product without specs.")
    code = serializers.CharField(help_text="The merchant's SKU code (may be empty).")
    price_fen = serializers.IntegerField(help_text=FEN)
    stock = serializers.IntegerField(help_text="0 = sold out.")
    image = serializers.URLField(allow_null=True, help_text="The SKU's own picture, if it has one.")


class ProductDetailSerializer(ProductListSerializer):
    description = serializers.CharField(help_text="Sanitized HTML (simple formatting and images only).")
    images = serializers.SerializerMethodField()
    specs = serializers.SerializerMethodField()
    skus = serializers.SerializerMethodField()

    class Meta(ProductListSerializer.Meta):
        fields = [*ProductListSerializer.Meta.fields, "description", "images", "specs", "skus"]

    @extend_schema_field(ProductImageSerializer(many=True))
    def get_images(self, product: Product) -> list[dict[str, Any]]:
        request = self.context["request"]
        return [
            {
                "id": image.pk,
                "list": _absolute(request, image.list_url),
                "detail": _absolute(request, image.detail_url),
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
                "values": [{"id": v.pk, "value": v.value} for v in spec.values.all()],
            }
            for spec in product.specs.all()
        ]

    @extend_schema_field(SkuSerializer(many=True))
    def get_skus(self, product: Product) -> list[dict[str, Any]]:
        request = self.context["request"]
        skus = product_sku_matrix(product)
        for sku in skus:
            sku["image"] = _absolute(request, sku["image"])
            del sku["spec_key"]
        return skus


class ShopScopedView(generics.GenericAPIView):
    """Resolves ``shop_slug`` to an open shop (404 ``shop_not_found`` otherwise) and serves GETs
    from the catalog cache (catalog.cache: keyed by the shop's catalog version and the full URL).
    The catalog is public: no authentication is looked at."""

    authentication_classes: list = []
    permission_classes: list = []

    def get_shop(self) -> Shop:
        if not hasattr(self, "_shop"):
            self._shop = shop_get_public(slug=self.kwargs["shop_slug"])
        return self._shop

    def cached_json(self, request: Request, build: Callable[[], Any]) -> HttpResponse:
        shop = self.get_shop()
        body = cached_value(
            shop.slug, ("api", request.build_absolute_uri()), lambda: JSONRenderer().render(build())
        )
        return HttpResponse(body, content_type="application/json")


@extend_schema_view(
    get=extend_schema(
        tags=["shop"],
        operation_id="shop_retrieve",
        parameters=[SHOP_PARAM],
        responses={200: ShopSerializer, **ERRORS_404},
    )
)
class ShopDetailView(ShopScopedView):
    """The shop's public profile and verified business details."""

    serializer_class = ShopSerializer
    queryset = Shop.objects.none()  # for the schema generator only

    def get(self, request: Request, shop_slug: str) -> HttpResponse:
        return self.cached_json(request, lambda: self.get_serializer(self.get_shop()).data)


@extend_schema_view(get=extend_schema(
    tags=["catalog"], operation_id="categories_list", parameters=[SHOP_PARAM],
    responses={200: CategorySerializer(many=True), **ERRORS_404},
))  # fmt: skip
class CategoryTreeView(ShopScopedView):
    """The visible two-level category tree, in the merchant's order. Not paginated."""

    serializer_class = CategorySerializer
    pagination_class = None
    queryset = Category.objects.none()  # for the schema generator only

    def get(self, request: Request, shop_slug: str) -> HttpResponse:
        return self.cached_json(
            request, lambda: self.get_serializer(category_tree(shop=self.get_shop()), many=True).data
        )


ORDERING_HELP = (
    "`sales` (best sellers), `new` (newest first), `price` (cheapest first), `-price` (dearest first)."
)


@extend_schema_view(
    get=extend_schema(
        tags=["catalog"],
        operation_id="products_list",
        parameters=[
            SHOP_PARAM,
            OpenApiParameter(
                "category",
                {"type": "integer", "minimum": 1},
                description="A category id; a top-level category includes its children.",
            ),
            OpenApiParameter(
                "q",
                str,
                description="Search words (Chinese works); every word must match. At most 50 characters.",
            ),
            OpenApiParameter(
                "ordering", str, enum=[k for k in ORDERINGS if k != "default"], description=ORDERING_HELP
            ),
        ],
        responses={200: ProductListSerializer(many=True), 400: ErrorSerializer, **ERRORS_404},
    )
)
class ProductListView(ShopScopedView, generics.ListAPIView):
    """Products on shelf, paginated (`?page=`, `?page_size=` up to 100)."""

    serializer_class = ProductListSerializer
    filter_backends: list = []

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        parent = super().list
        return self.cached_json(request, lambda: parent(request, *args, **kwargs).data)

    def get_queryset(self):
        params = self.request.query_params
        ordering = params.get("ordering", "default")
        if ordering not in ORDERINGS:
            raise ValidationError(
                {"ordering": [f"must be one of: {', '.join(k for k in ORDERINGS if k != 'default')}"]}
            )
        category = None
        if "category" in params:
            raw = params["category"]
            if not raw.isdigit():
                raise ValidationError({"category": ["must be a category id"]})
            category = category_get_public(shop=self.get_shop(), category_id=int(raw))
        return product_list(
            shop=self.get_shop(), category=category, q=params.get("q", "")[:50], ordering=ordering
        )


@extend_schema_view(get=extend_schema(
    tags=["catalog"], operation_id="products_retrieve",
    parameters=[SHOP_PARAM, OpenApiParameter("product_id", int, OpenApiParameter.PATH)],
    responses={200: ProductDetailSerializer, **ERRORS_404},
))  # fmt: skip
class ProductDetailView(ShopScopedView):
    """A product on shelf with its images, specs (names and values) and every active SKU."""

    serializer_class = ProductDetailSerializer
    queryset = Product.objects.none()  # for the schema generator only

    def get(self, request: Request, shop_slug: str, product_id: int) -> HttpResponse:
        return self.cached_json(
            request,
            lambda: self.get_serializer(product_get_public(shop=self.get_shop(), product_id=product_id)).data,
        )


@extend_schema_view(get=extend_schema(
    tags=["catalog"],
    operation_id="products_sku_lookup",
    parameters=[
        SHOP_PARAM,
        OpenApiParameter("product_id", int, OpenApiParameter.PATH),
        OpenApiParameter(
            "spec_values", str, required=True,
            description="Comma-separated spec value ids, one per spec, in any order, e.g. `3,7`.",
        ),
    ],
    responses={200: SkuSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
))  # fmt: skip
class SkuLookupView(ShopScopedView):
    """The SKU for one combination of spec values (e.g. 红 + M): `404 sku_not_found` if there is none."""

    serializer_class = SkuSerializer
    queryset = Product.objects.none()  # for the schema generator only

    def get(self, request: Request, shop_slug: str, product_id: int) -> Response:
        product = product_get_public(shop=self.get_shop(), product_id=product_id)
        raw = request.query_params.get("spec_values", "")
        parts = [p.strip() for p in raw.split(",")] if raw else []
        if not parts or not all(p.isdigit() for p in parts):
            raise ValidationError({"spec_values": ["comma-separated spec value ids are required, e.g. 3,7"]})
        ids = [int(p) for p in parts]
        spec_count = len(product.specs.all())
        if len(ids) != spec_count or len(set(ids)) != len(ids):
            raise ValidationError(
                {"spec_values": [f"give exactly one value id for each of the {spec_count} specs"]}
            )
        sku = sku_find_by_spec_values(product=product, value_ids=ids)
        if sku is None:
            raise NotFoundError("sku_not_found", "该规格组合不存在或已停售。")
        data = next(s for s in product_sku_matrix(product) if s["id"] == sku.pk)
        data["image"] = _absolute(request, data["image"])
        del data["spec_key"]
        return Response(data)
