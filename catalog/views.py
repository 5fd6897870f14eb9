"""The catalog's H5 pages: the shop home, category index, category and search lists, the product page.

Each view resolves the shop from the URL, asks one selector for everything the page shows, and
renders a shell that every visitor shares (shop.cache: cached under the shop's versions, each
visitor's CSRF token, messages and own sections put in on the way out); templates never query.
Page views write nothing (no sessions, no view counters).
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.ports import product_panels, storefront_sections, viewer_sections_fill, viewer_slots_strip
from catalog.selectors import (
    ORDERINGS,
    PRODUCT_CARD_COLUMNS,
    category_get_public,
    category_tree,
    product_get_public,
    product_get_public_brief,
    product_list,
    product_sku_matrix,
    shop_home,
)
from core.errors import ApplicationError
from core.h5 import is_wechat
from core.integers import parse_int
from shop.cache import CSRF_MARK, cache_public_page, shell_csrf_token
from shop.h5 import shop_page
from shop.models import Shop
from shop.selectors import shop_get_public

PAGE_SIZE = 20
SORTS = [("default", gettext_lazy("综合")), ("sales", gettext_lazy("销量")), ("new", gettext_lazy("新品")),
         ("price", gettext_lazy("价格↑")), ("-price", gettext_lazy("价格↓"))]  # fmt: skip


def _sort(request: HttpRequest) -> str:
    sort = request.GET.get("sort", "default")
    return sort if sort in ORDERINGS else "default"


def _positive(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() and 0 < int(value) < 10**9 else None


def _page(request: HttpRequest, queryset):
    """``?page=`` is ASCII digits from 1 (a page past the end shows the last page); anything else
    ("５", "1.0", "abc") is the 404 page with the reason, as in the API."""
    try:
        number = parse_int(request.GET.get("page"), field="page", label=_("页码"), default=1)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc
    return Paginator(queryset, PAGE_SIZE).get_page(number)


def _fill(request: HttpRequest, shop_slug: str, kwargs: dict[str, Any], body: bytes) -> bytes:
    """The per-viewer storefront sections (catalog.ports): built again for a signed-in shopper (the
    shop and product are loaded only when the page has one), as in the shell for anyone else."""
    if b"<!--weishop:viewer " not in body:
        return body
    if not request.user.is_authenticated:
        return viewer_slots_strip(body)
    product_id = kwargs.get("product_id")
    shop = shop_get_public(slug=shop_slug)
    return viewer_sections_fill(
        body,
        shop=lambda: shop,
        product=lambda: product_get_public_brief(shop=shop, product_id=product_id) if product_id else None,
        user=request.user,
        csrf_token=get_token(request),
    )


LIST_PARAMS = ("q", "sort", "page")


@cache_public_page(shows_stock=True, fill=_fill)
@shop_page
def home(request: HttpRequest, shop: Shop) -> HttpResponse:
    """The shop home: featured banner, categories, new arrivals and best sellers."""
    context = {"shop": shop, "is_wechat": is_wechat(request), "tab": "home", **shop_home(shop=shop)}
    token = shell_csrf_token(request)  # a signed-in shopper's shell: forms with their token put in
    context["sections"] = storefront_sections(shop=shop, csrf_token=token, viewer_slots=True)
    return render(request, "shop/home.html", context)


@cache_public_page
@shop_page
def categories(request: HttpRequest, shop: Shop) -> HttpResponse:
    context = {
        "shop": shop,
        "is_wechat": is_wechat(request),
        "tab": "categories",
        "tree": category_tree(shop=shop),
    }
    return render(request, "catalog/categories.html", context)


@cache_public_page(params=LIST_PARAMS, shows_stock=True)
@shop_page
def category(request: HttpRequest, shop: Shop, category_id: int) -> HttpResponse:
    current = category_get_public(shop=shop, category_id=category_id)
    sort = _sort(request)
    products = product_list(shop=shop, category=current, ordering=sort).only(*PRODUCT_CARD_COLUMNS)
    page = _page(request, products)
    context = {
        "shop": shop, "is_wechat": is_wechat(request), "tab": "categories", "category": current,
        "page": page, "sort": sort, "sorts": SORTS,
    }  # fmt: skip
    return render(request, "catalog/list.html", context)


@cache_public_page(params=LIST_PARAMS, shows_stock=True)
@shop_page
def search(request: HttpRequest, shop: Shop) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    sort = _sort(request)
    products = product_list(shop=shop, q=q, ordering=sort).only(*PRODUCT_CARD_COLUMNS) if q else None
    page = _page(request, products) if products is not None else None
    context = {
        "shop": shop, "is_wechat": is_wechat(request), "tab": "home", "q": q, "page": page, "sort": sort,
        "sorts": SORTS,
    }  # fmt: skip
    return render(request, "catalog/list.html", context)


@cache_public_page(params=("sku", "qty"), product_kwarg="product_id", fill=_fill)
@shop_page
def product(request: HttpRequest, shop: Shop, product_id: int) -> HttpResponse:
    """The product page, cached as a shell for every visitor under the product's own page version
    (stock, sales, reviews) too. Its buy form and coupon buttons carry the CSRF mark (each visitor's
    own token goes in on the way out); a signed-in shopper's own sections (我的团) are built for
    them. Coming back from a refused "add to cart" (``?sku=&qty=``) keeps what the shopper chose."""
    wechat = is_wechat(request)
    chosen = {"sku": _positive(request.GET.get("sku")), "qty": _positive(request.GET.get("qty"))}
    item = product_get_public(shop=shop, product_id=product_id)
    specs = [
        {
            "id": spec.pk,
            "name": spec.name,
            "values": [{"id": v.pk, "value": v.value} for v in spec.values.all()],
        }
        for spec in item.specs.all()
    ]
    body_context = {
        "shop": shop, "is_wechat": wechat, "product": item, "images": list(item.images.all()), "specs": specs,
        "skus": item.active_skus, "sku_data": {"specs": specs, "skus": product_sku_matrix(item)},
        "sections": storefront_sections(shop=shop, product=item, csrf_token=CSRF_MARK, viewer_slots=True),
        "panels": product_panels(shop=shop, product=item),
    }  # fmt: skip
    context = {
        "shop": shop,
        "is_wechat": wechat,
        "csrf_token": CSRF_MARK,
        "title": item.title,
        "product_id": item.pk,
        "sold_out": not any(sku.stock > 0 for sku in item.active_skus),
        "body": render_to_string("catalog/product_body.html", body_context),
        "options": render_to_string(
            "catalog/product_options.html",
            {"product": item, "skus": item.active_skus, "chosen": chosen["sku"]},
        ),
        **chosen,
    }
    return render(request, "catalog/product.html", context)
