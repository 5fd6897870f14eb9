"""Tenant reads: the open shop a public page or API call is about."""

from __future__ import annotations

from django.core.cache import cache
from django.utils.translation import gettext

from core.errors import NotFoundError
from shop.models import Shop

SHOP_CACHE_TTL = 60


def shop_public_cache_key(slug: str) -> str:
    return f"shop:public:{slug}"


def shop_suspended_message() -> str:
    """What a shopper reads on every page of a shop the platform suspended (the 404 page says it
    under its own heading; the API's ``shop_not_found`` carries it as the message)."""
    return gettext("该店铺已被平台暂停营业，暂时无法浏览商品和下单。")


def shop_get_public(*, slug: str) -> Shop:
    """The open shop with this handle, or ``NotFoundError`` (suspended shops are not found: the
    error says the shop is suspended)."""
    key = shop_public_cache_key(slug)
    shop: Shop | None = cache.get(key)
    if shop is None:
        shop = Shop.objects.filter(slug=slug).first()
        if shop is None:
            raise NotFoundError("shop_not_found", gettext("店铺不存在或已关闭。"))
        if not shop.is_active:
            raise NotFoundError("shop_not_found", shop_suspended_message())
        cache.set(key, shop, SHOP_CACHE_TTL)  # dropped by shop.cache.storefront_changed
    return shop
