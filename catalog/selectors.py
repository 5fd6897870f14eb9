"""Catalog reads, tuned for the page or endpoint that uses them.

Each returns everything its caller renders, with a fixed number of queries whatever the page size
(tested): templates and serializers never trigger a query of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext

from catalog.models import SKU, Category, Product, ProductImage, ProductSpec, SpecValue
from catalog.search import product_search_filter, words
from catalog.services import spec_key_for
from core.errors import NotFoundError
from shop.models import Shop

ORDERINGS: dict[str, tuple[str, ...]] = {
    "default": ("position", "-published_at", "-id"),
    "sales": ("-sales_count", "-id"),
    "new": ("-published_at", "-id"),
    "price": ("price_min_fen", "id"),
    "-price": ("-price_max_fen", "-id"),
}
MAX_QUERY_TERMS = 5
# The columns a product card (templates/includes/product_card.html, the home's banner and ranking)
# shows, and the API's list fields (the home endpoint): list pages load nothing else (not the description).
PRODUCT_CARD_COLUMNS = (
    "id", "shop_id", "category_id", "title", "subtitle", "price_min_fen", "price_max_fen", "stock_total",
    "sales_count", "published_at", "cover__id", "cover__image", "cover__width", "cover__height", "cover__thumb_list", "cover__thumb_detail",
)  # fmt: skip


def category_tree(*, shop: Shop) -> list[Category]:
    """Visible top-level categories, each with ``visible_children`` (two queries)."""
    children = Prefetch(
        "children",
        queryset=Category.objects.filter(is_active=True).order_by("position", "id"),
        to_attr="visible_children",
    )
    return list(
        Category.objects.filter(shop=shop, parent__isnull=True, is_active=True)
        .order_by("position", "id")
        .prefetch_related(children)
    )


def category_get_public(*, shop: Shop, category_id: int) -> Category:
    category = (
        Category.objects.filter(shop=shop, pk=category_id, is_active=True)
        .select_related("parent")
        .filter(Q(parent__isnull=True) | Q(parent__is_active=True))
        .first()
    )
    if category is None:
        raise NotFoundError("category_not_found", gettext("分类不存在。"))
    return category


def _public_products(shop: Shop) -> QuerySet[Product]:
    return Product.objects.filter(shop=shop, status=Product.Status.ON_SALE).select_related("cover")


def product_list(
    *,
    shop: Shop,
    category: Category | None = None,
    q: str | None = None,
    ordering: str = "default",
) -> QuerySet[Product]:
    """Products on shelf, for a list page: filter by category (a top-level category includes its
    children) and by search words (every word must match title, selling point or keywords)."""
    queryset = _public_products(shop)
    if category is not None:
        if category.parent_id is None:
            # an id list, not an OR across a join: the (shop, category, status) index counts it
            family = Category.objects.filter(Q(pk=category.pk) | Q(parent=category)).values("pk")
            queryset = queryset.filter(category__in=family)
        else:
            queryset = queryset.filter(category=category)
    queryset = product_search_filter(queryset, search_terms(q))
    return queryset.order_by(*ORDERINGS.get(ordering, ORDERINGS["default"]))


def search_terms(q: str | None) -> list[str]:
    """Search words: split on ASCII and full-width spaces, control characters dropped (PostgreSQL
    refuses NUL in a query), at most five words."""
    return words(q)[:MAX_QUERY_TERMS]


def shop_home(*, shop: Shop, limit: int = 6) -> dict[str, Any]:
    """What the shop home shows: featured banner, categories, new arrivals and best sellers."""
    base = _public_products(shop).only(*PRODUCT_CARD_COLUMNS)
    return {
        "featured": list(base.filter(is_featured=True).order_by("position", "-id")[:5]),
        "categories": category_tree(shop=shop),
        "new_arrivals": list(base.order_by(*ORDERINGS["new"])[:limit]),
        "best_sellers": list(base.order_by(*ORDERINGS["sales"])[:limit]),
    }


def product_get_public(*, shop: Shop, product_id: int) -> Product:
    """A product on shelf with its images, specs, values and active SKUs (five queries)."""
    product = (
        _public_products(shop)
        .select_related("category", "category__parent")
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
            Prefetch(
                "specs",
                queryset=ProductSpec.objects.order_by("position", "id").prefetch_related(
                    Prefetch("values", queryset=SpecValue.objects.order_by("position", "id"))
                ),
            ),
            Prefetch(
                "skus",
                queryset=SKU.objects.filter(is_active=True)
                .select_related("image")
                .order_by("position", "id"),
                to_attr="active_skus",
            ),
        )
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise NotFoundError("product_not_found", gettext("商品不存在或已下架。"))
    return product


def product_get_public_brief(*, shop: Shop, product_id: int) -> Product:
    """A product on shelf alone (one query, nothing prefetched): what a per-viewer part of its cached
    page is built from."""
    product = _public_products(shop).filter(pk=product_id).first()
    if product is None:
        raise NotFoundError("product_not_found", gettext("商品不存在或已下架。"))
    return product


def sku_find_by_spec_values(*, product: Product, value_ids: Iterable[int]) -> SKU | None:
    """The active SKU of ``product`` for one combination of spec value ids (any order)."""
    key = spec_key_for(value_ids)
    skus = getattr(product, "active_skus", None)
    if skus is not None:
        return next((sku for sku in skus if sku.spec_key == key), None)
    return SKU.objects.filter(product=product, spec_key=key, is_active=True).first()


def product_sku_matrix(product: Product) -> list[dict[str, Any]]:
    """The active SKUs of a product loaded by ``product_get_public``, as plain data for the page's
    SKU selector and the API (no queries)."""
    return [
        {
            "id": sku.pk,
            "spec_key": sku.spec_key,
            "spec_value_ids": sku.spec_value_ids,
            "spec_text": sku.spec_text,
            "code": sku.code,
            "price_fen": sku.price_fen,
            "stock": sku.stock,
            "image": sku.image.detail_url if sku.image_id and sku.image else None,
        }
        for sku in product.active_skus  # type: ignore[attr-defined]  # Prefetch(to_attr=) of product_get_public
    ]
