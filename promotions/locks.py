"""Row locks of promotions, in one place (tests/test_locks.py).

Claiming a coupon takes no lock: the per-shopper limit is a unique ``(coupon, user, seq)`` row and
the total a conditional ``UPDATE … SET claimed_count = claimed_count + 1 WHERE claimed_count <
total_quantity``; using a claim is a conditional ``UPDATE … WHERE status IN (usable, returned)``.
Opening a red packet locks its pool (the random amount depends on what is left), then writes the
claim. Giving a claim back locks the claim row, after the order's lock (the order event's).
"""

from __future__ import annotations

from promotions.models import CouponClaim, FlashItem, RedPacketPool


def red_packet_pool_lock(*, pk: int) -> RedPacketPool:
    """One pool, locked: openings of one pool run one at a time (``DoesNotExist`` if gone)."""
    return RedPacketPool.objects.select_for_update().get(pk=pk)


def coupon_claim_lock_if_exists(*, pk: int) -> CouponClaim | None:
    return CouponClaim.objects.select_for_update().filter(pk=pk).first()


def flash_items_lock(*, session_id: int | None = None, pks: list[int] | None = None) -> list[FlashItem]:
    """Flash items, locked in (SKU, id) order — the one order of every flash write (a session's
    start and end, a cancelled order's units coming back; checkout's conditional update takes
    them in the same order, its lines being sorted by SKU), and always before any SKU row."""
    queryset = FlashItem.objects.select_for_update().order_by("sku_id", "pk")
    if session_id is not None:
        queryset = queryset.filter(session_id=session_id)
    if pks is not None:
        queryset = queryset.filter(pk__in=pks)
    return list(queryset)
