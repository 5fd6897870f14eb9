"""``VisitCountingMiddleware``: counts a shop's page views, visitors and product views in the cache
(``counters.hit_record``), never in the database (docs/analytics.md#what-is-counted-where).

In ``MIDDLEWARE`` after ``orders.middleware.AttributionMiddleware`` and
``marketing.middleware.GenuineLinkMiddleware``, so ``request.attribution`` is the touch the shop's
rules allow (a switched-off channel's code already dropped): a page is counted under the channel
an order placed now would record. It counts on the way out, after the view answered, so a page
served from the storefront cache counts like any other, and a failed page (404, a redirect, an
error) does not count at all. Counting never breaks a page: a cache that cannot be reached is
logged and the page goes out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from analytics import counters, visits
from core.errors import NotFoundError
from core.h5 import API_SHOP_PATH, H5_SHOP_PATH
from orders.middleware import attribution_of
from shop.selectors import shop_get_public

logger = logging.getLogger(__name__)


def _page_of(request: HttpRequest, response: HttpResponse) -> tuple[str, bool, int | None] | None:
    """``(shop slug, is an H5 page, product id)`` of a countable response, else None."""
    if request.method != "GET" or response.status_code != 200 or response.streaming:
        return None
    match = request.resolver_match
    if match is None:
        return None
    if found := H5_SHOP_PATH.match(request.path_info):
        if match.namespace != visits.H5_PAGE_NAMESPACE or not response.get("Content-Type", "").startswith(
            "text/html"
        ):
            return None
        h5 = True
    elif found := API_SHOP_PATH.match(request.path_info):
        if match.view_name not in visits.API_PAGES:
            return None
        h5 = False
    else:
        return None
    product = match.kwargs.get("product_id") if match.view_name in visits.PRODUCT_PAGES else None
    return found["slug"], h5, int(product) if product is not None else None


SHOP_ID_TTL = 60.0  # seconds a process remembers a shop handle's id (an operator may rename a shop)
_shop_ids: dict[str, tuple[int, float]] = {}


def _shop_id(request: HttpRequest, slug: str) -> int | None:
    """The shop of the URL: the attribution's, else remembered by this process for a minute, else
    ``shop_get_public`` (itself cached): counting a view costs no cache round trip for it."""
    attribution = attribution_of(request)
    if attribution.shop_id is not None:
        return attribution.shop_id
    now = time.monotonic()
    found = _shop_ids.get(slug)
    if found is not None and found[1] > now:
        return found[0]
    try:
        shop_id = int(shop_get_public(slug=slug).pk)
    except NotFoundError:
        return None
    if len(_shop_ids) > 10_000:
        _shop_ids.clear()
    _shop_ids[slug] = (shop_id, now + SHOP_ID_TTL)
    return shop_id


def page_view_count(request: HttpRequest, response: HttpResponse) -> None:
    """Count ``response`` if it is a shop's page answered to a visitor (see ``visits``)."""
    page = _page_of(request, response)
    if page is None:
        return
    slug, h5, product_id = page
    if visits.is_robot(request, page=h5):
        return
    shop_id = _shop_id(request, slug)
    if shop_id is None:
        return
    counters.hit_record(
        counters.Hit(
            shop_id=shop_id,
            visitor=visits.visitor_of(request),
            channel_id=visits.channel_id_of(attribution_of(request), shop_id=shop_id),
            user_id=visits.user_id_of(request),
            product_id=product_id,
        )
    )


class VisitCountingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = visits.current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            visits.current_request.reset(token)
        try:
            page_view_count(request, response)
        except Exception:  # the cache is down or misbehaves: the page still goes out
            logger.exception("visit counting failed for %s", request.path_info)
        new_cookie = getattr(request, "analytics_new_cookie", None)
        if new_cookie is not None and response.status_code < 400:
            response.set_cookie(
                visits.VISITOR_COOKIE, new_cookie, max_age=visits.VISITOR_COOKIE_AGE, httponly=True,
                samesite="Lax", secure=request.is_secure(),
            )  # fmt: skip
        return response
