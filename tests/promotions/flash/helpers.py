"""Building flash-sale sessions for the tests."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from catalog.models import SKU
from promotions.flash.models import FlashItem, FlashSession
from shop.models import Shop


def make_session(
    *,
    shop: Shop,
    sku: SKU,
    flash_price_fen: int,
    quantity: int = 10,
    per_user_limit: int = 1,
    starts_in: timedelta = timedelta(minutes=-1),
    lasts: timedelta = timedelta(hours=1),
    name: str = "午间秒杀",
) -> tuple[FlashSession, FlashItem]:
    starts = (
        timezone.now().replace(second=0, microsecond=0) + starts_in
    )  # as admin's date and time fields give them
    session = FlashSession.objects.create(shop=shop, name=name, starts_at=starts, ends_at=starts + lasts)
    item = FlashItem.objects.create(
        shop=shop, session=session, sku=sku, flash_price_fen=flash_price_fen, quantity=quantity,
        per_user_limit=per_user_limit,
    )  # fmt: skip
    return session, item
