"""The storefront cache: version-keyed caching of what anonymous shoppers and the mini-program read.

Every shop has a storefront *version* in the cache. Anything that changes what a shopper could see
(a price, stock, a product, a category, the shop's details) calls ``storefront_changed(shop)``,
which moves the version on once its transaction commits; cached pages and API responses are keyed
by the version, so they are never served after a change, and simply age out (``ENTRY_TTL``). It
lives in the tenant app because every app above it (catalog, orders, the admin base) bumps it and
every storefront page (the shop's own pages as well as catalog's) is cached by it.

Correct across processes only with a shared cache: production sets ``REDIS_URL`` (it needs it for
WeChat tokens too). With the default per-process memory cache, another worker may serve an entry
up to ``ENTRY_TTL`` seconds old; a single process (``make run``) is always exact.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from core.errors import NotFoundError
from core.h5 import is_wechat
from shop.models import Shop
from shop.selectors import shop_get_public, shop_public_cache_key

ENTRY_TTL = 300
VERSION_TTL = 7 * 24 * 3600


def _version_key(shop_slug: str) -> str:
    return f"catalog:version:{shop_slug}"


def storefront_version(shop_slug: str) -> str:
    key = _version_key(shop_slug)
    version = cache.get(key)
    if version is None:
        cache.add(key, str(time.time_ns()), VERSION_TTL)
        version = cache.get(key) or "0"
    return version


def storefront_changed(shop: Shop | str) -> None:
    """Call after a write that changes what shoppers see in ``shop`` (a Shop or its slug)."""
    slug = shop if isinstance(shop, str) else shop.slug

    def bump() -> None:
        cache.set(_version_key(slug), str(time.time_ns()), VERSION_TTL)
        cache.delete(shop_public_cache_key(slug))

    transaction.on_commit(bump)


def storefront_changed_for_ids(shop_ids: Iterable[int]) -> None:
    """``storefront_changed`` for each shop with one of these ids."""
    for slug in Shop.objects.filter(pk__in=list(shop_ids)).values_list("slug", flat=True):
        storefront_changed(slug)


def cache_key(*parts: str) -> str:
    return "catalog:entry:" + hashlib.sha256("|".join(parts).encode()).hexdigest()


def cached_value(shop_slug: str, parts: tuple[str, ...], build: Callable[[], Any]) -> Any:
    """``build()``'s result, cached under the shop's current storefront version (exceptions propagate
    and nothing is cached)."""
    key = cache_key(shop_slug, storefront_version(shop_slug), *parts)
    body = cache.get(key)
    if body is None:
        body = build()
        cache.set(key, body, ENTRY_TTL)
    return body


def cache_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve an H5 page from the cache to anonymous visitors (keyed by shop version, URL and
    whether the visitor is inside WeChat). Logged-in shoppers always get a fresh page."""

    @wraps(view)
    def wrapper(request: HttpRequest, shop_slug: str, *args, **kwargs) -> HttpResponse:
        if request.method != "GET" or request.user.is_authenticated:
            return view(request, shop_slug, *args, **kwargs)
        try:
            shop_get_public(slug=shop_slug)  # unknown shops get no cache entries (nor a version)
        except NotFoundError:
            return view(request, shop_slug, *args, **kwargs)
        parts = ("page", request.get_full_path(), "wx" if is_wechat(request) else "web")
        key = cache_key(shop_slug, storefront_version(shop_slug), *parts)
        body = cache.get(key)
        if body is not None:
            return HttpResponse(body)
        response = view(request, shop_slug, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            cache.set(key, response.content, ENTRY_TTL)
        return response

    return wrapper
