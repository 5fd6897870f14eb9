"""Shop-level H5 pages: the platform landing, a shop's business details, 404 and the CSRF page (the
shop's home page is a catalog page: catalog.views.home)."""

from __future__ import annotations

from functools import lru_cache

from django.contrib.staticfiles import finders
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotFound,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from core.api.errors import error_body
from core.errors import NotFoundError
from core.h5 import is_wechat, not_found_as_404
from shop.cache import cache_public_page
from shop.models import Shop
from shop.selectors import shop_get_public, shop_suspended_message


def platform_home(request: HttpRequest) -> HttpResponse:
    shops = list(
        Shop.objects.filter(is_active=True, verification=Shop.Verification.VERIFIED).order_by("id")[:20]
    )
    return render(request, "shop/platform_home.html", {"shops": shops})


@cache_public_page
@not_found_as_404
def about(request: HttpRequest, shop_slug: str) -> HttpResponse:
    shop = shop_get_public(slug=shop_slug)
    return render(request, "shop/about.html", {"shop": shop, "is_wechat": is_wechat(request), "tab": "about"})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):  # the API answers in its own error shape, even for unknown URLs
        return JsonResponse(error_body("not_found", _("请求的接口不存在。")), status=404)
    message = (
        str(exception.args[0]) if exception and exception.args and isinstance(exception.args[0], str) else ""
    )
    context = {
        "message": message, "request_path": request.path, "shop": _shop_of_path(request.path),
        "suspended": message == shop_suspended_message(),
    }  # fmt: skip
    if context["suspended"]:  # the shop's own complaint pages stay open (complaints/views.py)
        context["suspended_slug"] = request.path.split("/")[2]
    template = loader.get_template("404.html")
    return HttpResponseNotFound(template.render(context, request))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form posted with a stale or missing CSRF token (a page left open across a login, cookies
    blocked): say so in Chinese instead of Django's bare page (``CSRF_FAILURE_VIEW``)."""
    if request.path.startswith("/api/"):
        message = _("请求已过期，请刷新后重试。")
        return JsonResponse({"code": "csrf_failed", "message": message, "fields": {}}, status=403)
    template = loader.get_template("403_csrf.html")
    return HttpResponseForbidden(template.render({"shop": _shop_of_path(request.path)}, request))


def _shop_of_path(path: str) -> Shop | None:
    """The shop a missing page was under (/s/<slug>/...), so the 404 page keeps its header and
    leads back to that shop's home."""
    parts = path.split("/")
    if len(parts) > 3 and parts[1] == "s" and parts[2]:
        try:
            return shop_get_public(slug=parts[2])
        except NotFoundError:
            return None
    return None


@lru_cache(maxsize=1)
def _favicon_bytes() -> bytes | None:
    path = finders.find("favicon.ico")
    if not path:
        from django.conf import settings

        collected = settings.STATIC_ROOT / "favicon.ico" if settings.STATIC_ROOT else None
        path = str(collected) if collected and collected.exists() else None
    if not path:
        return None
    with open(path, "rb") as icon:
        return icon.read()


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers (and WeChat's) ask for on every site: the shop bag icon."""
    body = _favicon_bytes()
    if body is None:
        raise Http404
    response = HttpResponse(body, content_type="image/x-icon")
    patch_cache_control(response, public=True, max_age=7 * 24 * 3600)
    return response
