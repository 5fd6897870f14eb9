"""The merchant's dashboard, read from the rolled-up daily rows (docs/analytics.md#the-dashboard).

``dashboard(shop_id=, since=, until=)`` reads a fixed number of queries whatever the range: the
shop's daily rows, its channels' and products' rows summed in the database, the recent days'
rows of channels and products (merged with the live cache counters, so figures that the job has
not flushed yet still show: with the per-process memory cache of development the job cannot see
the web process's counters at all), marketing's link opens, and the top products' titles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from analytics import counters
from analytics.models import ORDER_FIELDS, VISIT_FIELDS, ChannelDailyFigure, DailyFigure, ProductDailyFigure
from catalog.models import Product
from marketing.models import ChannelDayStat
from marketing.selectors import live_counts, marketing_profile

ALL_FIELDS = (*VISIT_FIELDS, *ORDER_FIELDS)
TOP_PRODUCTS = 10
TOP_CHANNELS = 10


def percent(part: int, whole: int) -> str:
    """``part`` of ``whole`` as "12.3%" ("—" when there is no whole)."""
    if whole <= 0:
        return "—"
    tenths = (part * 1000 + whole // 2) // whole
    return f"{tenths // 10}.{tenths % 10}%"


@dataclass(frozen=True)
class Numbers:
    """A shop's (or a channel's) figures over a day or a range. Visitors and paying customers of
    a range are each day's added up (someone who came on two days counts on both)."""

    visitors: int = 0
    page_views: int = 0
    product_visitors: int = 0
    product_views: int = 0
    cart_visitors: int = 0
    cart_adds: int = 0
    orders: int = 0
    buyers: int = 0
    order_fen: int = 0
    paid_orders: int = 0
    payers: int = 0
    paid_fen: int = 0
    refunds: int = 0
    refund_fen: int = 0

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> Numbers:
        return cls(**{name: int(values.get(name) or 0) for name in ALL_FIELDS})

    def __add__(self, other: Numbers) -> Numbers:
        return Numbers(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def with_visits(self, live: dict[str, int]) -> Numbers:
        """These figures with each visit figure raised to the live counter where that is higher."""
        return replace(
            self, **{name: max(getattr(self, name), int(live.get(name, 0))) for name in VISIT_FIELDS}
        )

    @property
    def sales_fen(self) -> int:
        """销售额: what was paid minus what was refunded."""
        return self.paid_fen - self.refund_fen

    @property
    def conversion(self) -> str:
        """转化率: paying customers per visitor."""
        return percent(self.payers, self.visitors)

    @property
    def average_fen(self) -> int | None:
        """客单价: paid per paying customer (so 支付金额 = 访客 × 转化率 × 客单价)."""
        return self.paid_fen // self.payers if self.payers else None


@dataclass(frozen=True)
class DayRow:
    day: date
    numbers: Numbers


@dataclass(frozen=True)
class ChannelRow:
    code: str
    name: str
    numbers: Numbers
    link_opens: int | None  # marketing's count of its short link and QR code opened (None: no channel)


@dataclass(frozen=True)
class ProductRow:
    product_id: int
    title: str
    views: int
    cart_adds: int
    paid_units: int
    paid_fen: int

    @property
    def conversion(self) -> str:
        return percent(self.paid_units, self.views)


@dataclass(frozen=True)
class FunnelStep:
    label: str
    value: int
    of_previous: str  # this step's share of the step before
    of_first: str


@dataclass(frozen=True)
class Dashboard:
    shop_id: int
    since: date
    until: date
    total: Numbers
    days: list[DayRow]  # oldest first, every day of the range
    channels: list[ChannelRow]
    products: list[ProductRow]
    funnel: list[FunnelStep]


def _live_days(since: date, until: date, today: date) -> list[date]:
    return [day for day in counters_days(today) if since <= day <= until]


def counters_days(today: date) -> list[date]:
    """The days the cache still counts for the rollup job to flush (today first)."""
    return [today - timedelta(days=n) for n in range(counters.FLUSH_DAYS)]


def funnel_steps(total: Numbers) -> list[FunnelStep]:
    from django.utils.translation import gettext as _

    values = [
        (_("访问"), total.visitors),
        (_("浏览商品"), total.product_visitors),
        (_("加购"), total.cart_visitors),
        (_("下单"), total.buyers),
        (_("支付"), total.payers),
    ]
    steps = []
    for index, (label, value) in enumerate(values):
        previous = values[index - 1][1] if index else value
        steps.append(
            FunnelStep(label, value, percent(value, previous) if index else "", percent(value, values[0][1]))
        )
    return steps


def dashboard(*, shop_id: int, since: date, until: date, today: date | None = None) -> Dashboard:
    """The shop's figures from ``since`` to ``until`` (local days, both included)."""
    from django.utils.translation import gettext as _

    today = today or timezone.localdate()
    live_days = _live_days(since, until, today)
    live = counters.counts_read(shop_ids=[shop_id], days=live_days)
    profile = marketing_profile(shop_id=shop_id)  # cached: channel names and ids
    code_of = {entry.id: code for code, entry in profile.channels.items()}

    # the shop's days
    day_rows: Any = DailyFigure.objects.filter(shop_id=shop_id, day__gte=since, day__lte=until).values(
        "day", *ALL_FIELDS
    )
    stored = {row["day"]: Numbers.of(row) for row in day_rows}
    days = []
    day = since
    while day <= until:
        numbers = stored.get(day, Numbers())
        if (shop_id, day) in live:
            numbers = numbers.with_visits(live[shop_id, day].total)
        days.append(DayRow(day, numbers))
        day += timedelta(days=1)
    total = sum((row.numbers for row in days), Numbers())

    # channels: the range summed in the database, the live days row by row
    sums = {name: Sum(name) for name in ALL_FIELDS}
    in_range = ChannelDailyFigure.objects.filter(shop_id=shop_id, day__gte=since, day__lte=until)
    summed: Any = in_range.exclude(day__in=live_days).values("channel_code").annotate(**sums).order_by()
    channel_numbers: dict[str, Numbers] = {row["channel_code"]: Numbers.of(row) for row in summed}
    recent_rows: Any = in_range.filter(day__in=live_days).values("channel_code", "day", *ALL_FIELDS)
    recent = {(row["channel_code"], row["day"]): Numbers.of(row) for row in recent_rows}
    for (_shop, day), counts in live.items():
        for cid, counted in counts.channels.items():
            code = code_of.get(cid, "") if cid else ""
            if cid and not code:
                continue
            recent[code, day] = recent.get((code, day), Numbers()).with_visits(counted)
    for (code, _day), figures in recent.items():
        channel_numbers[code] = channel_numbers.get(code, Numbers()) + figures

    opens: dict[int, int] = {
        row["channel_id"]: int(row["visits"] or 0)
        for row in ChannelDayStat.objects.filter(shop_id=shop_id, day__gte=since, day__lte=until)
        .exclude(day__in=live_days)
        .values("channel_id")
        .annotate(visits=Sum("visits"))
        .order_by()
    }
    live_opens = live_counts(code_of, live_days)
    stored_recent_opens = {
        (row["channel_id"], row["day"]): row["visits"]
        for row in ChannelDayStat.objects.filter(shop_id=shop_id, day__in=live_days).values(
            "channel_id", "day", "visits"
        )
    }
    for key in {*live_opens, *stored_recent_opens}:
        opens[key[0]] = opens.get(key[0], 0) + max(
            stored_recent_opens.get(key, 0), live_opens.get(key, (0, 0))[0]
        )

    channels = []
    for code, numbers in channel_numbers.items():
        entry = profile.channel(code) if code else None
        name = entry.name if entry is not None and entry.name else (code or _("无渠道（直接进店）"))
        channels.append(
            ChannelRow(code, name, numbers, opens.get(entry.id, 0) if entry is not None else None)
        )
    for code, entry in profile.channels.items():  # a channel whose link was opened but nobody stayed
        if code not in channel_numbers and opens.get(entry.id):
            channels.append(ChannelRow(code, entry.name or code, Numbers(), opens[entry.id]))
    channels.sort(key=lambda c: (-c.numbers.paid_fen, -c.numbers.visitors, -(c.link_opens or 0), c.code))

    # products: the same, then the top ones' titles
    product_sums = {name: Sum(name) for name in ("views", "cart_adds", "paid_units", "paid_fen")}
    product_rows = ProductDailyFigure.objects.filter(shop_id=shop_id, day__gte=since, day__lte=until)
    product_summed: Any = (
        product_rows.exclude(day__in=live_days).values("product_id").annotate(**product_sums)
    )
    product_numbers: dict[int, dict[str, int]] = {
        row["product_id"]: {name: int(row[name] or 0) for name in product_sums}
        for row in product_summed.order_by()
    }
    product_recent: Any = product_rows.filter(day__in=live_days).values("product_id", "day", *product_sums)
    recent_products: dict[tuple[int, date], dict[str, int]] = {
        (row["product_id"], row["day"]): {name: int(row[name]) for name in product_sums}
        for row in product_recent
    }
    for (_shop, day), counts in live.items():
        for pid, product_counted in counts.products.items():
            cell = recent_products.setdefault((pid, day), dict.fromkeys(product_sums, 0))
            for name in ("views", "cart_adds"):
                cell[name] = max(cell[name], product_counted.get(name, 0))
    for (pid, _day), product_figures in recent_products.items():
        cell = product_numbers.setdefault(pid, dict.fromkeys(product_sums, 0))
        for name in product_sums:
            cell[name] += product_figures[name]
    top = sorted(product_numbers.items(), key=lambda item: (-item[1]["paid_fen"], -item[1]["views"], item[0]))
    top = top[: TOP_PRODUCTS * 2]  # a few spare, for products since deleted
    titles = dict(
        Product.objects.filter(shop_id=shop_id, pk__in=[pid for pid, _n in top]).values_list("pk", "title")
    )
    products = [
        ProductRow(pid, titles[pid], n["views"], n["cart_adds"], n["paid_units"], n["paid_fen"])
        for pid, n in top
        if pid in titles
    ][:TOP_PRODUCTS]

    return Dashboard(
        shop_id=shop_id, since=since, until=until, total=total, days=days, channels=channels[:TOP_CHANNELS],
        products=products, funnel=funnel_steps(total),
    )  # fmt: skip
