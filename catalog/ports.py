"""Ports of ``catalog`` that an app above it fills in its ``AppConfig.ready()``
(docs/architecture.md#layers-and-ports): the shop home and the product page show what a promotion
adds (promotions: the claimable coupons), without catalog importing it.

- **Storefront sections** (``storefront_section_register``): ``fn(*, shop, product, csrf_token) ->
  str`` — a block of HTML for the shop home (``product`` is None) or a product page ("" when there
  is nothing to show). Both pages are cached for anonymous visitors, so a section must not depend
  on who is looking; ``csrf_token`` is the token to put in a form ("" when the page is cached as a
  whole and a form must not be posted from it: link to a page of your own instead). Sections are
  shown in registration order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.safestring import SafeString, mark_safe

StorefrontSection = Callable[..., str]

storefront_section_fns: list[StorefrontSection] = []


def storefront_section_register(fn: StorefrontSection) -> None:
    if fn not in storefront_section_fns:
        storefront_section_fns.append(fn)


def storefront_section_unregister(fn: StorefrontSection) -> None:
    if fn in storefront_section_fns:
        storefront_section_fns.remove(fn)


def storefront_sections(*, shop: Any, product: Any = None, csrf_token: str = "") -> SafeString:
    """The registered sections' HTML, joined (each escapes its own content: it is rendered from a
    template)."""
    html = "".join(fn(shop=shop, product=product, csrf_token=csrf_token) for fn in storefront_section_fns)
    return mark_safe(html)  # noqa: S308  (each section is rendered from a template, so escaped)
