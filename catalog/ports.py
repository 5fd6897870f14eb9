"""Ports of ``catalog`` that an app above it fills in its ``AppConfig.ready()``
(docs/architecture.md#layers-and-ports): the shop home and the product page show what a promotion
adds (promotions: the claimable coupons), without catalog importing it.

- **Product panels** and **the product page's version** (``product_panel_register``,
  ``product_page_changed``): see the end of this module (reviews: the rating summary).
- **Storefront sections** (``storefront_section_register``): ``fn(*, shop, product, csrf_token) ->
  str`` — a block of HTML for the shop home (``product`` is None) or a product page ("" when there
  is nothing to show). Both pages are cached for anonymous visitors, so a section must not depend
  on who is looking; ``csrf_token`` is the token to put in a form ("" when the page is cached as a
  whole and a form must not be posted from it: link to a page of your own instead). Sections are
  shown in registration order. A section registered with ``per_viewer=True`` is also given
  ``user``: the signed-in shopper on a page built for them alone (never cached), None on the
  cached anonymous page, so it may add what is theirs (groupbuy: 我的团) only when it has one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe

from shop.cache import VERSION_TTL

StorefrontSection = Callable[..., str]

storefront_section_fns: list[StorefrontSection] = []
per_viewer_section_fns: list[StorefrontSection] = []


def storefront_section_register(fn: StorefrontSection, *, per_viewer: bool = False) -> None:
    if fn not in storefront_section_fns:
        storefront_section_fns.append(fn)
    if per_viewer and fn not in per_viewer_section_fns:
        per_viewer_section_fns.append(fn)


def storefront_section_unregister(fn: StorefrontSection) -> None:
    if fn in storefront_section_fns:
        storefront_section_fns.remove(fn)
    if fn in per_viewer_section_fns:
        per_viewer_section_fns.remove(fn)


def storefront_sections(
    *, shop: Any, product: Any = None, csrf_token: str = "", user: Any = None
) -> SafeString:
    """The registered sections' HTML, joined (each escapes its own content: it is rendered from a
    template). ``user``: the signed-in viewer of a page never cached (None otherwise)."""
    html = "".join(
        fn(
            shop=shop,
            product=product,
            csrf_token=csrf_token,
            **({"user": user} if fn in per_viewer_section_fns else {}),
        )
        for fn in storefront_section_fns
    )
    return mark_safe(html)  # noqa: S308  (each section is rendered from a template, so escaped)


# -- Product page panels and the product page's own cache version ----------------------------------
#
# A **product panel** (``product_panel_register(fn)``): ``fn(*, shop, product) -> str`` — a block of
# HTML the product page shows below its specs and prices, before the description (reviews: the
# rating summary and the latest reviews); "" when there is nothing to show. It is cached with the
# page for anonymous visitors, so it must not depend on who is looking and must carry no form.
# What it shows may change without anything of the shop changing (a new review): the app then calls
# ``product_page_changed(shop_slug=, product_id=)``, which moves on that product's page version
# after commit, so its cached page is built again while the rest of the shop stays cached.

ProductPanel = Callable[..., str]
product_panel_fns: list[ProductPanel] = []


def product_panel_register(fn: ProductPanel) -> None:
    if fn not in product_panel_fns:
        product_panel_fns.append(fn)


def product_panel_unregister(fn: ProductPanel) -> None:
    if fn in product_panel_fns:
        product_panel_fns.remove(fn)


def product_panels(*, shop: Any, product: Any) -> SafeString:
    """The registered panels' HTML for ``product``, joined (each escapes its own content)."""
    html = "".join(fn(shop=shop, product=product) for fn in product_panel_fns)
    return mark_safe(html)  # noqa: S308  (each panel is rendered from a template, so escaped)


def _product_page_version_key(shop_slug: str, product_id: int) -> str:
    return f"catalog:product-version:{shop_slug}:{product_id}"


def product_page_version(shop_slug: str, product_id: int) -> str:
    """Part of the cached product page's key: moved on by ``product_page_changed`` ("0" before)."""
    return str(cache.get(_product_page_version_key(shop_slug, product_id)) or "0")


def product_page_changed(*, shop_slug: str, product_id: int) -> None:
    """One product's page changes (not the rest of the shop): after commit, its cached page is
    dropped by moving on its own version."""
    key = _product_page_version_key(shop_slug, product_id)
    transaction.on_commit(lambda: cache.set(key, str(time.time_ns()), VERSION_TTL))
