"""Reads of flash sales for the pages and the API: a fixed number of queries whatever the number of
items (tests/promotions/flash/test_flash_pages.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from promotions.flash.models import FlashItem, FlashSession
from shop.cache import cached_value
from shop.models import Shop


@dataclass(frozen=True)
class Board:
    """What the flash-sale page shows: the session running now and the next one (either may be None)."""

    current: FlashSession | None
    upcoming: FlashSession | None
    now: datetime


def flash_board(*, shop: Shop, now: datetime | None = None) -> Board:
    """The running and the next session of ``shop``, each with its items, SKUs and products
    (two queries)."""
    now = now or timezone.now()
    sessions = list(
        FlashSession.objects.filter(
            shop=shop, is_active=True, ends_at__gt=now, stock_returned_at__isnull=True
        )
        .order_by("starts_at", "pk")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=FlashItem.objects.select_related(
                    "sku", "sku__product", "sku__product__cover", "sku__image"
                ).order_by("pk"),
            )
        )[:5]
    )
    current = next((s for s in sessions if s.starts_at <= now), None)
    upcoming = next((s for s in sessions if s.starts_at > now), None)
    return Board(current=current, upcoming=upcoming, now=now)


@dataclass(frozen=True)
class LiveItem:
    """A flash item as the product page shows it (the same for everyone, cached)."""

    product_id: int
    sku_id: int
    sku_text: str
    price_fen: int
    flash_price_fen: int
    session_name: str
    starts_at: datetime
    ends_at: datetime


def flash_live_items(*, shop: Shop) -> list[LiveItem]:
    """Items of the shop's sessions that have not ended, cached under the storefront version (which a
    session's start and end bump); the caller keeps those running now."""

    def build() -> list[LiveItem]:
        now = timezone.now()
        rows = FlashItem.objects.filter(
            shop=shop,
            session__is_active=True,
            session__ends_at__gt=now,
            session__stock_returned_at__isnull=True,
        ).select_related("session", "sku")
        return [
            LiveItem(
                product_id=item.sku.product_id,
                sku_id=item.sku_id,
                sku_text=item.sku.spec_text,
                price_fen=item.sku.price_fen,
                flash_price_fen=item.flash_price_fen,
                session_name=item.session.name,
                starts_at=item.session.starts_at,
                ends_at=item.session.ends_at,
            )
            for item in rows.order_by("session__starts_at", "pk")[:200]
        ]

    items: list[LiveItem] = cached_value(shop.slug, ("flash-live",), build)
    return items
