"""The links marketing makes: a channel's signed ``ch`` code, its short link and target, absolute
URLs, and the product link a shopper's poster carries (with their referral code)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from core.attribution import attribution_sign
from marketing.selectors import ChannelEntry
from shop.models import Shop
from wechat.share import referral_code, share_link


def site_url(request: HttpRequest) -> str:
    """This site's origin as shoppers reach it: ``PUBLIC_URL``, else the request's own."""
    return settings.PUBLIC_URL or f"{request.scheme}://{request.get_host()}"


def absolute(request: HttpRequest, path: str) -> str:
    return f"{site_url(request)}{path}"


def channel_ch_code(*, shop: Shop, code: str) -> str:
    """The signed ``?ch=`` code of a channel of ``shop`` (verified by orders' middleware, no query)."""
    return attribution_sign(kind="ch", shop_id=shop.pk, shop_slug=shop.slug, value=code)


def channel_short_path(*, shop_slug: str, code: str) -> str:
    return reverse("h5:channel-go", args=[shop_slug, code])


def channel_target_path(*, shop_slug: str, entry: ChannelEntry | None, product_public: bool = True) -> str:
    """Where a channel's link lands: its product (while on shelf), else the shop's home (the
    official-account channels too: their QR code is WeChat's, their link opens the shop)."""
    if entry is not None and entry.target == "product" and entry.product_id and product_public:
        return reverse("h5:product", args=[shop_slug, entry.product_id])
    return reverse("h5:home", args=[shop_slug])


def with_ch(path: str, ch: str) -> str:
    return f"{path}?{urlencode({'ch': ch})}"


def product_link(request: HttpRequest, *, shop: Shop, product_id: int) -> str:
    """The absolute product page link a poster's QR code opens: with the requesting shopper's
    signed referral code when they are logged in (``wechat.share``), plain otherwise."""
    url = absolute(request, reverse("h5:product", args=[shop.slug, product_id]))
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return url
    return share_link(url, code=referral_code(shop_id=shop.pk, shop_slug=shop.slug, user_id=user.pk))
