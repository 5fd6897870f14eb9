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
