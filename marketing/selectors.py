"""Marketing reads: the shop's channel profile (cached: what a page view needs without a query), a
channel's landing, the live visit counters, and the per-channel, per-day figures of admin."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from marketing.models import Channel, ChannelDayStat, MarketingSettings
from orders.models import Order

PROFILE_TTL = (
    3600  # dropped on every write (services.profile_changed); with REDIS_URL every process sees that at once
)
COUNTER_TTL = 4 * 86400  # the cache counters outlive the days the flush job looks back over
FLUSH_DAYS = 3  # today, yesterday and the day before


@dataclass(frozen=True)
class ChannelEntry:
    id: int
    code: str
    is_active: bool
    target: str
    product_id: int | None
    name: str = ""  # what the merchant calls it (宝妈群): admin's order 来源


@dataclass(frozen=True)
class MarketingProfile:
    """What a shop page needs to know of the shop's channels and settings, cached per shop."""

    shop_id: int
    window_days: int | None = None  # the shop's own attribution window (None: the platform's)
    channels: dict[str, ChannelEntry] = field(default_factory=dict)

    def channel(self, code: str) -> ChannelEntry | None:
        return self.channels.get(code)

    def inactive(self, code: str) -> bool:
        entry = self.channels.get(code)
        return entry is not None and not entry.is_active


def profile_cache_key(shop_id: int) -> str:
    return f"marketing:profile:{shop_id}"


def platform_window_days() -> int:
    """The window of a shop that chose none (``WEISHOP_ATTRIBUTION_WINDOW_DAYS``)."""
    from orders.middleware import attribution_window_days as platform

    return platform()


def longest_window_days() -> int:
    """The longest window a shop may choose (``WEISHOP_ATTRIBUTION_MAX_DAYS``: the cookie's life)."""
    from orders.middleware import attribution_max_days

    return attribution_max_days()


def marketing_profile(*, shop_id: int) -> MarketingProfile:
    """The shop's channels and settings (two queries on a miss, none for ``PROFILE_TTL`` seconds
    after, or until a channel or the settings change: ``services.profile_changed``)."""
    key = profile_cache_key(shop_id)
    profile: MarketingProfile | None = cache.get(key)
    if profile is None:
        window = (
            MarketingSettings.objects.filter(shop_id=shop_id)
            .values_list("attribution_window_days", flat=True)
            .first()
        )
        rows = Channel.objects.filter(shop_id=shop_id).values_list(
            "pk", "code", "is_active", "target", "product_id", "name"
        )
        profile = MarketingProfile(
            shop_id=shop_id,
            window_days=window,
            channels={
                code: ChannelEntry(pk, code, active, target, pid, name)
                for pk, code, active, target, pid, name in rows
            },
        )
        cache.set(key, profile, PROFILE_TTL)
    return profile


def channel_name(shop_id: int, code: str) -> str | None:
    """The name of the shop's channel ``code`` (宝妈群) from the cached profile, or None
    (registered as orders' channel label port: admin's order 来源)."""
    entry = marketing_profile(shop_id=shop_id).channel(code)
    return entry.name or None if entry is not None else None


def attribution_window_days(profile: MarketingProfile) -> int:
    """The shop's window (its 渠道设置, else the platform's), never longer than the longest one
    (the cookie that remembers a visit lives that long: ``orders.middleware``)."""
    return min(profile.window_days or platform_window_days(), longest_window_days())


def shop_window_days(shop_id: int) -> int | None:
    """What orders' attribution-window port asks (``orders.middleware.attribution_window_register``):
    the shop's own window, from the cached profile (no query once warm), or None for the platform's."""
    return marketing_profile(shop_id=shop_id).window_days


# ---------------------------------------------------------------- visit counters (cache)


def counter_key(what: str, channel_id: int, day: date) -> str:
    return f"marketing:{what}:{channel_id}:{day.isoformat()}"


def live_counts(channel_ids: Iterable[int], days: Iterable[date]) -> dict[tuple[int, date], tuple[int, int]]:
    """``{(channel id, day): (visits, visitors)}`` from the cache counters (days not yet flushed)."""
    wanted = [(cid, day) for cid in channel_ids for day in days]
    keys = [counter_key(what, cid, day) for cid, day in wanted for what in ("visits", "visitors")]
    found: dict[str, Any] = cache.get_many(keys) if keys else {}
    counts = {}
    for cid, day in wanted:
        visits = found.get(counter_key("visits", cid, day))
        visitors = found.get(counter_key("visitors", cid, day))
        if visits is not None or visitors is not None:
            counts[cid, day] = (int(visits or 0), int(visitors or 0))
    return counts


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class DayFigure:
    """One channel on one day: the numbers admin shows (and the dashboard will chart)."""

    day: date
    channel_id: int
    channel_name: str
    code: str
    visits: int = 0
    visitors: int = 0
    orders: int = 0
    payers: int = 0
    sales_fen: int = 0


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def channel_day_figures(
    *, shop_ids: Sequence[int], since: date, until: date, channel_id: int | None = None
) -> list[DayFigure]:
    """Per channel and day from ``since`` to ``until`` (local dates, both included), newest first:
    visits and visitors (the flushed rows, or the live counters where those are higher), orders
    placed through the channel, paying customers (distinct shoppers with a paid order) and sales
    (paid minus refunded, in fen). Three queries whatever the number of channels and days."""
    channels = Channel.objects.filter(shop_id__in=list(shop_ids))
    if channel_id is not None:
        channels = channels.filter(pk=channel_id)
    rows = list(channels.values_list("pk", "shop_id", "code", "name"))
    if not rows:
        return []
    by_id = {pk: (shop_id, code, name) for pk, shop_id, code, name in rows}
    by_code = {(shop_id, code): pk for pk, shop_id, code, _name in rows}
    numbers: dict[tuple[int, date], dict[str, int]] = {}

    def cell(cid: int, day: date) -> dict[str, int]:
        return numbers.setdefault(
            (cid, day), {"visits": 0, "visitors": 0, "orders": 0, "payers": 0, "sales": 0}
        )

    stats = ChannelDayStat.objects.filter(channel_id__in=list(by_id), day__gte=since, day__lte=until)
    for cid, day, visits, visitors in stats.values_list("channel_id", "day", "visits", "visitors"):
        cell(cid, day).update(visits=visits, visitors=visitors)
    today = timezone.localdate()
    recent = [today - timedelta(days=n) for n in range(FLUSH_DAYS)]
    for (cid, day), (visits, visitors) in live_counts(
        by_id, [d for d in recent if since <= d <= until]
    ).items():
        numbers_now = cell(cid, day)
        numbers_now["visits"] = max(numbers_now["visits"], visits)
        numbers_now["visitors"] = max(numbers_now["visitors"], visitors)

    paid = Q(paid_at__isnull=False)
    orders = (
        Order.objects.filter(
            shop_id__in=list(shop_ids),
            channel_code__in={code for _shop, code, _name in by_id.values()},
            created_at__gte=_local_midnight(since),
            created_at__lt=_local_midnight(until + timedelta(days=1)),
        )
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("shop_id", "channel_code", "day")
        .annotate(
            n=Count("pk"),
            payers=Count("user_id", filter=paid, distinct=True),
            sales=Coalesce(Sum(F("paid_fen") - F("refunded_fen"), filter=paid), 0),
        )
        .order_by()
    )
    for row in orders:
        found = by_code.get((row["shop_id"], row["channel_code"]))
        if found is not None:
            cid = found
            cell(cid, row["day"]).update(orders=row["n"], payers=row["payers"], sales=row["sales"])

    figures = [
        DayFigure(
            day=day,
            channel_id=cid,
            channel_name=by_id[cid][2],
            code=by_id[cid][1],
            visits=n["visits"],
            visitors=n["visitors"],
            orders=n["orders"],
            payers=n["payers"],
            sales_fen=n["sales"],
        )
        for (cid, day), n in numbers.items()
    ]
    return sorted(figures, key=lambda f: (-f.day.toordinal(), f.channel_name, f.channel_id))


def figures_total(figures: Iterable[DayFigure]) -> DayFigure:
    """The sum of some figures (visitors and paying customers are added day by day: a shopper who
    came on two days counts twice)."""
    total = {"visits": 0, "visitors": 0, "orders": 0, "payers": 0, "sales_fen": 0}
    for f in figures:
        for name in total:
            total[name] += getattr(f, name)
    return DayFigure(day=date.min, channel_id=0, channel_name="", code="", **total)
