"""Ports of ``catalog`` that an app above it fills in its ``AppConfig.ready()``
(docs/architecture.md#layers-and-ports): the shop home and the product page show what a promotion
adds (promotions: the claimable coupons), without catalog importing it.

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

from collections.abc import Callable
from typing import Any

from django.utils.safestring import SafeString, mark_safe

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
