"""The storefront cache: version-keyed caching of the shop pages and API answers shoppers read.

Every shop has a storefront *version* in the cache. Anything that changes what a shopper could see
(a price, a product, a category, the shop's details) calls ``storefront_changed(shop)``, which
moves the version on once its transaction commits. Two narrower versions sit beside it:

- a product's own **page version** (``product_page_changed``): that product's page, its API detail
  and its review list are rebuilt, the rest of the shop stays cached (a review, an order on it);
- the shop's **stock stamp** (``stock_changed``): orders move stock and sales counts. They move
  the page version of each product they touch (its page shows its stock at once) and stamp the
  shop; pages that list products (``shows_stock``: the home, category and search lists, the API
  product list) built before the stamp are rebuilt once they are ``STOCK_GRACE`` seconds old, so a
  run of orders rebuilds a list at most once every few seconds instead of on every order, and
  never the product pages of other products.

An entry carries the versions it was built under and is checked against the current ones on every
read, and the versions are read in the same round trip as the entry (``cache.get_many``): a hit is
one cache read (Redis: one MGET), with no shop lookup. Entries age out (``ENTRY_TTL``).

Pages are cached as a **shell** shared by every visitor, signed in or not; what belongs to one
visitor is put in on the way out (``fill``): their CSRF token (``CSRF_MARK``), their messages
(``MESSAGES_MARK``, see templates/base.html) and what a page's own ``fill`` adds (catalog: the
per-viewer storefront sections, e.g. 我的团). A signed-in shopper and an anonymous visitor get
separate shells (a signed-in shell may carry forms with the CSRF mark where an anonymous one links
to a page of its own), so neither ever sees the other's.

Correct across processes only with a shared cache: production sets ``REDIS_URL`` (it needs it for
WeChat tokens too). With the default per-process memory cache, another worker may serve an entry
up to ``ENTRY_TTL`` seconds old; a single process (``make run``) is always exact.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string

from core.errors import NotFoundError
from core.h5 import is_wechat
from shop.models import Shop
from shop.selectors import shop_get_public, shop_public_cache_key

ENTRY_TTL = 300
VERSION_TTL = 7 * 24 * 3600
STOCK_GRACE = 5.0  # seconds a list page may show stock and sales counts from before an order
CSRF_MARK = "__weishop_csrf_token__"
MESSAGES_MARK = "<!--weishop:messages-->"
_CSRF_MARK = CSRF_MARK.encode()
_MESSAGES_MARK = MESSAGES_MARK.encode()


def _version_key(shop_slug: str) -> str:
    return f"catalog:version:{shop_slug}"


def _product_version_key(shop_slug: str, product_id: int | str) -> str:
    return f"catalog:product-version:{shop_slug}:{product_id}"


def _stock_key(shop_slug: str) -> str:
    return f"catalog:stock-changed:{shop_slug}"


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
        near_cache_clear()

    transaction.on_commit(bump)


def storefront_changed_for_ids(shop_ids: Iterable[int]) -> None:
    """``storefront_changed`` for each shop with one of these ids."""
    for slug in Shop.objects.filter(pk__in=list(shop_ids)).values_list("slug", flat=True):
        storefront_changed(slug)


def product_page_version(shop_slug: str, product_id: int) -> str:
    """A product's own page version ("0" before ``product_page_changed`` first moves it)."""
    return str(cache.get(_product_version_key(shop_slug, product_id)) or "0")


def product_page_changed(*, shop_slug: str, product_id: int) -> None:
    """One product's page changes (not the rest of the shop): after commit, its cached page, API
    detail and review list are built again."""
    key = _product_version_key(shop_slug, product_id)

    def bump() -> None:
        cache.set(key, str(time.time_ns()), VERSION_TTL)
        near_cache_clear()

    transaction.on_commit(bump)


def stock_changed(products: Iterable[tuple[str, int]]) -> None:
    """Orders moved the stock or sales count of these ``(shop slug, product id)``: after commit,
    each product's page version moves on and each shop's list pages are stamped (``STOCK_GRACE``).
    Nothing else of the shop is rebuilt."""
    pairs = sorted(set(products))
    if not pairs:
        return

    def bump() -> None:
        now = str(time.time_ns())
        keys: dict[str, Any] = {_product_version_key(slug, product_id): now for slug, product_id in pairs}
        keys |= {_stock_key(slug): time.time() for slug, _product_id in pairs}
        cache.set_many(keys, VERSION_TTL)
        near_cache_clear()

    transaction.on_commit(bump)


# -- The near cache ---------------------------------------------------------------------------------
#
# A cached page or API answer read from Redis costs a round trip to another process for every hit.
# Each process keeps what its last read of a page found (the entry and the versions it was checked
# against) for ``STOREFRONT_NEAR_SECONDS`` (1 s by default; 0 turns it off, as the tests do): a page
# asked for a hundred times a second is read from Redis once a second. A change made in this
# process empties it at once; one made in another process shows here within that second (a list
# page already shows stock up to ``STOCK_GRACE`` late). Only shared bytes (pages and API answers)
# are kept, never Python objects a caller could change, and never a shopper's own pages
# (``shopper_lookup``: their next page must show their write, whichever process answers it).

NEAR_MAX = 5000
_near: dict[str, tuple[float, dict[str, Any]]] = {}


def _near_seconds() -> float:
    return float(getattr(settings, "STOREFRONT_NEAR_SECONDS", 1.0))


def _near_get(key: str) -> dict[str, Any] | None:
    held = _near.get(key)
    if held is None or held[0] < time.monotonic():
        return None
    return held[1]


def _near_put(key: str, found: dict[str, Any]) -> None:
    seconds = _near_seconds()
    entry = found.get(key)
    if seconds <= 0 or not (isinstance(entry, tuple) and len(entry) == 3 and isinstance(entry[2], bytes)):
        return
    if len(_near) >= NEAR_MAX:
        _near.clear()
    _near[key] = (time.monotonic() + seconds, found)


def near_cache_clear() -> None:
    """Forget what this process keeps near (after any change it makes to the storefront)."""
    _near.clear()


def cache_key(*parts: str) -> str:
    return "catalog:entry:" + hashlib.sha256("|".join(parts).encode()).hexdigest()


@dataclass
class Lookup:
    """One read of an entry with the versions it must match (``storefront_lookup``)."""

    shop_slug: str
    key: str
    product_id: int | str | None
    version: str | None  # the shop's version as read (None: not in the cache yet)
    product_version: str
    value: Any = None
    hit: bool = False


def storefront_lookup(
    shop_slug: str, parts: Sequence[str], *, product_id: int | str | None = None, shows_stock: bool = False
) -> Lookup:
    """The entry for ``parts`` if it was built under the shop's current version (and the product's,
    with ``product_id``; and after the last order's stock stamp, with ``shows_stock``): one round
    trip to the cache for all of them."""
    key = cache_key(shop_slug, *parts)
    version_key = _version_key(shop_slug)
    keys = [version_key, key]
    if product_id is not None:
        keys.append(_product_version_key(shop_slug, product_id))
    if shows_stock:
        keys.append(_stock_key(shop_slug))
    found = _near_get(key)
    if found is None:
        found = cache.get_many(keys)
        _near_put(key, found)
    version = found.get(version_key)
    product_version = str(found.get(keys[2]) or "0") if product_id is not None else ""
    lookup = Lookup(shop_slug, key, product_id, version, product_version)
    entry = found.get(key)
    if version is None or not isinstance(entry, tuple) or len(entry) != 3:
        return lookup
    stamp, built_at, value = entry
    if stamp != (version, product_version):
        return lookup
    changed = found.get(_stock_key(shop_slug)) if shows_stock else None
    if changed is not None and built_at < changed and time.time() - built_at >= STOCK_GRACE:
        return lookup  # built before the last order moved stock, and old enough to rebuild
    lookup.value, lookup.hit = value, True
    return lookup


def storefront_store(lookup: Lookup, build: Callable[[], Any]) -> Any:
    """``build()``'s result, cached for ``lookup`` under the versions current before it ran (so a
    change committed while it runs makes the entry stale, never a stale entry current). Exceptions
    propagate and nothing is cached."""
    version = lookup.version or storefront_version(lookup.shop_slug)
    built_at = time.time()
    value = build()
    cache.set(lookup.key, ((version, lookup.product_version), built_at, value), ENTRY_TTL)
    _near.pop(lookup.key, None)
    return value


def cached_value(
    shop_slug: str,
    parts: tuple[str, ...],
    build: Callable[[], Any],
    *,
    product_id: int | str | None = None,
    shows_stock: bool = False,
) -> Any:
    """``build()``'s result, cached under the shop's current storefront version (and the product's
    page version with ``product_id``); exceptions propagate and nothing is cached."""
    lookup = storefront_lookup(shop_slug, parts, product_id=product_id, shows_stock=shows_stock)
    return lookup.value if lookup.hit else storefront_store(lookup, build)


# -- Page shells -----------------------------------------------------------------------------------


def shell_csrf_token(request: HttpRequest) -> str:
    """The token a page shell's forms carry: the CSRF mark for a signed-in shopper (their own token
    goes in on the way out), "" for an anonymous visitor (a form then links to a page of its own)."""
    return CSRF_MARK if request.user.is_authenticated else ""


def _messages_html(request: HttpRequest) -> bytes:
    storage = messages.get_messages(request)
    if not storage:  # reads the cookie (and the session only when the request has one)
        return b""
    return render_to_string("includes/messages.html", {"messages": storage}).encode()


def fill_shell(request: HttpRequest, body: bytes) -> bytes:
    """Put one visitor's own parts into a shell: their CSRF token and their messages."""
    if _CSRF_MARK in body:
        body = body.replace(_CSRF_MARK, get_token(request).encode())
    if _MESSAGES_MARK in body:
        body = body.replace(_MESSAGES_MARK, _messages_html(request), 1)
    return body


PageFill = Callable[[HttpRequest, str, dict[str, Any], bytes], bytes]


def cache_public_page(
    view: Callable[..., HttpResponse] | None = None,
    *,
    params: Sequence[str] = (),
    product_kwarg: str | None = None,
    shows_stock: bool = False,
    fill: PageFill | None = None,
) -> Any:
    """Serve an H5 page of a shop from its cached shell, to every visitor (``@cache_public_page`` or
    ``@cache_public_page(...)``). The view renders the shell: ``request.storefront_shell`` is True
    (templates/base.html then leaves the messages mark), its forms carry ``shell_csrf_token``. The
    key is the path, the query ``params`` the page reads (any other, ``?ch=`` of a shared link
    among them, shares the entry), WeChat or not, signed in or not; ``product_kwarg`` adds that
    product's page version, ``shows_stock`` the orders' stock stamp. ``fill(request, shop_slug,
    kwargs, body)`` puts in what else belongs to the visitor."""
    if view is None:
        return lambda view: cache_public_page(
            view, params=params, product_kwarg=product_kwarg, shows_stock=shows_stock, fill=fill
        )

    @wraps(view)
    def wrapper(request: HttpRequest, shop_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        request.storefront_shell = True  # type: ignore[attr-defined]
        try:
            return serve(request, shop_slug, *args, **kwargs)
        except Exception:
            request.storefront_shell = False  # type: ignore[attr-defined]  # the 404 page is no shell
            raise

    def serve(request: HttpRequest, shop_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        member = request.user.is_authenticated
        if request.method != "GET":
            return _filled(request, shop_slug, kwargs, view(request, shop_slug, *args, **kwargs), fill)
        query = urlencode([(name, request.GET[name]) for name in params if name in request.GET])
        parts = (
            "page",
            request.path,
            query,
            "wx" if is_wechat(request) else "web",
            "member" if member else "",
        )
        product_id = kwargs.get(product_kwarg) if product_kwarg else None
        lookup = storefront_lookup(shop_slug, parts, product_id=product_id, shows_stock=shows_stock)
        if lookup.hit:
            return _filled(request, shop_slug, kwargs, HttpResponse(lookup.value), fill)
        return _page_built(
            request, shop_slug, view, args, kwargs,
            store=lambda build: storefront_store(lookup, build), shop_known=lookup.version is not None, fill=fill,
        )  # fmt: skip

    return wrapper


class _NotCacheable(Exception):
    """The view answered something other than a page to keep (a redirect, a 404)."""


def _page_built(
    request: HttpRequest,
    shop_slug: str,
    view: Callable[..., HttpResponse],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    store: Callable[[Callable[[], bytes]], bytes],
    shop_known: bool,
    fill: PageFill | None,
) -> HttpResponse:
    """A cache miss: the view builds the page, ``store`` keeps it (only a 200 page is kept: a
    redirect or an error goes out as it is), and the visitor's own parts are put in. An unknown
    shop's page is answered without making a version or an entry (``shop_known``: its version
    exists, so the shop does)."""
    if not shop_known:
        try:
            shop_get_public(slug=shop_slug)
        except NotFoundError:
            return view(request, shop_slug, *args, **kwargs)
    built: list[HttpResponse] = []

    def build() -> bytes:
        response = view(request, shop_slug, *args, **kwargs)
        built.append(response)
        if response.status_code != 200 or response.streaming:
            raise _NotCacheable
        return response.content

    try:
        body = store(build)
    except _NotCacheable:
        return _filled(request, shop_slug, kwargs, built[0], fill)
    return _filled(request, shop_slug, kwargs, HttpResponse(body), fill)


def _filled(
    request: HttpRequest,
    shop_slug: str,
    kwargs: dict[str, Any],
    response: HttpResponse,
    fill: PageFill | None,
) -> HttpResponse:
    if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
        return response
    body = fill_shell(request, response.content)
    if fill is not None:
        body = fill(request, shop_slug, kwargs, body)
    response.content = body
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(body))
    return response


# -- One shopper's own pages -----------------------------------------------------------------------
#
# The cart and the order lists (H5 and API) belong to one signed-in shopper: they are cached per
# shopper, under the shop's storefront version (the shop's name, a product's title or price) and
# the shopper's own version, which ``shopper_changed`` moves after every write to their cart, their
# orders or their after-sales (orders.services.cart, orders.events.order_event_publish for every
# order event, checkout, privacy). A cart shows stock, so a cart entry (``shows_stock``) built before the shop's last stock
# change is built again (no grace: the cart is exact). Entries live ``SHOPPER_TTL`` seconds.

SHOPPER_TTL = 120


def _shopper_key(user_id: int) -> str:
    return f"shopper:version:{user_id}"


def shopper_changed(user_id: int | None) -> None:
    """Call after a write to what a shopper's own pages show (their cart, orders, after-sales): their
    cached cart and order pages are built again. ``None`` (no shopper) does nothing.

    The version moves at once and again after commit: a page built from the database between the
    write and its commit (it cannot see the write yet) is then stale too, and the shopper's own next
    request, in the same transaction or after it, never reads a page from before their write."""
    if user_id is None:
        return
    key = _shopper_key(user_id)

    def bump() -> None:
        cache.set(key, str(time.time_ns()), VERSION_TTL)

    bump()
    transaction.on_commit(bump)


def shopper_cache_forget(user_id: int) -> None:
    """Drop a shopper's cached pages now (not after a commit): their next read builds them."""
    cache.delete(_shopper_key(user_id))


def _shopper_version(user_id: int) -> str:
    key = _shopper_key(user_id)
    cache.add(key, str(time.time_ns()), VERSION_TTL)
    return cache.get(key) or "0"


@dataclass
class ShopperLookup:
    """One read of a shopper's own entry with the versions it must match (``shopper_lookup``)."""

    shop_slug: str
    user_id: int
    key: str
    storefront: str | None  # the shop's version as read (None: not in the cache yet)
    shopper: str | None  # the shopper's version as read
    value: Any = None
    hit: bool = False


def shopper_lookup(
    shop_slug: str, user_id: int, parts: Sequence[str], *, shows_stock: bool = False
) -> ShopperLookup:
    """The shopper's entry for ``parts`` if it was built under the shop's and the shopper's current
    versions (and, with ``shows_stock``, after the shop's last stock change): one cache round trip."""
    key = cache_key("mine", shop_slug, str(user_id), *parts)
    version_key, shopper_key, stock_key = (
        _version_key(shop_slug),
        _shopper_key(user_id),
        _stock_key(shop_slug),
    )
    found = cache.get_many([version_key, shopper_key, key, *([stock_key] if shows_stock else [])])
    lookup = ShopperLookup(shop_slug, user_id, key, found.get(version_key), found.get(shopper_key))
    entry = found.get(key)
    if lookup.storefront is None or lookup.shopper is None or not isinstance(entry, tuple) or len(entry) != 3:
        return lookup
    stamp, built_at, value = entry
    if stamp != (lookup.storefront, lookup.shopper):
        return lookup
    changed = found.get(stock_key) if shows_stock else None
    if changed is not None and built_at < changed:
        return lookup
    lookup.value, lookup.hit = value, True
    return lookup


def shopper_store(lookup: ShopperLookup, build: Callable[[], Any]) -> Any:
    """``build()``'s result, cached for ``lookup`` under the versions current before it ran (a write
    committed while it runs makes the entry stale). Exceptions propagate and nothing is cached."""
    storefront = lookup.storefront or storefront_version(lookup.shop_slug)
    shopper = lookup.shopper or _shopper_version(lookup.user_id)
    built_at = time.time()
    value = build()
    cache.set(lookup.key, ((storefront, shopper), built_at, value), SHOPPER_TTL)
    return value


def shopper_cached(
    shop_slug: str, user_id: int, parts: Sequence[str], build: Callable[[], Any], *, shows_stock: bool = False
) -> Any:
    """``build()``'s result for this shopper, cached (see ``shopper_lookup``); for API answers."""
    lookup = shopper_lookup(shop_slug, user_id, parts, shows_stock=shows_stock)
    return lookup.value if lookup.hit else shopper_store(lookup, build)


def cache_shopper_page(
    view: Callable[..., HttpResponse] | None = None, *, params: Sequence[str] = (), shows_stock: bool = False
) -> Any:
    """Serve a signed-in shopper's own H5 page (the cart, my orders) from their cached shell
    (``@cache_shopper_page`` or ``@cache_shopper_page(...)``), outside ``shop_page``. Only a
    signed-in GET is cached; anyone else reaches the view. The view renders the shell as for
    ``cache_public_page``: ``request.storefront_shell`` is True and its forms carry
    ``shell_csrf_token`` (the shopper's token and messages go in on the way out). The key is the
    shopper, the path, the query ``params`` the page reads and WeChat or not."""
    if view is None:
        return lambda view: cache_shopper_page(view, params=params, shows_stock=shows_stock)

    @wraps(view)
    def wrapper(request: HttpRequest, shop_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        user_id = request.user.pk if request.user.is_authenticated else None
        if request.method != "GET" or user_id is None:
            return view(request, shop_slug, *args, **kwargs)
        query = urlencode([(name, request.GET[name]) for name in params if name in request.GET])
        parts = ("page", request.path, query, "wx" if is_wechat(request) else "web")
        lookup = shopper_lookup(shop_slug, user_id, parts, shows_stock=shows_stock)
        if lookup.hit:
            return _filled(request, shop_slug, kwargs, HttpResponse(lookup.value), None)
        request.storefront_shell = True  # type: ignore[attr-defined]
        try:
            return _page_built(
                request, shop_slug, view, args, kwargs,
                store=lambda build: shopper_store(lookup, build), shop_known=lookup.storefront is not None, fill=None,
            )  # fmt: skip
        except Exception:
            request.storefront_shell = False  # type: ignore[attr-defined]  # the 404 page is no shell
            raise

    return wrapper
