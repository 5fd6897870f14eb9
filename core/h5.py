"""Helpers shared by the shopper's H5 views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

from core.errors import NotFoundError


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
