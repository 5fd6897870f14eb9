"""Who is visiting, and whether a request is a visit at all (docs/analytics.md#what-is-counted-where).

- **A visitor** is the signed-in shopper (``u<user id>``), else the browser's first-party visitor
  cookie ``ws_v`` (``c<id>``). A browser without the cookie gets one with its first counted page;
  for the rest of that day it is counted by an *alias* kept in the cookie — a keyed hash of its IP
  address and user agent for the day (``a<alias>``) — which is also what counts a client that
  never keeps cookies, so neither that first page nor a cookie-less client counts a new visitor
  with every view. An API call is never given the cookie (the mini-program keeps none): a caller
  who is not signed in is its alias. No session is made and nothing is written to the database.
- **Not a visit**: anything but a GET answered 200; a known robot or link-preview fetcher by its
  user agent, or none at all; a browser's prefetch or prerender (``Sec-Purpose``/``Purpose``
  ``prefetch``, ``X-Moz: prefetch``, ``X-Purpose: preview``); an H5 page fetched without an
  ``Accept-Language`` header (every browser, WeChat's included, sends one; link previewers and
  scripts mostly do not).
- **A page** is an H5 page of a shop (``/s/<shop>/…``, HTML) or one of the API's page-like
  reads (the shop, its product list, a product); the H5 product page and the API's product detail
  are also **product views**.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from contextvars import ContextVar
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from accounts.auth_cache import token_user_id
from analytics import counters
from core.attribution import Attribution
from core.h5 import API_SHOP_PATH, client_ip
from marketing.selectors import marketing_profile
from orders.middleware import attribution_of

VISITOR_COOKIE = "ws_v"
VISITOR_COOKIE_AGE = 365 * 86400
COOKIE_VALUE = re.compile(r"^(?P<id>[0-9a-f]{24})(?:\.(?P<day>[0-9]{8})\.(?P<alias>[0-9a-f]{16}))?$")

BOT_AGENT = re.compile(
    r"bot\b|bot/|spider|crawl|slurp|preview|facebookexternalhit|whatsapp|telegram|skypeuripreview|"
    r"bingpreview|headless|lighthouse|pingdom|uptime|monitor|curl/|wget/|python-|httpclient|go-http-client|"
    r"java/|libwww|okhttp/|scrapy|axios/|node-fetch|postman",
    re.IGNORECASE,
)

H5_PAGE_NAMESPACE = "h5"
API_PAGES = {"api-shop", "api-products", "api-product"}
PRODUCT_PAGES = {"h5:product", "api-product"}

# The request being answered, for the add-to-cart listener (it runs inside the request, after
# ``cart_add`` commits, and needs the visitor and the channel the middleware would count).
current_request: ContextVar[HttpRequest | None] = ContextVar("analytics_request", default=None)


def is_robot(request: HttpRequest, *, page: bool) -> bool:
    """A robot, a link preview or a prefetch, as far as the request tells (``page``: an H5 page,
    which a browser asks for with an Accept-Language header)."""
    agent = request.headers.get("User-Agent", "")
    if not agent or BOT_AGENT.search(agent):
        return True
    purpose = " ".join(
        request.headers.get(name, "") for name in ("Sec-Purpose", "Purpose", "X-Purpose", "X-Moz")
    ).lower()
    if "prefetch" in purpose or "prerender" in purpose or "preview" in purpose:
        return True
    return page and not request.headers.get("Accept-Language")


def _alias(request: HttpRequest, day: str) -> str:
    raw = f"{client_ip(request)}|{request.headers.get('User-Agent', '')[:300]}|{day}"
    key = f"analytics.visitor.{settings.SECRET_KEY}".encode()
    return hmac.new(key, raw.encode(), hashlib.sha256).hexdigest()[:16]


def _token_user_id(request: HttpRequest) -> int | None:
    """The shopper an API call's ``Authorization: Token …`` header names (the catalog's endpoints
    are public and never look at it): accounts' cached token lookup, one cache read and no query
    when warm (for counting only: whether the account is still active is not asked)."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Token ") or len(header) > 100:
        return None
    key = header[6:].strip()
    now = time.monotonic()
    found = _token_users.get(key)
    if found is not None and found[1] > now:
        return found[0]
    user_id = token_user_id(key=key)
    if len(_token_users) > 10_000:
        _token_users.clear()
    _token_users[key] = (user_id, now + TOKEN_MEMO_SECONDS)
    return user_id


# A token's user as this process last read it, for counting only (authentication always asks the
# cache, so a deleted token is refused at once): a catalog call with a token counts its visitor
# without a cache read. A token deleted meanwhile is counted as its user for at most this long.
TOKEN_MEMO_SECONDS = 60.0
_token_users: dict[str, tuple[int | None, float]] = {}


def user_id_of(request: HttpRequest) -> int | None:
    """The signed-in shopper of the request (the session's, or an API call's token), or None."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return int(user.pk)
    if API_SHOP_PATH.match(request.path_info):
        return _token_user_id(request)
    return None


def visitor_of(request: HttpRequest, *, now: datetime | None = None) -> str:
    """The request's visitor (see the module docstring). A browser without a visitor cookie is
    given one: ``request.analytics_new_cookie`` holds its value for the middleware to set."""
    user_id = user_id_of(request)
    if user_id is not None:
        return f"u{user_id}"
    today = timezone.localdate(now).strftime("%Y%m%d")
    found = COOKIE_VALUE.fullmatch(request.COOKIES.get(VISITOR_COOKIE, ""))
    if found is not None:
        if found["day"] == today and found["alias"]:
            return f"a{found['alias']}"
        return f"c{found['id']}"
    if API_SHOP_PATH.match(request.path_info):  # the mini-program keeps no cookie: the alias alone
        return f"a{_alias(request, today)}"
    new = getattr(request, "analytics_new_cookie", None)
    if new is None:
        new = f"{secrets.token_hex(12)}.{today}.{_alias(request, today)}"
        request.analytics_new_cookie = new  # type: ignore[attr-defined]
    return f"a{new.rsplit('.', 1)[1]}"


def channel_id_of(attribution: Attribution, *, shop_id: int) -> int:
    """marketing's id of the attribution's channel in this shop (its cached profile: no query once
    warm), or 0 for none (no channel, another shop's, or one since deleted)."""
    if not attribution or attribution.shop_id != shop_id or not attribution.channel_code:
        return 0
    entry = marketing_profile(shop_id=shop_id).channel(attribution.channel_code)
    return entry.id if entry is not None else 0


def cart_added(*, shop_id: int, product_id: int, sku_id: int, quantity: int, user_id: int | None) -> None:
    """orders' cart-added port: one add-to-cart of the product, by the visitor of the request being
    answered (its channel too), else by the signed-in shopper alone (no request: counted, with no
    channel)."""
    request = current_request.get()
    if request is not None:
        visitor = visitor_of(request)
        channel = channel_id_of(attribution_of(request), shop_id=shop_id)
    else:
        visitor, channel = (f"u{user_id}" if user_id else ""), 0
    counters.hit_record(
        counters.Hit(shop_id=shop_id, visitor=visitor, channel_id=channel, user_id=user_id,
                     product_id=product_id, page=False, cart=True)
    )  # fmt: skip
