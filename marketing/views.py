"""marketing's H5 pages: a channel's short link and the product poster.

Neither writes to the database: the short link counts its visit in the cache
(``services.channel_visit_record``), the poster is drawn once and cached (``posters``)."""

from __future__ import annotations

import re
import secrets

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from catalog.models import Product
from marketing import links, posters
from marketing.selectors import ChannelEntry, marketing_profile
from marketing.services import channel_visit_record
from shop.cache import cached_value
from shop.h5 import shop_page
from shop.models import Shop

VISITOR_COOKIE = "ws_vid"
VISITOR_ID = re.compile(r"^[0-9a-f]{24}$")
VISITOR_COOKIE_AGE = 365 * 86400


def visitor_of(request: HttpRequest) -> tuple[str, str | None]:
    """Who counts as one visitor: the logged-in shopper, else the browser's visitor cookie (a new
    one, returned second, when it has none)."""
    if request.user.is_authenticated:
        return f"u{request.user.pk}", None
    cookie = request.COOKIES.get(VISITOR_COOKIE, "")
    if VISITOR_ID.fullmatch(cookie):
        return f"c{cookie}", None
    new = secrets.token_hex(12)
    return f"c{new}", new


def product_on_shelf(shop: Shop, product_id: int) -> bool:
    """Cached under the storefront version, which any change of the product moves on."""
    return bool(
        cached_value(
            shop.slug,
            ("marketing-on-shelf", str(product_id)),
            lambda: Product.objects.filter(shop=shop, pk=product_id, status=Product.Status.ON_SALE).exists(),
        )
    )


def channel_destination(shop: Shop, entry: ChannelEntry) -> str:
    public = entry.target != "product" or not entry.product_id or product_on_shelf(shop, entry.product_id)
    path = links.channel_target_path(shop_slug=shop.slug, entry=entry, product_public=public)
    return links.with_ch(path, links.channel_ch_code(shop=shop, code=entry.code))


@require_safe
@shop_page
def channel_go(request: HttpRequest, shop: Shop, channel_code: str) -> HttpResponse:
    """``/s/<shop>/go/<code>/``: a channel's short link (and what its QR code opens). Counts the
    visit (cache only) and redirects to the channel's target with its signed ``?ch=`` code; an
    unknown or switched-off channel goes to the shop's home, attributing nothing."""
    entry = marketing_profile(shop_id=shop.pk).channel(channel_code)
    if entry is None or not entry.is_active:
        response = HttpResponseRedirect(reverse("h5:home", args=[shop.slug]))
        add_never_cache_headers(response)
        return response
    visitor, new_cookie = visitor_of(request)
    if request.method == "GET":  # a HEAD (a link checker's) opens nothing
        channel_visit_record(channel_id=entry.id, visitor=visitor)
    response = HttpResponseRedirect(channel_destination(shop, entry))
    add_never_cache_headers(response)  # every open is a visit: no browser or proxy may skip it
    if new_cookie is not None:
        response.set_cookie(VISITOR_COOKIE, new_cookie, max_age=VISITOR_COOKIE_AGE, httponly=True, samesite="Lax",
                            secure=request.is_secure())  # fmt: skip
    return response


def poster_response(png: bytes, *, name: str) -> HttpResponse:
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_safe
@shop_page
def product_poster(request: HttpRequest, shop: Shop, product_id: int) -> HttpResponse:
    """``/s/<shop>/p/<id>/poster.png``: the product's share poster, whose QR code opens the product
    with the shopper's referral code (the plain link for a visitor who is not logged in)."""
    link = links.product_link(request, shop=shop, product_id=product_id)
    png = posters.product_poster_png(shop=shop, product_id=product_id, link=link)
    return poster_response(png, name=f"poster-{product_id}.png")
