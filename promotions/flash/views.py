"""The shopper's flash-sale page (H5) and the flash section of the shop home and product pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from core.h5 import is_wechat
from promotions.flash import selectors, services
from shop.h5 import shop_page
from shop.models import Shop


def storefront_section(*, shop: Shop, product: Any = None, csrf_token: str = "") -> str:
    """On the shop home: a link to the flash-sale page while a session runs or one is coming; on
    a product page: the flash price of its SKUs while their session runs. The same for everyone."""
    now = timezone.now()
    live = [item for item in selectors.flash_live_items(shop=shop) if item.ends_at > now]
    if product is not None:
        live = [item for item in live if item.product_id == product.pk and item.starts_at <= now]
        if not live:
            return ""
        return render_to_string(
            "promotions/flash/product_section.html", {"shop": shop, "items": live, "now": now}
        )
    if not live:
        return ""
    running = [item for item in live if item.starts_at <= now]
    return render_to_string(
        "promotions/flash/home_section.html",
        {"shop": shop, "running": bool(running), "next_start": None if running else live[0].starts_at},
    )


@shop_page
def flash_sales(request: HttpRequest, shop: Shop) -> HttpResponse:
    """The running session and the next one, each item with its flash price and what is left; a
    countdown (static/h5/flash.js) counts to the end or the start, which is also printed."""
    services.flash_sessions_sync(shop=shop)  # if the job is late, the page still moves the stock
    board = selectors.flash_board(shop=shop)
    context = {"shop": shop, "is_wechat": is_wechat(request), "board": board}
    return render(request, "promotions/flash/sales.html", context)
