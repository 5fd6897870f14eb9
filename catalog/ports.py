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
  ``user``. Pages are cached as shells shared by every visitor (shop.cache): such a section is built
  into the shell with ``user=None`` (what everyone sees) and, for a signed-in shopper, built again
  on the way out with ``user`` set and put in its place (``viewer_sections_fill``), so it may add
  what is theirs (groupbuy: 我的团). A section that is "" for ``user=None`` must be "" for every
  viewer: a signed-in hit then costs no query for it. Then ``product`` is the product alone (one
  query, none of the product page's prefetches) and ``csrf_token`` the viewer's own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from shop.cache import product_page_changed, product_page_version

__all__ = [
    "product_page_changed",
    "product_page_version",
    "product_panel_register",
    "product_panel_unregister",
    "product_panels",
    "storefront_section_register",
    "storefront_section_unregister",
    "storefront_sections",
    "viewer_sections_fill",
    "viewer_slots_strip",
]

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


def _slot_name(fn: StorefrontSection) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def storefront_sections(
    *, shop: Any, product: Any = None, csrf_token: str = "", user: Any = None, viewer_slots: bool = False
) -> SafeString:
    """The registered sections' HTML, joined (each escapes its own content: it is rendered from a
    template). ``user``: the signed-in viewer of a page built for them alone (None otherwise).
    ``viewer_slots``: a page shell for everyone: each per-viewer section that shows something is
    marked, so ``viewer_sections_fill`` can build it again for a signed-in viewer."""
    parts = []
    for fn in storefront_section_fns:
        if fn not in per_viewer_section_fns:
            parts.append(fn(shop=shop, product=product, csrf_token=csrf_token))
            continue
        html = fn(shop=shop, product=product, csrf_token=csrf_token, user=None if viewer_slots else user)
        if viewer_slots and html:
            name = _slot_name(fn)
            html = f"<!--weishop:viewer {name}-->{html}<!--/weishop:viewer {name}-->"
        parts.append(html)
    return mark_safe("".join(parts))  # noqa: S308  (each section is rendered from a template, so escaped)


_VIEWER_SLOT = re.compile(rb"<!--weishop:viewer ([\w.<>]+)-->.*?<!--/weishop:viewer \1-->", re.S)


def viewer_sections_fill(
    body: bytes, *, shop: Callable[[], Any], product: Callable[[], Any], user: Any, csrf_token: str
) -> bytes:
    """``body`` (a page shell with ``viewer_slots``) with each marked per-viewer section built again
    for ``user``; ``shop`` and ``product`` are loaded (by calling them) only when there is one."""
    if b"<!--weishop:viewer " not in body:
        return body
    by_name = {_slot_name(fn): fn for fn in per_viewer_section_fns}
    loaded: dict[str, Any] = {}

    def rebuild(match: re.Match[bytes]) -> bytes:
        fn = by_name.get(match[1].decode())
        if fn is None:
            return b""
        if not loaded:
            loaded.update(shop=shop(), product=product())
        html = fn(shop=loaded["shop"], product=loaded["product"], csrf_token=csrf_token, user=user)
        return str(html).encode()

    return _VIEWER_SLOT.sub(rebuild, body)


def viewer_slots_strip(body: bytes) -> bytes:
    """``body`` with the per-viewer marks taken out (what an anonymous visitor gets)."""
    if b"<!--weishop:viewer " not in body:
        return body
    return re.sub(rb"<!--/?weishop:viewer [\w.<>]+-->", b"", body)


# -- Product page panels and the product page's own cache version ----------------------------------
#
# A **product panel** (``product_panel_register(fn)``): ``fn(*, shop, product) -> str`` — a block of
# HTML the product page shows below its specs and prices, before the description (reviews: the
# rating summary and the latest reviews); "" when there is nothing to show. It is cached with the
# page shell every visitor shares, so it must not depend on who is looking and must carry no form.
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


# ``product_page_version`` and ``product_page_changed`` live in shop.cache (the storefront cache
# reads them with the page in one round trip) and are named here for the apps above.
