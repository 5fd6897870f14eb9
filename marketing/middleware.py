"""Genuine links on every shop page, and the shop's own rules for the attribution it remembers.

``GenuineLinkMiddleware`` comes right after ``orders.middleware.AttributionMiddleware`` (which
verifies the signed ``?ch=`` / ``?ref=`` codes and remembers the last valid touch in a cookie) and:

- drops a switched-off channel's code from ``request.attribution`` (its referrer part stays).
  The shop's own window (``MarketingSettings``) is applied by orders' middleware itself, which asks
  ``selectors.shop_window_days`` through its port (registered in ``MarketingConfig.ready``). The
  shop's profile comes from the cache (``selectors.marketing_profile``), so an anonymous page view
  runs no query once it is warm;
- puts the genuine-link banner into the page: ``base.html`` carries ``MARKER`` on every shop
  page, replaced here with "已认证 · <the verified company name>" (or the shop's unverified state,
  honestly) when the page was opened from a valid signed link of this shop — this request's or
  the remembered one — and with nothing otherwise. Done on the way out, so pages cached for every
  visitor (the product page, the shop home) never carry one visitor's banner to another.

A tampered, unsigned or foreign-shop code never reaches this point: orders' middleware ignores it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from core.attribution import NO_ATTRIBUTION, Attribution
from core.errors import NotFoundError
from core.h5 import H5_SHOP_PATH
from marketing.selectors import marketing_profile
from orders.middleware import attribution_of
from shop.selectors import shop_get_public

MARKER = "<!--weishop:genuine-->"
_MARKER = MARKER.encode()


def attribution_with_shop_rules(attribution: Attribution) -> Attribution:
    """``attribution`` as the shop's settings and channels allow it (see the module docstring)."""
    if not attribution or attribution.shop_id is None or not attribution.channel_code:
        return attribution  # a referral alone: no shop rule here can refuse it (no cache read either)
    if marketing_profile(shop_id=attribution.shop_id).inactive(attribution.channel_code):
        attribution = replace(attribution, channel_code="")
    return attribution if attribution else NO_ATTRIBUTION


def genuine_banner(*, shop_slug: str) -> str:
    try:
        shop = shop_get_public(slug=shop_slug)
    except NotFoundError:
        return ""
    return render_to_string(
        "marketing/genuine.html", {"shop": shop, "about_url": reverse("h5:about", args=[shop.slug])}
    )


class GenuineLinkMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        attribution = attribution_of(request)
        if attribution:
            request.attribution = attribution_with_shop_rules(attribution)  # type: ignore[attr-defined]
        response = self.get_response(request)
        if (
            not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and _MARKER in response.content
            and (match := H5_SHOP_PATH.match(request.path_info))
        ):
            attribution = attribution_of(request)
            banner = genuine_banner(shop_slug=match["slug"]) if attribution else ""
            response.content = response.content.replace(_MARKER, banner.encode(), 1)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
