"""The /api/v1/ routes, read from the URLconf (shared by the isolation matrix and the schema tests)."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


def api_routes() -> list[tuple[str, Any]]:
    """Every ``(route, view class)`` under /api/v1/, e.g. ``("/api/v1/shops/<slug:shop_slug>/", ShopDetailView)``."""
    routes = []

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                routes.append((prefix + str(p.pattern), getattr(p.callback, "view_class", None)))

    walk(get_resolver().url_patterns, "/")
    return [(route, view) for route, view in routes if route.startswith("/api/v1/")]


def is_catalog(view) -> bool:
    """The public, read-only catalog endpoints (catalog/api.py)."""
    return view is not None and view.__module__ == "catalog.api"


def is_reference(view) -> bool:
    """Public, read-only reference data the same for every shop (the regions of accounts/api.py and
    their lookup by name)."""
    from accounts.api import RegionListView, RegionMatchView

    return view in (RegionListView, RegionMatchView)


def is_public_reviews(view) -> bool:
    """A product's reviews and their figures (reviews/api.py): public and read-only, as the catalog."""
    from reviews.api import ProductReviewListView, ProductReviewSummaryView

    return view in (ProductReviewListView, ProductReviewSummaryView)


def is_public_read_only(view) -> bool:
    return is_catalog(view) or is_reference(view) or is_public_reviews(view)


def is_account_erase(view) -> bool:
    """The account deletion (accounts/api.py, ``POST /api/v1/me/erase/``): a write on the caller's
    own whole account, never on an object of the URL. The walkers post it as every actor, with the
    confirmation typed: an anonymous caller is refused (401), a merchant's account too (409
    ``account_erase_blocked``), a shopper with an unfinished order too (409)."""
    from accounts.api import AccountEraseView

    return view is AccountEraseView
