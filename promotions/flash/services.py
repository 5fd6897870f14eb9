"""Every write of flash sales: a session's start (its units leave the SKUs' stock) and end (what is
left goes back), the periodic job doing both, and a cancelled order's units and count coming back
(docs/promotions-flash.md).

Race-proof without long locks:

- a session starts once and ends once: ``UPDATE session SET stock_taken_at = now WHERE
  stock_taken_at IS NULL`` (and the same for ``stock_returned_at``) — two jobs at once, one moves
  the stock, the other finds nothing to do;
- its units are then moved under the items' locks (``promotions.locks.flash_items_lock``: items in
  (SKU, id) order, always before any SKU row, which is only changed by conditional updates);
- a flash order takes its units with ``UPDATE item SET remaining = remaining - n WHERE remaining >=
  n`` and counts them for the shopper with ``UPDATE purchase SET quantity = quantity + n WHERE
  quantity + n <= limit`` (``promotions.flash.rules``), inside the order's transaction, before
  checkout reserves the rest of its stock.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from catalog.models import SKU
from orders.models import Order, OrderStatus
from promotions import locks
from promotions.flash.models import (
    DEFAULT_PAY_MINUTES,
    FlashItem,
    FlashPurchase,
    FlashSaleSettings,
    FlashSession,
)
from shop.cache import storefront_changed
from shop.models import Shop

logger = logging.getLogger(__name__)

CODE = "flash"


def flash_pay_minutes(*, shop: Shop) -> int:
    """How long a flash order may wait for payment in this shop (default 10 minutes)."""
    minutes = FlashSaleSettings.objects.filter(shop=shop).values_list("pay_minutes", flat=True).first()
    return minutes or DEFAULT_PAY_MINUTES


def _take_from_sku(*, sku_id: int, quantity: int) -> int:
    """Take up to ``quantity`` units out of the SKU's stock by conditional updates (never below 0);
    returns how many were taken."""
    for _attempt in range(10):
        stock = SKU.objects.filter(pk=sku_id).values_list("stock", flat=True).first() or 0
        want = min(quantity, stock)
        if want <= 0:
            return 0
        if SKU.objects.filter(pk=sku_id, stock__gte=want).update(stock=F("stock") - want):
            return want
    return 0


@transaction.atomic
def flash_session_start(*, session_id: int, now: datetime | None = None) -> bool:
    """Move each item's units out of its SKU's stock, once (False: not due, or already done)."""
    now = now or timezone.now()
    claimed = FlashSession.objects.filter(
        pk=session_id, is_active=True, stock_taken_at__isnull=True, starts_at__lte=now, ends_at__gt=now
    ).update(stock_taken_at=now, updated_at=now)
    if not claimed:
        return False
    for item in locks.flash_items_lock(session_id=session_id):
        taken = _take_from_sku(sku_id=item.sku_id, quantity=item.quantity)
        FlashItem.objects.filter(pk=item.pk).update(taken=taken, remaining=taken, updated_at=now)
        if taken < item.quantity:
            logger.warning(
                "flash item %s: %s of %s units in stock at the start", item.pk, taken, item.quantity
            )
    _storefront_changed(session_id)
    return True


@transaction.atomic
def flash_session_end(*, session_id: int, now: datetime | None = None) -> bool:
    """Put what is left of each item back into its SKU's stock, once (False: not due or done)."""
    now = now or timezone.now()
    claimed = (
        FlashSession.objects.filter(
            pk=session_id, stock_taken_at__isnull=False, stock_returned_at__isnull=True
        )
        .filter(Q(ends_at__lte=now) | Q(is_active=False))
        .update(stock_returned_at=now, updated_at=now)
    )
    if not claimed:
        return False
    items = locks.flash_items_lock(session_id=session_id)
    back: dict[int, int] = {}
    for item in items:
        if item.remaining:
            back[item.sku_id] = back.get(item.sku_id, 0) + item.remaining
    FlashItem.objects.filter(pk__in=[item.pk for item in items]).update(remaining=0, updated_at=now)
    for sku_id in sorted(back):
        SKU.objects.filter(pk=sku_id).update(stock=F("stock") + back[sku_id])
    _storefront_changed(session_id)
    return True


def _storefront_changed(session_id: int) -> None:
    slug = FlashSession.objects.filter(pk=session_id).values_list("shop__slug", flat=True).first()
    if slug:
        storefront_changed(slug)  # the shop home and product pages show the flash price


def flash_sessions_sync(*, now: datetime | None = None, shop: Shop | None = None) -> int:
    """Start the sessions that are due and end those that are over (the periodic job; also called
    by the flash-sale page and API when the job is late). Safe to run twice at once; returns how
    many sessions it moved."""
    now = now or timezone.now()
    sessions = FlashSession.objects.all() if shop is None else FlashSession.objects.filter(shop=shop)
    due_end = sessions.filter(stock_taken_at__isnull=False, stock_returned_at__isnull=True).filter(
        Q(ends_at__lte=now) | Q(is_active=False)
    )
    due_start = sessions.filter(
        is_active=True, stock_taken_at__isnull=True, starts_at__lte=now, ends_at__gt=now
    )
    moved = 0
    for pk in due_end.order_by("pk").values_list("pk", flat=True)[:200]:
        moved += flash_session_end(session_id=pk, now=now)
    for pk in due_start.order_by("pk").values_list("pk", flat=True)[:200]:
        moved += flash_session_start(session_id=pk, now=now)
    return moved


def flash_sync_job() -> int:
    """The periodic job (``orders.jobs.job_register``)."""
    return flash_sessions_sync()


def flash_stock_return(*, order: Order) -> dict[int, int]:
    """Registered with ``orders.pricing.stock_return_register``: when a cancelled (or expired)
    unpaid order's stock is released, its flash units go back to their item while its session is
    still on (else to the SKU's stock, as any unit), and the shopper's count goes down. A paid
    order's refund gives nothing back to the flash sale."""
    if order.status != OrderStatus.CANCELLED:
        return {}
    wanted: dict[int, int] = {}
    for data in order.discounts.filter(code=CODE).values_list("data", flat=True):
        item_id, quantity = (data or {}).get("item_id"), (data or {}).get("quantity")
        if isinstance(item_id, int) and isinstance(quantity, int) and quantity > 0:
            wanted[item_id] = wanted.get(item_id, 0) + quantity
    if not wanted:
        return {}
    kept: dict[int, int] = {}
    now = timezone.now()
    items = locks.flash_items_lock(pks=list(wanted))  # before the SKUs (released after this)
    live = set(
        FlashSession.objects.filter(
            pk__in={item.session_id for item in items},
            stock_taken_at__isnull=False,
            stock_returned_at__isnull=True,
        ).values_list("pk", flat=True)
    )  # read under the items' locks: a session ending now waits for them, then returns these too
    for item in items:
        quantity = wanted[item.pk]
        FlashPurchase.objects.filter(item=item, user_id=order.user_id).update(
            quantity=Greatest(F("quantity") - quantity, 0), updated_at=now
        )
        update = {"sold": Greatest(F("sold") - quantity, 0), "updated_at": now}
        if item.session_id in live and item.remaining + quantity <= item.taken:
            update["remaining"] = F("remaining") + quantity
            kept[item.sku_id] = kept.get(item.sku_id, 0) + quantity
        FlashItem.objects.filter(pk=item.pk).update(**update)
    return kept
