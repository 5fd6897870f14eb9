"""analytics' writes: the rollup job and the backfill (docs/analytics.md#the-rollup-job).

``figures_rollup`` (a periodic job, every minute) does three things for the last ``FLUSH_DAYS``
days:

1. flushes the cache counters (``counters``) into ``DailyFigure``, ``ChannelDailyFigure`` and
   ``ProductDailyFigure`` rows: a counter holds the day's running total, so a row is set to it,
   never added to, and never goes down (a cache that lost its counters leaves what was flushed);
2. hands the day's signed-in visitors to crm (``crm.services.profiles.profiles_seen``);
3. recomputes the order figures of those days from the orders themselves
   (``orders_figures_recompute``): orders placed by the day placed, paying customers and paid
   amounts by the day paid, refunds by the day refunded, per shop, per channel and per product.

Each step sets values from their source, so running the job twice, or in two workers at once,
counts nothing twice. ``manage.py analytics_backfill`` runs step 3 over any range.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Model, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from analytics import counters
from analytics.models import (
    ORDER_FIELDS,
    VISIT_FIELDS,
    ChannelDailyFigure,
    DailyFigure,
    ProductDailyFigure,
)
from catalog.models import Product
from marketing.models import Channel
from orders.models import AfterSale, Order, OrderLine
from shop.models import Shop

logger = logging.getLogger(__name__)

PRODUCT_VISIT_FIELDS = ("views", "cart_adds")
PRODUCT_ORDER_FIELDS = ("paid_units", "paid_fen")
SHOP_BATCH = 200


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def recent_days(*, days: int = counters.FLUSH_DAYS, today: date | None = None) -> list[date]:
    today = today or timezone.localdate()
    return [today - timedelta(days=n) for n in range(days)]


# ---------------------------------------------------------------- 1. cache counters -> rows


def _raise_to(row: Model, numbers: dict[str, int], fields: Sequence[str]) -> bool:
    """Set each of ``fields`` to the counter where the counter is higher; True if one changed."""
    changed = False
    for name in fields:
        value = int(numbers.get(name, 0))
        if value > getattr(row, name):
            setattr(row, name, value)
            changed = True
    return changed


def _flush_rows(
    model: type[Model], key_fields: Sequence[str], fields: Sequence[str],
    counted: dict[tuple[Any, ...], dict[str, int]], existing: Iterable[Model],
) -> int:  # fmt: skip
    stored = {tuple(getattr(row, f) for f in key_fields): row for row in existing}
    new, changed = [], []
    for key, numbers in counted.items():
        row = stored.get(key)
        if row is None:
            new.append(
                model(
                    **dict(zip(key_fields, key, strict=True)), **{f: int(numbers.get(f, 0)) for f in fields}
                )
            )
        elif _raise_to(row, numbers, fields):
            changed.append(row)
    if new:  # another worker may have just made one: it is then raised to the same totals
        model._default_manager.bulk_create(
            new, update_conflicts=True, unique_fields=list(key_fields), update_fields=[*fields, "updated_at"]
        )
    if changed:
        now = timezone.now()
        for row in changed:
            row.updated_at = now  # type: ignore[attr-defined]
        model._default_manager.bulk_update(changed, [*fields, "updated_at"])
    return len(new) + len(changed)


def counters_flush(*, day: date) -> int:
    """Write the cache counters of ``day`` into its rows; returns how many rows it made or raised."""
    counted_ids = counters.shops_counted(day)
    shop_ids = (
        sorted(Shop.objects.filter(pk__in=counted_ids).values_list("pk", flat=True)) if counted_ids else []
    )
    written = 0
    for start in range(0, len(shop_ids), SHOP_BATCH):
        batch = shop_ids[start : start + SHOP_BATCH]
        counted = counters.counts_read(shop_ids=batch, days=[day])
        if not counted:
            continue
        channel_ids = {cid for counts in counted.values() for cid in counts.channels if cid}
        codes = (
            dict(Channel.objects.filter(pk__in=channel_ids).values_list("pk", "code")) if channel_ids else {}
        )
        product_ids = {pid for counts in counted.values() for pid in counts.products}
        live_products = set(
            Product.objects.filter(pk__in=product_ids, shop_id__in=batch).values_list("pk", flat=True)
        )
        shops: dict[tuple[Any, ...], dict[str, int]] = {}
        channels: dict[tuple[Any, ...], dict[str, int]] = {}
        products: dict[tuple[Any, ...], dict[str, int]] = {}
        for (shop_id, _day), counts in counted.items():
            shops[shop_id, day] = counts.total
            for cid, numbers in counts.channels.items():
                if cid and cid not in codes:
                    continue  # a channel deleted since: its code is gone with it
                channels[shop_id, day, codes.get(cid, "")] = numbers
            for pid, numbers in counts.products.items():
                if pid in live_products:
                    products[shop_id, day, pid] = numbers
        with transaction.atomic():
            written += _flush_rows(
                DailyFigure, ("shop_id", "day"), VISIT_FIELDS, shops,
                DailyFigure.objects.filter(shop_id__in=batch, day=day),
            )  # fmt: skip
            written += _flush_rows(
                ChannelDailyFigure, ("shop_id", "day", "channel_code"), VISIT_FIELDS, channels,
                ChannelDailyFigure.objects.filter(shop_id__in=batch, day=day),
            )  # fmt: skip
            written += _flush_rows(
                ProductDailyFigure, ("shop_id", "day", "product_id"), PRODUCT_VISIT_FIELDS, products,
                ProductDailyFigure.objects.filter(shop_id__in=batch, day=day, product_id__in=live_products),
            )  # fmt: skip
    return written


# ---------------------------------------------------------------- 2. signed-in visitors -> crm


def visitors_hand_to_crm(*, day: date) -> int:
    """Give crm the shop's signed-in visitors of ``day`` not yet handed over (``profiles_seen``:
    each gets a profile in the shop, its first channel set once). Returns how many profiles crm
    made. A shop whose hand-over fails is logged and tried again at the next run."""
    from accounts.models import User
    from crm.services.profiles import profiles_seen

    made = 0
    counted = counters.shops_counted(day)
    for shop_id in (
        Shop.objects.filter(pk__in=counted).order_by("pk").values_list("pk", flat=True) if counted else []
    ):
        seen, upto = counters.users_pending(shop_id=shop_id, day=day)
        if not seen:
            continue
        channel_ids = {channel for _user, channel, _at in seen if channel}
        codes = (
            dict(Channel.objects.filter(pk__in=channel_ids, shop_id=shop_id).values_list("pk", "code"))
            if channel_ids
            else {}
        )
        users = set(
            User.objects.filter(pk__in=[user for user, _c, _at in seen], is_active=True).values_list(
                "pk", flat=True
            )
        )
        try:
            made += profiles_seen(
                shop_id=shop_id,
                seen=[(user, codes.get(channel, ""), at) for user, channel, at in seen if user in users],
            )
        except Exception:
            logger.exception("handing shop %s's visitors of %s to crm failed", shop_id, day)
            continue
        counters.users_handed(shop_id=shop_id, day=day, upto=upto)
    return made


# ---------------------------------------------------------------- 3. order figures from orders


def _by_day(queryset: Any, at: str, *group: str, **sums: Any) -> list[dict[str, Any]]:
    return list(
        queryset.annotate(day=TruncDate(at, tzinfo=timezone.get_current_timezone()))
        .values(*group, "day")
        .annotate(**sums)
        .order_by()
    )


def _order_figures(*, day: date, shop_ids: Sequence[int] | None) -> tuple[
    dict[tuple[Any, ...], dict[str, int]], dict[tuple[Any, ...], dict[str, int]], dict[tuple[Any, ...], dict[str, int]]
]:  # fmt: skip
    """The day's order figures per shop, per shop and channel, per shop and product (six
    queries, each over the day's orders alone: ``created_at``, ``paid_at`` and ``refunded_at``
    are indexed)."""
    start, end = local_midnight(day), local_midnight(day + timedelta(days=1))
    orders = Order.objects.all() if shop_ids is None else Order.objects.filter(shop_id__in=shop_ids)
    placed = orders.filter(created_at__gte=start, created_at__lt=end)
    paid = orders.filter(paid_at__gte=start, paid_at__lt=end)
    refunds = AfterSale.objects.filter(
        status=AfterSale.Status.REFUNDED, refunded_at__gte=start, refunded_at__lt=end
    )
    if shop_ids is not None:
        refunds = refunds.filter(shop_id__in=shop_ids)
    lines = OrderLine.objects.filter(order__paid_at__gte=start, order__paid_at__lt=end)
    if shop_ids is not None:
        lines = lines.filter(order__shop_id__in=shop_ids)

    shops: dict[tuple[Any, ...], dict[str, int]] = {}
    channels: dict[tuple[Any, ...], dict[str, int]] = {}
    products: dict[tuple[Any, ...], dict[str, int]] = {}

    def shop_cell(shop_id: int) -> dict[str, int]:
        return shops.setdefault((shop_id, day), dict.fromkeys(ORDER_FIELDS, 0))

    def channel_cell(shop_id: int, code: str) -> dict[str, int]:
        return channels.setdefault((shop_id, day, code), dict.fromkeys(ORDER_FIELDS, 0))

    for row in _by_day(placed, "created_at", "shop_id", "channel_code", n=Count("pk"),
                       buyers=Count("user_id", distinct=True), fen=Coalesce(Sum("total_fen"), 0)):  # fmt: skip
        channel_cell(row["shop_id"], row["channel_code"]).update(
            orders=row["n"], buyers=row["buyers"], order_fen=row["fen"]
        )
        cell = shop_cell(row["shop_id"])
        cell["orders"] += row["n"]
        cell["order_fen"] += row["fen"]
    for row in _by_day(placed, "created_at", "shop_id", buyers=Count("user_id", distinct=True)):
        shop_cell(row["shop_id"])["buyers"] = row["buyers"]
    for row in _by_day(paid, "paid_at", "shop_id", "channel_code", n=Count("pk"),
                       payers=Count("user_id", distinct=True), fen=Coalesce(Sum("paid_fen"), 0)):  # fmt: skip
        channel_cell(row["shop_id"], row["channel_code"]).update(
            paid_orders=row["n"], payers=row["payers"], paid_fen=row["fen"]
        )
        cell = shop_cell(row["shop_id"])
        cell["paid_orders"] += row["n"]
        cell["paid_fen"] += row["fen"]
    for row in _by_day(paid, "paid_at", "shop_id", payers=Count("user_id", distinct=True)):
        shop_cell(row["shop_id"])["payers"] = row["payers"]
    for row in _by_day(refunds, "refunded_at", "shop_id", "order__channel_code", n=Count("pk"),
                       fen=Coalesce(Sum("amount_fen"), 0)):  # fmt: skip
        channel_cell(row["shop_id"], row["order__channel_code"]).update(
            refunds=row["n"], refund_fen=row["fen"]
        )
        cell = shop_cell(row["shop_id"])
        cell["refunds"] += row["n"]
        cell["refund_fen"] += row["fen"]
    for row in _by_day(lines, "order__paid_at", "order__shop_id", "product_id_snapshot",
                       units=Sum("quantity"), fen=Coalesce(Sum(F("total_fen") - F("discount_fen")), 0)):  # fmt: skip
        products[row["order__shop_id"], day, row["product_id_snapshot"]] = {
            "paid_units": row["units"], "paid_fen": row["fen"],
        }  # fmt: skip
    return shops, channels, products


def _set_rows(
    model: type[Model], key_fields: Sequence[str], fields: Sequence[str],
    figures: dict[tuple[Any, ...], dict[str, int]], stale: Any,
) -> int:  # fmt: skip
    """Upsert ``figures`` (only ``fields`` change on an existing row) and zero ``fields`` of the
    rows in ``stale`` (the day's rows) that ``figures`` no longer has."""
    rows = [
        model(**dict(zip(key_fields, key, strict=True)), **{f: int(numbers[f]) for f in fields})
        for key, numbers in figures.items()
    ]
    if rows:
        model._default_manager.bulk_create(
            rows, update_conflicts=True, unique_fields=list(key_fields), update_fields=[*fields, "updated_at"],
            batch_size=1000,
        )  # fmt: skip
    nonzero = Q()
    for name in fields:
        nonzero |= Q(**{f"{name}__gt": 0})
    gone = [
        pk for pk, *key in stale.filter(nonzero).values_list("pk", *key_fields) if tuple(key) not in figures
    ]
    if gone:
        model._default_manager.filter(pk__in=gone).update(
            **dict.fromkeys(fields, 0), updated_at=timezone.now()
        )
    return len(rows) + len(gone)


@transaction.atomic
def orders_figures_recompute(*, since: date, until: date, shop_ids: Sequence[int] | None = None) -> int:
    """Set the order figures of every day from ``since`` to ``until`` (both included) from the
    orders (of ``shop_ids``, or every shop); visit figures are left as they are. Returns how many
    rows it set. Idempotent: the same orders give the same rows."""
    if since > until:
        return 0
    written = 0
    day = since
    while day <= until:
        shops, channels, products = _order_figures(day=day, shop_ids=shop_ids)
        scope = {"day": day} if shop_ids is None else {"day": day, "shop_id__in": list(shop_ids)}
        existing_products = set(
            Product.objects.filter(pk__in={pid for _s, _d, pid in products}).values_list("pk", flat=True)
        )
        products = {key: value for key, value in products.items() if key[2] in existing_products}
        written += _set_rows(
            DailyFigure, ("shop_id", "day"), ORDER_FIELDS, shops, DailyFigure.objects.filter(**scope)
        )
        written += _set_rows(
            ChannelDailyFigure, ("shop_id", "day", "channel_code"), ORDER_FIELDS, channels,
            ChannelDailyFigure.objects.filter(**scope),
        )  # fmt: skip
        written += _set_rows(
            ProductDailyFigure, ("shop_id", "day", "product_id"), PRODUCT_ORDER_FIELDS, products,
            ProductDailyFigure.objects.filter(**scope),
        )  # fmt: skip
        day += timedelta(days=1)
    return written


# ---------------------------------------------------------------- the job


def figures_rollup(*, days: int = counters.FLUSH_DAYS, today: date | None = None) -> int:
    """The periodic job (see the module docstring); returns how many rows it made or changed."""
    day_list = recent_days(days=days, today=today)
    written = 0
    for day in day_list:
        written += counters_flush(day=day)
        visitors_hand_to_crm(day=day)
    written += orders_figures_recompute(since=min(day_list), until=max(day_list))
    return written
