"""Row locks of crm, in one place (tests/test_locks.py).

A customer's profile row is their account in the shop: every write to their points ledger and every
marketing delivery to them locks it first. Lock order: an order's row (``orders.locks``) before
its customer's profile; several profiles in primary-key order.
"""

from __future__ import annotations

from crm.models.profiles import CustomerProfile


def profile_lock(*, pk: int) -> CustomerProfile:
    """One customer's profile, locked (``DoesNotExist`` if gone)."""
    return CustomerProfile.objects.select_for_update().get(pk=pk)


def profiles_lock(*, pks: list[int]) -> list[CustomerProfile]:
    """Several profiles, locked in primary-key order (the ones still there): a merge of two
    profiles of one shopper, and a rebuild of a batch's figures from orders — an order event of
    the same shopper waits for it (or it waits for the event's transaction) so no figure is lost."""
    return list(CustomerProfile.objects.select_for_update().filter(pk__in=pks).order_by("pk"))
