"""Transitional names for the storefront cache, which lives in ``shop.cache`` (issue 10).

``catalog/services.py``, ``orders/services.py`` and ``shop/demo.py`` still import these names while
other parts of the re-layout move those files; new code imports ``shop.cache``. Delete this module
once nothing imports it (``git grep catalog.cache``).
"""

from __future__ import annotations

from shop.cache import storefront_changed as catalog_changed
from shop.cache import storefront_changed_for_ids as catalog_changed_for_ids

__all__ = ["catalog_changed", "catalog_changed_for_ids"]
