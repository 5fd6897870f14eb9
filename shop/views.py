"""Shop-level H5 pages: the platform landing, a shop's home and its business details, and 404."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
from django.shortcuts import render
from django.template import loader

from catalog.cache import cache_public_page
from catalog.selectors import shop_get_public, shop_home
from shop.h5 import is_wechat, not_found_as_404
from shop.models import Shop


def platform_home(request: HttpRequest) -> HttpResponse:
    shops = list(
        Shop.objects.filter(is_active=True, verification=Shop.Verification.VERIFIED).order_by("id")[:20]
    )
    return render(request, "shop/platform_home.html", {"shops": shops})


@cache_public_page
@not_found_as_404
def home(request: HttpRequest, shop_slug: str) -> HttpResponse:
    shop = shop_get_public(slug=shop_slug)
    context = {"shop": shop, "is_wechat": is_wechat(request), "tab": "home", **shop_home(shop=shop)}
    return render(request, "shop/home.html", context)


@cache_public_page
@not_found_as_404
def about(request: HttpRequest, shop_slug: str) -> HttpResponse:
    shop = shop_get_public(slug=shop_slug)
    return render(request, "shop/about.html", {"shop": shop, "is_wechat": is_wechat(request), "tab": "about"})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):  # the API answers in its own error shape, even for unknown URLs
        return JsonResponse({"code": "not_found", "message": "Not found.", "fields": {}}, status=404)
    message = (
        str(exception.args[0]) if exception and exception.args and isinstance(exception.args[0], str) else ""
    )
    template = loader.get_template("404.html")
    return HttpResponseNotFound(template.render({"message": message, "request_path": request.path}, request))
