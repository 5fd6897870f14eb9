"""The catalog's H5 pages: the shop home, category index, category and search lists, the product page.

Each view resolves the shop from the URL, asks one selector for everything the page shows, and
renders; templates never query. Anonymous views write nothing (no sessions, no view counters).
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

from catalog.ports import product_page_version, product_panels, storefront_sections
from catalog.selectors import (
    ORDERINGS,
    category_get_public,
    category_tree,
    product_get_public,
    product_list,
    product_sku_matrix,
    shop_home,
)
from core.errors import ApplicationError
from core.h5 import is_wechat
from core.integers import parse_int
from shop.cache import cache_public_page, cached_value
from shop.h5 import shop_page
from shop.models import Shop

PAGE_SIZE = 20
CSRF_MARK = "__weishop_csrf_token__"
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


@cache_public_page
@shop_page
def home(request: HttpRequest, shop: Shop) -> HttpResponse:
    """The shop's home: featured banner, categories, new arrivals and best sellers."""
    context = {"shop": shop, "is_wechat": is_wechat(request), "tab": "home", **shop_home(shop=shop)}
    # a logged-in shopper's page is never cached: its sections may carry a form with their token
    token = get_token(request) if request.user.is_authenticated else ""
    context["sections"] = storefront_sections(shop=shop, csrf_token=token)
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


@cache_public_page
@shop_page
def category(request: HttpRequest, shop: Shop, category_id: int) -> HttpResponse:
    current = category_get_public(shop=shop, category_id=category_id)
    sort = _sort(request)
    page = _page(request, product_list(shop=shop, category=current, ordering=sort))
    context = {
        "shop": shop, "is_wechat": is_wechat(request), "tab": "categories", "category": current,
        "page": page, "sort": sort, "sorts": SORTS,
    }  # fmt: skip
    return render(request, "catalog/list.html", context)


@cache_public_page
@shop_page
def search(request: HttpRequest, shop: Shop) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    sort = _sort(request)
    page = _page(request, product_list(shop=shop, q=q, ordering=sort)) if q else None
    context = {
        "shop": shop, "is_wechat": is_wechat(request), "tab": "home", "q": q, "page": page, "sort": sort,
        "sorts": SORTS,
    }  # fmt: skip
    return render(request, "catalog/list.html", context)


@shop_page
def product(request: HttpRequest, shop: Shop, product_id: int) -> HttpResponse:
    """The product page, cached per catalog version for anonymous visitors (their own CSRF token is
    put into the cached HTML); logged-in shoppers and visitors with a pending message get a fresh one."""
    wechat = is_wechat(request)

    def build(chosen: dict | None = None, *, token: str = CSRF_MARK, viewer: Any = None) -> dict:
        item = product_get_public(shop=shop, product_id=product_id)
        specs = [
            {
                "id": spec.pk,
                "name": spec.name,
                "values": [{"id": v.pk, "value": v.value} for v in spec.values.all()],
            }
            for spec in item.specs.all()
        ]
        context = {
            "shop": shop, "is_wechat": wechat, "product": item, "images": list(item.images.all()), "specs": specs,
            "skus": item.active_skus, "sku_data": {"specs": specs, "skus": product_sku_matrix(item)},
            "sections": storefront_sections(shop=shop, product=item, csrf_token=token, user=viewer),
            "panels": product_panels(shop=shop, product=item),
        }  # fmt: skip
        return {
            "title": item.title,
            "product_id": item.pk,
            "sold_out": not any(sku.stock > 0 for sku in item.active_skus),
            "body": render_to_string("catalog/product_body.html", context),
            "options": render_to_string(
                "catalog/product_options.html",
                {"product": item, "skus": item.active_skus, "chosen": (chosen or {}).get("sku")},
            ),
            **(chosen or {}),
        }

    if request.user.is_authenticated or request.COOKIES.get("messages"):
        # Coming back from a refused "add to cart" (?sku=&qty=): keep what the shopper had chosen.
        chosen = {"sku": _positive(request.GET.get("sku")), "qty": _positive(request.GET.get("qty"))}
        viewer = request.user if request.user.is_authenticated else None  # their page alone: not cached
        context = {
            "shop": shop,
            "is_wechat": wechat,
            **build(chosen, token=get_token(request), viewer=viewer),
        }
        return render(request, "catalog/product.html", context)

    def whole_page() -> str:
        context = {"shop": shop, "is_wechat": wechat, "csrf_token": CSRF_MARK, **build()}
        return render_to_string("catalog/product.html", context, request)

    # Anonymous visitors get the cached page with their own CSRF token put in (keyed by the
    # product's own page version too: a new review rebuilds this page only).
    parts = ("product-page", str(product_id), product_page_version(shop.slug, product_id), str(wechat))
    html = cached_value(shop.slug, parts, whole_page)
    return HttpResponse(html.replace(CSRF_MARK, get_token(request)))
