"""Row locks of the tenant, in one place (as Saleor's ``lock_objects.py``): call inside a
transaction; each returns the row read again under ``SELECT ... FOR UPDATE``."""

from __future__ import annotations

from shop.models import Shop


def shop_lock(shop: Shop) -> Shop:
    """The shop row, locked: serialises changes to its details and its verification."""
    return Shop.objects.select_for_update().get(pk=shop.pk)
