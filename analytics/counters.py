"""Visit counters in the cache: what the request path writes instead of the database
(docs/analytics.md#what-is-counted-where).

Every counted request adds to a few counters of its shop's local day (Asia/Shanghai), each kept
``COUNTER_TTL`` seconds (longer than the rollup job looks back):

- per channel (``c<channel id>``, ``c0`` for none): page views (``pv``), visitors (``uv``),
  product views (``pdv``) and product visitors (``puv``), add-to-cart (``ca``) and cart visitors
  (``cuv``);
- per shop (``t``): visitors, product visitors and cart visitors, each visitor once whatever
  channels they came through (views add up across channels, visitors do not);
- per product (``p<product id>``): views and add-to-cart.

A visitor counts once a day per counter: a "seen" key (``cache.add``) says whether this is their
first time today. The first counter of a channel, a product or a shop on a day appends its id to
that day's index list (``_append``), so the rollup job knows which keys to read without scanning
the cache; signed-in visitors are appended the same way, for crm. Lists may hold an id twice (a
lost counter made again): readers de-duplicate.

A request does not write to the cache itself: ``hit_record`` adds to this process's pending
counts, and a timer writes them ``ANALYTICS_BUFFER_SECONDS`` later (1 s by default; 0 writes at
once, as the tests do): a hundred views of a page are one ``incr`` by 100, a visitor's repeat
views one "seen" key. A process that is killed loses what it had not written yet (at most that
second); one that exits writes it.

All writes are ``cache.add`` (atomic "set if missing"), ``cache.incr`` (atomic) and ``set`` of a
key nobody else writes; any Django cache backend works (the per-process memory cache by default,
Redis in production). With Redis each round of writes is one pipelined round trip
(``_run_redis``); a repeat view is one round, a visitor's first view of the day a few more.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.utils import timezone

logger = logging.getLogger(__name__)

COUNTER_TTL = 4 * 86400  # the counters outlive the days the rollup job looks back over
FLUSH_DAYS = 3  # today, yesterday and the day before: what the job flushes (and the dashboard reads live)
TS_BASE = 10**10  # a seen key holds channel id * TS_BASE + the unix time of the first visit

# counter name -> the figure it is (models.VISIT_FIELDS)
CHANNEL_COUNTERS = {
    "pv": "page_views",
    "uv": "visitors",
    "pdv": "product_views",
    "puv": "product_visitors",
    "ca": "cart_adds",
    "cuv": "cart_visitors",
}
SHOP_UNIQUE = {"uv": "visitors", "puv": "product_visitors", "cuv": "cart_visitors"}
PRODUCT_COUNTERS = {"views": "views", "carts": "cart_adds"}

Op = tuple[str, str, int]  # ("incr" | "add" | "set", key, value)


def _prefix(day: date, shop_id: int | None = None) -> str:
    base = f"an:{day.isoformat()}"
    return base if shop_id is None else f"{base}:{shop_id}"


def channel_key(day: date, shop_id: int, channel_id: int, name: str) -> str:
    return f"{_prefix(day, shop_id)}:c{channel_id}:{name}"


def shop_key(day: date, shop_id: int, name: str) -> str:
    return f"{_prefix(day, shop_id)}:t:{name}"


def product_key(day: date, shop_id: int, product_id: int, name: str) -> str:
    return f"{_prefix(day, shop_id)}:p{product_id}:{name}"


def list_key(day: date, shop_id: int | None, name: str) -> str:
    """An index list: ``<key>:n`` its length, ``<key>:<i>`` its items (1-based)."""
    return f"{_prefix(day, shop_id)}:{name}"


def seen_key(day: date, shop_id: int, scope: str, stage: str, visitor: str) -> str:
    """``scope``: ``t`` (the shop) or ``c<id>``; ``stage``: ``v`` visit, ``p`` product, ``k`` cart."""
    return f"{_prefix(day, shop_id)}:{scope}:s{stage}:{visitor}"


# ---------------------------------------------------------------- running rounds of writes


def _incr(key: str, n: int = 1) -> int:
    try:
        return int(cache.incr(key, n))
    except ValueError:  # the day's first: make the counter (or count on one another process made)
        if cache.add(key, n, COUNTER_TTL):
            return n
        return int(cache.incr(key, n))


def _redis_client() -> Any | None:
    """The raw Redis client of the default cache, or None when it is not Redis."""
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    return backend._cache.get_client(write=True)


def _run_redis(client: Any, ops: Sequence[Op]) -> list[Any]:
    """The same writes in one pipelined round trip. Values are integers, which Django's Redis
    serializer stores as they are, so ``cache.get`` reads what INCR made."""
    backend = caches["default"]
    pipe = client.pipeline(transaction=False)
    for op, key, value in ops:
        raw = backend.make_and_validate_key(key)
        if op == "incr":
            pipe.incr(raw, value)
            pipe.expire(raw, COUNTER_TTL)
        elif op == "add":
            pipe.set(raw, value, nx=True, ex=COUNTER_TTL)
        else:
            pipe.set(raw, value, ex=COUNTER_TTL)
    raw_results = pipe.execute()
    results: list[Any] = []
    position = 0
    for op, _key, _value in ops:
        found = raw_results[position]
        position += 2 if op == "incr" else 1
        results.append(int(found) if op == "incr" else bool(found))
    return results


def _run(ops: Sequence[Op]) -> list[Any]:
    """Run one round of writes; returns each op's result (incr: the new value, add: whether it was
    missing, set: True)."""
    if not ops:
        return []
    client = _redis_client()
    if client is not None:
        return _run_redis(client, ops)
    results: list[Any] = []
    for op, key, value in ops:
        if op == "incr":
            results.append(_incr(key, value))
        elif op == "add":
            results.append(bool(cache.add(key, value, COUNTER_TTL)))
        else:
            cache.set(key, value, COUNTER_TTL)
            results.append(True)
    return results


def _append(items: Sequence[tuple[str, int]]) -> None:
    """Append each ``(list key, integer)`` to its index list: two rounds, however many."""
    lengths = _run([("incr", f"{key}:n", 1) for key, _value in items])
    _run([("set", f"{key}:{n}", value) for (key, value), n in zip(items, lengths, strict=True)])


# ---------------------------------------------------------------- recording


@dataclass(frozen=True)
class Hit:
    """One counted request (or add-to-cart) of a visitor in a shop."""

    shop_id: int
    visitor: str  # "u<user id>", "c<cookie id>" or "a<alias>": only [0-9a-z]
    channel_id: int = 0  # marketing's Channel id, 0 for none
    user_id: int | None = None  # a signed-in shopper (crm learns they were seen)
    product_id: int | None = None  # a product page or the API's product detail
    page: bool = True  # a page view (False: an add-to-cart only)
    cart: bool = False


SHOP_COUNTER = {"v": "uv", "p": "puv", "k": "cuv"}  # a stage's unique counter


def hit_record(hit: Hit, *, now: datetime | None = None) -> None:
    """Count ``hit`` (never in the database): added to this process's pending counts, which reach
    the cache within ``ANALYTICS_BUFFER_SECONDS`` (at once when it is 0)."""
    now = now or timezone.now()
    interval = float(getattr(settings, "ANALYTICS_BUFFER_SECONDS", 1.0))
    with _lock:
        _pending.add(hit, now)
        start_timer = interval > 0 and not _pending.timer
        if start_timer:
            _pending.timer = True
    if interval <= 0:
        counters_flush()
    elif start_timer:
        timer = threading.Timer(interval, _flush_logged)
        timer.daemon = True
        timer.start()


@dataclass
class _Pending:
    """What this process has counted and not yet written to the cache."""

    counts: Counter[str] = field(default_factory=Counter)  # counter key -> how much to add
    firsts: dict[str, tuple[str, int]] = field(default_factory=dict)  # counter key -> list to join if new
    visits: dict[tuple[date, int, int, str, str], tuple[int, int | None]] = field(default_factory=dict)
    timer: bool = False  # a flush is scheduled

    def add(self, hit: Hit, now: datetime) -> None:
        day = timezone.localdate(now)
        shop, channel, visitor = hit.shop_id, hit.channel_id, hit.visitor
        stages: list[str] = []  # visit, product, cart: the unique counters this hit may be the first of

        def count(key: str, first: tuple[str, int] | None = None) -> None:
            self.counts[key] += 1
            if first is not None:
                self.firsts[key] = first

        channels_list = (list_key(day, shop, "chs"), channel)
        products_list = (list_key(day, shop, "prods"), hit.product_id or 0)
        if hit.page:
            count(channel_key(day, shop, channel, "pv"), channels_list)
            stages.append("v")
            if hit.product_id is not None:
                count(channel_key(day, shop, channel, "pdv"))
                count(product_key(day, shop, hit.product_id, "views"), products_list)
                stages.append("p")
        if hit.cart:
            count(channel_key(day, shop, channel, "ca"), channels_list)
            count(shop_key(day, shop, "ca"), (list_key(day, None, "shops"), shop))  # maybe no page view
            if hit.product_id is not None:
                count(product_key(day, shop, hit.product_id, "carts"), products_list)
            stages.append("k")
        if not visitor:
            return  # nobody to tell apart: counted, not as a visitor
        for stage in stages:
            seen = (day, shop, channel, stage, visitor)
            if seen not in self.visits:
                self.visits[seen] = (int(now.timestamp()), hit.user_id)


_lock = threading.Lock()
_pending = _Pending()


def _forked() -> None:
    """A forked process (a gunicorn worker) starts with nothing of its parent's, and its own lock."""
    global _lock, _pending
    _lock, _pending = threading.Lock(), _Pending()


os.register_at_fork(after_in_child=_forked)


def _take() -> _Pending:
    global _pending
    with _lock:
        taken, _pending = _pending, _Pending()
    return taken


def counters_flush() -> None:
    """Write this process's pending counts to the cache: a few rounds of writes however many hits
    (with Redis each round is one pipelined round trip). The rollup job and the dashboard read the
    cache; what a process has not flushed yet (at most ``ANALYTICS_BUFFER_SECONDS`` old) is theirs
    the next time they look."""
    pending = _take()
    if not pending.counts:
        return
    counted = list(pending.counts.items())
    visits = list(pending.visits.items())
    ops: list[Op] = [("incr", key, n) for key, n in counted]
    ops += [("add", seen_key(day, shop, f"c{channel}", stage, visitor), 1) for (day, shop, channel, stage, visitor), _ in visits]  # fmt: skip
    results = _run(ops)
    appends = [pending.firsts[key] for (key, n), value in zip(counted, results, strict=False)
               if key in pending.firsts and value == n]  # fmt: skip

    # the visitor's first time today in this channel: count them, then see whether in the shop too
    new_here = [visit for visit, new in zip(visits, results[len(counted) :], strict=True) if new]
    uniques = Counter(channel_key(day, shop, channel, SHOP_COUNTER[stage]) for (day, shop, channel, stage, _v), _ in new_here)  # fmt: skip
    second: list[Op] = [("incr", key, n) for key, n in uniques.items()]
    second += [("add", seen_key(day, shop, "t", stage, visitor), channel * TS_BASE + first_seen)
               for (day, shop, channel, stage, visitor), (first_seen, _user) in new_here]  # fmt: skip
    results = _run(second)
    new_in_shop = [visit for visit, new in zip(new_here, results[len(uniques) :], strict=True) if new]
    shop_totals = Counter((day, shop, stage) for (day, shop, _channel, stage, _v), _ in new_in_shop)
    totals = _run([("incr", shop_key(day, shop, SHOP_COUNTER[stage]), n) for (day, shop, stage), n in shop_totals.items()])  # fmt: skip
    for ((day, shop, stage), n), value in zip(shop_totals.items(), totals, strict=True):
        if stage == "v" and value == n:  # the shop's first visitors of the day
            appends.append((list_key(day, None, "shops"), shop))
    for (day, shop, _channel, stage, _visitor), (_first_seen, user_id) in new_in_shop:
        if stage == "v" and user_id is not None:
            appends.append((list_key(day, shop, "users"), user_id))
    if appends:
        _append(appends)


def _flush_logged() -> None:
    """The scheduled flush: a cache that cannot be reached is logged and those counts are lost."""
    try:
        counters_flush()
    except Exception:
        logger.exception("visit counters could not be written to the cache")


atexit.register(_flush_logged)


# ---------------------------------------------------------------- reading


@dataclass
class DayCounts:
    """One shop's counted day: the shop's totals, per channel id and per product id."""

    total: dict[str, int] = field(default_factory=dict)
    channels: dict[int, dict[str, int]] = field(default_factory=dict)
    products: dict[int, dict[str, int]] = field(default_factory=dict)


def _read_lists(keys: Iterable[str]) -> dict[str, list[int]]:
    """The items of index lists (two cache reads however many lists)."""
    keys = list(keys)
    lengths = cache.get_many([f"{key}:n" for key in keys]) if keys else {}
    slots = [f"{key}:{i}" for key in keys for i in range(1, int(lengths.get(f"{key}:n") or 0) + 1)]
    found = cache.get_many(slots) if slots else {}
    lists: dict[str, list[int]] = {key: [] for key in keys}
    for key in keys:
        for i in range(1, int(lengths.get(f"{key}:n") or 0) + 1):
            value = found.get(f"{key}:{i}")
            if value is not None and int(value) not in lists[key]:
                lists[key].append(int(value))
    return lists


def shops_counted(day: date) -> list[int]:
    """The shops with counters on ``day``."""
    key = list_key(day, None, "shops")
    return _read_lists([key])[key]


def counts_read(*, shop_ids: Iterable[int], days: Iterable[date]) -> dict[tuple[int, date], DayCounts]:
    """What the cache holds for these shops and days (four cache reads however many); a shop-day
    with nothing counted is left out."""
    wanted = [(shop, day) for shop in shop_ids for day in days]
    index_keys = [list_key(day, shop, name) for shop, day in wanted for name in ("chs", "prods")]
    lists = _read_lists(index_keys)
    keys: list[str] = []
    for shop, day in wanted:
        for channel in lists[list_key(day, shop, "chs")]:
            keys += [channel_key(day, shop, channel, name) for name in CHANNEL_COUNTERS]
        for product in lists[list_key(day, shop, "prods")]:
            keys += [product_key(day, shop, product, name) for name in PRODUCT_COUNTERS]
        keys += [shop_key(day, shop, name) for name in (*SHOP_UNIQUE, "ca")]
    found = cache.get_many(keys) if keys else {}
    counts: dict[tuple[int, date], DayCounts] = {}
    for shop, day in wanted:
        day_counts = DayCounts()
        for channel in lists[list_key(day, shop, "chs")]:
            day_counts.channels[channel] = {
                figure: int(found.get(channel_key(day, shop, channel, name)) or 0)
                for name, figure in CHANNEL_COUNTERS.items()
            }
        for product in lists[list_key(day, shop, "prods")]:
            day_counts.products[product] = {
                figure: int(found.get(product_key(day, shop, product, name)) or 0)
                for name, figure in PRODUCT_COUNTERS.items()
            }
        total = {figure: 0 for figure in CHANNEL_COUNTERS.values()}
        for numbers in day_counts.channels.values():
            for figure in ("page_views", "product_views", "cart_adds"):
                total[figure] += numbers[figure]
        for name, figure in SHOP_UNIQUE.items():
            total[figure] = int(found.get(shop_key(day, shop, name)) or 0)
        total["cart_adds"] = max(total["cart_adds"], int(found.get(shop_key(day, shop, "ca")) or 0))
        day_counts.total = total
        if any(total.values()) or day_counts.products:
            counts[shop, day] = day_counts
    return counts


def users_pending(*, shop_id: int, day: date) -> tuple[list[tuple[int, int, datetime]], int]:
    """The signed-in visitors of the shop's day not yet handed to crm: ``(user id, channel id,
    first seen)``, and how far along the list they reach (for ``users_handed``). Stops at a slot
    not written yet (its writer is between its two rounds), so nobody is skipped."""
    key = list_key(day, shop_id, "users")
    done = int(cache.get(f"{key}:done") or 0)
    length = int(cache.get(f"{key}:n") or 0)
    if length <= done:
        return [], done
    slots = cache.get_many([f"{key}:{i}" for i in range(done + 1, length + 1)])
    users: list[int] = []
    upto = done
    for i in range(done + 1, length + 1):
        value = slots.get(f"{key}:{i}")
        if value is None:
            break
        users.append(int(value))
        upto = i
    seen = cache.get_many([seen_key(day, shop_id, "t", "v", f"u{user}") for user in users])
    found = []
    for user in dict.fromkeys(users):
        value = int(seen.get(seen_key(day, shop_id, "t", "v", f"u{user}")) or 0)
        channel, ts = divmod(value, TS_BASE)
        at = datetime.fromtimestamp(ts, tz=timezone.get_current_timezone()) if ts else timezone.now()
        found.append((user, channel, at))
    return found, upto


def users_handed(*, shop_id: int, day: date, upto: int) -> None:
    """Remember that crm has the shop's signed-in visitors of ``day`` up to ``upto``."""
    cache.set(f"{list_key(day, shop_id, 'users')}:done", upto, COUNTER_TTL)
