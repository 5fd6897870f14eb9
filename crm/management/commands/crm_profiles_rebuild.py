"""Work every customer profile's figures out again from the orders (docs/crm.md#customers): for
shops that took orders before crm came in, or after a fault. Shoppers with orders and no profile
get one; orders, spend, first/last order, province, first channel and referrer come from the
orders; the official account's followers get their follow state. Running it again changes nothing;
order events meanwhile are neither lost nor counted twice (each batch's profiles are locked)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crm.services.profiles import REBUILD_BATCH, profiles_rebuild
from shop.models import Shop


class Command(BaseCommand):
    help = "Recompute every customer profile from orders and followers (idempotent; docs/crm.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shop", help="only this shop (its slug)")
        parser.add_argument("--batch", type=int, default=REBUILD_BATCH, help="profiles per locked batch")

    def handle(self, *args: Any, shop: str | None = None, batch: int = REBUILD_BATCH, **options: Any) -> None:
        shop_id = None
        if shop:
            shop_id = Shop.objects.filter(slug=shop).values_list("pk", flat=True).first()
            if shop_id is None:
                raise CommandError(f"没有这个店铺 (no such shop): {shop}")
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        result = profiles_rebuild(shop_id=shop_id, batch=batch)
        self.stdout.write(
            f"shops={result.shops} profiles_made={result.made} profiles_recomputed={result.recomputed} "
            f"followers={result.followers}"
        )
