"""Attribution as data: ``request.attribution`` for every request of a shop (docs/architecture.md).

``AttributionMiddleware`` (in ``MIDDLEWARE``, after authentication) reads the signed codes a request
carries for the shop in its URL (``core.attribution``):

- an H5 page ``/s/<shop>/…``: ``?ch=<code>`` (a channel) and ``?ref=<code>`` (a referrer);
- an API call ``/api/v1/shops/<shop>/…``: the header ``X-WeiShop-Attribution: ch=<code>&ref=<code>``
  (the mini-program sends what its launch link carried).

Codes that verify for this shop are the *touch*: it replaces what was remembered (last touch wins,
channel and referrer together) and is kept in a signed cookie per shop. The cookie lives as long as
the longest window a shop may choose (``WEISHOP_ATTRIBUTION_MAX_DAYS``, default 30); a remembered
touch counts only inside the shop's window: the platform's ``WEISHOP_ATTRIBUTION_WINDOW_DAYS``
(default 7) unless an app above says otherwise for the shop (``attribution_window_register``:
marketing's 渠道设置). Touches younger than a day are never asked about (no shop window is shorter). Unsigned, tampered or foreign-shop codes are
ignored, silently. Nothing here reads or writes the database, so an anonymous page view with
``?ch=`` costs no query. ``request.attribution`` is an ``Attribution`` (empty when nothing is known);
checkout passes it to ``order_place``, which stores it on the order.

It lives in ``orders`` (not ``core``) because it is checkout's input; the codes' rule is in ``core``
so the app that makes the links (marketing) signs them without importing ``orders``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from core.attribution import NO_ATTRIBUTION, Attribution, Kind, attribution_verify
from core.h5 import API_SHOP_PATH, H5_SHOP_PATH

HEADER = "X-WeiShop-Attribution"
COOKIE_PREFIX = "ws_attr_"
COOKIE_SALT = "weishop.attribution.cookie"
DEFAULT_WINDOW_DAYS = 7


DEFAULT_MAX_DAYS = 30
MIN_WINDOW_DAYS = 1  # the shortest window a shop may choose

# fn(shop_id) -> the shop's window in days, or None for the platform's (marketing registers one)
AttributionWindow = Callable[[int], "int | None"]
_window_for_shop: AttributionWindow | None = None


def attribution_window_register(fn: AttributionWindow | None) -> None:
    """Let an app above decide each shop's window (one function; None takes it away again)."""
    global _window_for_shop
    _window_for_shop = fn


def attribution_window_days() -> int:
    """The platform's window: a remembered touch counts this many days unless the shop says otherwise."""
    return int(getattr(settings, "WEISHOP_ATTRIBUTION_WINDOW_DAYS", DEFAULT_WINDOW_DAYS))


def attribution_max_days() -> int:
    """The longest window any shop may choose: how long the remembering cookie lives."""
    return max(
        int(getattr(settings, "WEISHOP_ATTRIBUTION_MAX_DAYS", DEFAULT_MAX_DAYS)), attribution_window_days()
    )


def attribution_window_seconds() -> int:
    return attribution_max_days() * 86400


def shop_window_days(shop_id: int) -> int:
    """The window of this shop: what the registered function says (within 1 and the maximum), else
    the platform's."""
    days = _window_for_shop(shop_id) if _window_for_shop is not None else None
    if days is None:
        return attribution_window_days()
    return min(max(int(days), MIN_WINDOW_DAYS), attribution_max_days())


def attribution_of(request: HttpRequest) -> Attribution:
    """The request's attribution (empty where the middleware did not run, e.g. a bare test request)."""
    return getattr(request, "attribution", NO_ATTRIBUTION)


def _touch_codes(request: HttpRequest) -> tuple[str, dict[Kind, str]] | None:
    """The URL's shop and the codes this request carries, or None outside a shop's URLs."""
    path = request.path_info
    if match := H5_SHOP_PATH.match(path):
        codes = {kind: request.GET.get(kind, "") for kind in ("ch", "ref")}
    elif match := API_SHOP_PATH.match(path):
        header = dict(parse_qsl(request.headers.get(HEADER, "")[:500]))
        codes = {kind: header.get(kind, "") for kind in ("ch", "ref")}
    else:
        return None
    return match["slug"], {kind: code for kind, code in codes.items() if code}  # type: ignore[misc]


def _verified(slug: str, codes: dict[Kind, str]) -> Attribution | None:
    values: dict[Kind, str] = {}
    shop_ids = set()
    for kind, code in codes.items():
        found = attribution_verify(kind=kind, code=code, shop_slug=slug)
        if found is not None:
            shop_ids.add(found[0])
            values[kind] = found[1]
    if not values or len(shop_ids) != 1:
        return None
    return Attribution(
        shop_id=shop_ids.pop(),
        channel_code=values.get("ch", ""),
        referrer_code=values.get("ref", ""),
        touched_at=datetime.now(tz=UTC),
    )


def _remembered(request: HttpRequest, slug: str) -> Attribution:
    try:
        value = request.get_signed_cookie(
            f"{COOKIE_PREFIX}{slug}", salt=COOKIE_SALT + slug, max_age=attribution_window_seconds()
        )
        shop_id, channel, referrer, at = str(value).split("|")
        remembered = Attribution(
            shop_id=int(shop_id), channel_code=channel, referrer_code=referrer,
            touched_at=datetime.fromtimestamp(int(at), tz=UTC),
        )  # fmt: skip
    except (KeyError, ValueError, signing.BadSignature):
        return NO_ATTRIBUTION
    age = time.time() - int(at)
    if age > MIN_WINDOW_DAYS * 86400 and age > shop_window_days(remembered.shop_id or 0) * 86400:
        return NO_ATTRIBUTION
    return remembered


class AttributionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = _touch_codes(request)
        touch = None
        if found is None:
            request.attribution = NO_ATTRIBUTION  # type: ignore[attr-defined]
        else:
            slug, codes = found
            touch = _verified(slug, codes) if codes else None
            request.attribution = touch or _remembered(request, slug)  # type: ignore[attr-defined]
        response = self.get_response(request)
        if touch is not None and found is not None and response.status_code < 400:
            value = f"{touch.shop_id}|{touch.channel_code}|{touch.referrer_code}|{int(time.time())}"
            response.set_signed_cookie(
                f"{COOKIE_PREFIX}{found[0]}", value, salt=COOKIE_SALT + found[0],
                max_age=attribution_window_seconds(), httponly=True, samesite="Lax",
                secure=getattr(settings, "SESSION_COOKIE_SECURE", False),
            )  # fmt: skip
        return response
