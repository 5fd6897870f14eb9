"""Helpers shared by the shopper's H5 views."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

from core.errors import NotFoundError

# The URLs of a shop's H5 pages (/s/<handle>/…) and of its API (/api/v1/shops/<handle>/…), for the
# middleware that acts on a shop's requests before any view resolves the shop.
H5_SHOP_PATH = re.compile(r"^/s/(?P<slug>[a-z0-9-]{3,32})/")
API_SHOP_PATH = re.compile(r"^/api/v1/shops/(?P<slug>[a-z0-9-]{3,32})/")


def is_wechat(request: HttpRequest) -> bool:
    """True inside WeChat's built-in browser (login and payment flows differ there)."""
    return "MicroMessenger" in request.headers.get("User-Agent", "")


def client_ip(request: HttpRequest) -> str:
    """The shopper's IP address (rate limits, WeChat Pay's ``payer_client_ip``). Behind our reverse
    proxy (``BEHIND_PROXY``) it is the last ``X-Forwarded-For`` entry — the one the proxy appended;
    earlier entries come from the client and are not trusted."""
    if settings.BEHIND_PROXY:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    return str(request.META.get("REMOTE_ADDR", ""))


def not_found_as_404(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn a selector's ``NotFoundError`` into the site's 404 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFoundError as exc:
            raise Http404(exc.message) from exc

    return wrapper
