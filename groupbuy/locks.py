"""Row locks of groupbuy, in one place (tests/test_locks.py).

A group's row lock serialises everything that changes its seats or its state: a member's payment
taking a seat (so the last seat goes to exactly one payer), the expiry job failing it, a member
leaving. Lock order: the order first (the payment and the refund hold it already), then the group;
the expiry job locks only the group and sends the refunds after commit.
"""

from __future__ import annotations

from groupbuy.models import Group


def group_lock(*, pk: int) -> Group:
    """One group, locked (``Group.DoesNotExist`` if it is gone)."""
    return Group.objects.select_for_update().get(pk=pk)


def group_lock_if_exists(*, pk: int) -> Group | None:
    return Group.objects.select_for_update().filter(pk=pk).first()
