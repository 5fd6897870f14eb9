"""Row locks of distribution, in one place (tests/test_locks.py).

A promoter's row is their account: every write to their ledger (a commission credited, voided,
settled or taken back; a withdrawal asked for, rejected, cancelled, failed) locks it first, so the
balance a withdrawal checks is the balance it leaves — two withdrawals at once run one after the
other and never take more than the balance. Lock order: an order's row (``orders.locks``, taken by
the order's own transaction for its events) before its promoters' rows, several promoters in
primary-key order; a withdrawal takes only its promoter's row (then reads its withdrawal).
"""

from __future__ import annotations

from distribution.models import Promoter


def promoter_lock(*, pk: int) -> Promoter:
    """One promoter's account, locked (``DoesNotExist`` if gone)."""
    return Promoter.objects.select_for_update().get(pk=pk)


def promoters_lock(*, pks: list[int]) -> list[Promoter]:
    """Several promoters' accounts, locked in primary-key order."""
    return list(Promoter.objects.select_for_update().filter(pk__in=pks).order_by("pk"))
