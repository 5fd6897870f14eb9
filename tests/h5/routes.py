"""The H5 shop routes under /s/<shop>/, read from the URLconf (walked by the cross-shopper matrix)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable

from django.urls import URLPattern, URLResolver, get_resolver


def h5_routes() -> list[tuple[str, Callable]]:
    """Every ``(route, view function)`` under /s/<shop>/, e.g. ``("/s/<slug:shop_slug>/cart/", cart)``."""
    routes = []

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                routes.append((prefix + str(p.pattern), p.callback))

    walk(get_resolver().url_patterns, "/")
    return [(route, view) for route, view in routes if route.startswith("/s/<slug:shop_slug>/")]


def form_actions(view: Callable) -> set[str]:
    """The ``action`` values a view's POST handles (``action == "withdraw"``), read from its source,
    so a new button is walked the day it is added."""
    source = inspect.getsource(inspect.unwrap(view))
    return set(re.findall(r"""action\s*==\s*["'](\w+)["']""", source)) | set(
        re.findall(r"""POST\.get\(\s*["']action["']\s*,\s*["'](\w+)["']""", source)
    )
