"""The dashboard and crm's segment count as orders grow, and what counting visits costs a page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weishop [REDIS_URL=redis://127.0.0.1:6379/4] \\
        python bench/dashboard.py [--small 10000] [--large 1000000] [--days 180] [--shoppers 20000]

Runs in a throw-away database (``<name>_dashboard_bench``, created and dropped on the server of
DATABASE_URL). Two shops, each with 40 products and three channels, share ``--shoppers``
shoppers: one gets ``--small`` orders, the other ``--large``, made by PostgreSQL itself
(``INSERT … SELECT … generate_series``: one line each, spread over ``--days`` days ending today;
90% paid, some unpaid or cancelled, one order in twenty refunded in full or in part); then
``manage.py analytics_backfill`` rolls them up and crm's customer profiles are made from them.

1. **Dashboard**: each merchant's admin index (近30天) rendered by Django's test client, the two
   shops taking turns for ``--rounds`` rounds (so the machine's load falls on both alike), medians:
   ``dashboard_growth_ratio`` = the large shop's time / the small shop's (the goal: at most 1.5,
   since the page reads rolled-up daily rows, never the orders).
2. **Segment count**: ``crm.segments.profiles_matching(shop=, filters={"min_spent_fen": 20000})
   .count()`` of each shop, in the same turns: ``segment_growth_ratio`` (it grows with the number of
   customers, which grows with the orders until every shopper has bought).
3. **Visit counting**: the H5 product page for a returning anonymous visitor (the cached page:
   the cheapest page, so the harshest ratio) and for a signed-in shopper, each with and without
   ``analytics.middleware.VisitCountingMiddleware``, alternated over ``--rounds`` rounds of
   ``--requests`` requests: ``visit_overhead_ratio`` = time per anonymous view with counting /
   without (1.00 = free). With REDIS_URL the counters go to Redis, as in production.

A size the machine cannot load in a few minutes can be made smaller with ``--large`` (the ratio
is then of that size). The last line holds name=value pairs.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import run_in_scratch_database  # noqa: E402 (after the path is set)

CHUNK = 200_000  # orders per INSERT … SELECT
BROWSER = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47 NetType/WIFI Language/zh_CN",
    "HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9",
}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", type=int, default=10_000, help="orders at the first measure")
    parser.add_argument("--large", type=int, default=1_000_000, help="orders at the second measure")
    parser.add_argument("--days", type=int, default=180, help="days the orders are spread over")
    parser.add_argument("--shoppers", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=9, help="timed rounds per figure (medians)")
    parser.add_argument("--requests", type=int, default=100, help="product page views per round")
    args = parser.parse_args()
    return run_in_scratch_database(
        script="dashboard",
        suffix="dashboard_bench",
        run=lambda: run(args),
        why="the 1M orders are made by PostgreSQL",
    )


def _default(field) -> object:
    """What a column holds when the bench says nothing of it (its model default, else NULL or "")."""
    if field.has_default():
        default = field.get_default()
        return default() if callable(default) else default
    return None if field.null else ""


def insert_select(cursor, model, source: str, exprs: dict[str, str], params: dict[str, object]) -> None:
    """``INSERT INTO <model's table> SELECT … FROM <source>``: rows made by PostgreSQL itself (far
    faster than sending them), each column from ``exprs`` (SQL over the source's columns) or its
    default. Every concrete column is named, so a column another app adds with a default needs
    nothing here."""
    from psycopg2.extras import Json

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.attname not in exprs:
            continue  # the sequence numbers it
        columns.append(f'"{field.column}"')
        if field.attname in exprs:
            values.append(exprs[field.attname])
        else:
            name = f"default_{field.column}"
            default = _default(field)
            params[name] = Json(default) if isinstance(default, (dict, list)) else default
            values.append(f"%({name})s")
    table = model._meta.db_table
    sql = f'INSERT INTO "{table}" ({", ".join(columns)}) SELECT {", ".join(values)} FROM {source}'  # noqa: S608
    cursor.execute(sql, params)


def load_orders(*, shop, skus, users, channels, count: int, days: int, seed: int) -> None:
    """``count`` more orders (one line each) of ``users`` over the last ``days`` days, made by
    PostgreSQL (generate_series): 2% left unpaid, 8% cancelled, 90% paid, of all orders 3% then
    refunded in full and 2% in part (a third), a day later."""
    from django.db import connection

    for start in range(0, count, CHUNK):
        load_chunk(shop=shop, skus=skus, users=users, channels=channels, count=min(CHUNK, count - start),
                   days=days, seed=seed + start)  # fmt: skip
    with connection.cursor() as cursor:
        for table in ("orders_order", "orders_orderline", "orders_aftersale"):
            sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
            cursor.execute(sql)
        cursor.execute("ANALYZE orders_order; ANALYZE orders_orderline; ANALYZE orders_aftersale")


def load_chunk(*, shop, skus, users, channels, count: int, days: int, seed: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from orders.models import AfterSale, Order, OrderLine

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")  # the server's 30 s guard is for requests, not this
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM orders_order")
        first = cursor.fetchone()[0] + 1
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        params: dict[str, object] = {
            "first": first, "last": first + count - 1, "now": timezone.now(), "span": days * 86400 - 120,
            "users": list(users), "skus": [s.pk for s in skus], "products": [s.product_id for s in skus],
            "prices": [s.price_fen for s in skus], "titles": [s.product.title for s in skus],
            "channels": list(channels), "shop": shop.pk,
        }  # fmt: skip
        k, c = len(skus), len(channels)
        pick = "random() AS fate, random() AS t, 1 + floor(random() * cardinality(%(users)s::bigint[]))::int AS u"
        source = f"(SELECT n, {pick}, 1 + n %% {k} AS s, 1 + (n %% 3 = 0)::int AS q FROM generate_series(%(first)s, %(last)s) AS g(n)) AS r"  # noqa: S608
        total = "(%(prices)s::bigint[])[s] * q"
        placed = "(%(now)s::timestamptz - (60 + t * %(span)s) * interval '1 second')"
        refunded = f"CASE WHEN fate >= 0.1 AND fate < 0.13 THEN {total} WHEN fate >= 0.13 AND fate < 0.15 THEN {total} / 3 ELSE 0 END"
        status = (
            "CASE WHEN fate < 0.02 THEN 'pending_payment' WHEN fate < 0.1 THEN 'cancelled'"
            " WHEN fate < 0.13 THEN 'closed' ELSE 'completed' END"
        )
        insert_select(cursor, Order, source, {
            "id": "n", "shop_id": "%(shop)s", "user_id": "(%(users)s::bigint[])[u]", "order_no": "'B' || lpad(n::text, 19, '0')",
            "status": status, "goods_fen": total, "total_fen": total,
            "paid_fen": f"CASE WHEN fate >= 0.1 THEN {total} ELSE 0 END", "refunded_fen": refunded,
            "recipient": "'顾客'", "phone": "'13800000000'", "province": "'浙江省'", "city": "'杭州市'",
            "district": "'西湖区'", "address_detail": "'文三路 1 号'",
            "channel_code": f"(%(channels)s::text[])[1 + n %% {c}]", "created_at": placed, "updated_at": placed,
            "pay_deadline": f"{placed} + interval '30 minutes'",
            "paid_at": f"CASE WHEN fate >= 0.1 THEN {placed} + interval '2 minutes' END",
            "cancelled_at": f"CASE WHEN fate >= 0.02 AND fate < 0.1 THEN {placed} + interval '30 minutes' END",
        }, params)  # fmt: skip
        insert_select(cursor, OrderLine, source, {
            "id": "n", "order_id": "n", "sku_id": "(%(skus)s::bigint[])[s]", "product_id_snapshot": "(%(products)s::bigint[])[s]",
            "title": "(%(titles)s::text[])[s]", "unit_price_fen": "(%(prices)s::bigint[])[s]", "quantity": "q",
            "total_fen": total,
        }, params)  # fmt: skip
        insert_select(cursor, AfterSale, "orders_order AS o WHERE o.id BETWEEN %(first)s AND %(last)s AND o.refunded_fen > 0", {
            "shop_id": "o.shop_id", "order_id": "o.id", "after_sale_no": "'R' || lpad(o.id::text, 19, '0')",
            "kind": "'refund_only'", "status": "'refunded'", "reason": "'不想要了'", "amount_fen": "o.refunded_fen",
            "created_at": "o.paid_at + interval '29 hours'", "updated_at": "o.paid_at + interval '30 hours'",
            "handled_at": "o.paid_at + interval '30 hours'", "refunded_at": "o.paid_at + interval '30 hours'",
        }, params)  # fmt: skip
        cursor.execute("RESET statement_timeout")


def build_profiles(shop) -> int:
    """crm's profiles from the orders, as its listeners keep them (rebuilt from scratch)."""
    from django.db import connection
    from django.db.models import Count, Max, Min, Q, Sum

    from crm.models.profiles import CustomerProfile
    from orders.models import Order

    CustomerProfile.objects.filter(shop=shop).delete()
    paid = Q(paid_at__isnull=False)
    rows = (
        Order.objects.filter(shop=shop)
        .values("user_id")
        .annotate(
            n=Count("pk", filter=paid),
            spent=Sum("paid_fen", filter=paid),
            first=Min("created_at"),
            last=Max("created_at"),
        )
        .order_by()
    )
    profiles = [
        CustomerProfile(
            shop=shop,
            user_id=row["user_id"],
            first_seen_at=row["first"],
            orders_count=row["n"] or 0,
            spent_fen=row["spent"] or 0,
            first_order_at=row["first"],
            last_order_at=row["last"],
            province="浙江省",
        )
        for row in rows
    ]
    CustomerProfile.objects.bulk_create(profiles, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crm_customerprofile")
    return len(profiles)


def median_seconds(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def measure(shops, clients, rounds: int) -> tuple[list[float], list[float], list[int]]:
    """Each shop's dashboard (近30天) and segment count, the shops taking turns round by round so
    that the machine's load falls on both alike: (dashboard seconds, segment seconds, matching)."""
    from crm.segments import profiles_matching

    filters = {"min_spent_fen": 20000}

    def page(client):
        response = client.get("/admin/?range=30")
        assert response.status_code == 200 and b'id="dashboard"' in response.content

    pages: list[list[float]] = [[] for _ in shops]
    segments: list[list[float]] = [[] for _ in shops]
    for client in clients:
        page(client)  # warm
    for _ in range(rounds):
        for i, (shop, client) in enumerate(zip(shops, clients, strict=True)):
            pages[i].append(median_seconds(lambda c=client: page(c), 1))
            segments[i].append(
                median_seconds(lambda s=shop: profiles_matching(shop=s, filters=filters).count(), 1)
            )
    matching = [profiles_matching(shop=shop, filters=filters).count() for shop in shops]
    return [statistics.median(t) for t in pages], [statistics.median(t) for t in segments], matching


def visit_overhead(shop, product, *, rounds: int, requests: int) -> tuple[float, float]:
    """(anonymous ratio, signed-in ratio): time per product page view with / without counting."""
    from django.conf import settings
    from django.test import Client, override_settings

    from accounts.models import User

    shopper = User.objects.create(username="bench_viewer")
    url = f"/s/{shop.slug}/p/{product.pk}/"
    without = [m for m in settings.MIDDLEWARE if m != "analytics.middleware.VisitCountingMiddleware"]
    assert len(without) == len(settings.MIDDLEWARE) - 1

    def clients():
        counting, plain = Client(), Client()
        counting.get(url, **BROWSER)
        with override_settings(MIDDLEWARE=without):
            plain.get(url, **BROWSER)  # the handler's middleware chain is built now, without counting
        return counting, plain

    anonymous = clients()
    signed_in = clients()
    for client in signed_in:
        client.force_login(shopper)

    def views(client):
        for _ in range(requests):
            client.get(url, **BROWSER)

    ratios = []
    for pair in (anonymous, signed_in):
        with_times, without_times = [], []
        for _ in range(rounds):
            with_times.append(median_seconds(lambda c=pair[0]: views(c), 1))
            without_times.append(median_seconds(lambda c=pair[1]: views(c), 1))
        ratios.append(statistics.median(with_times) / statistics.median(without_times))
        print(
            f"  product page x{requests}: {statistics.median(with_times) * 1000 / requests:.2f} ms a view with "
            f"counting, {statistics.median(without_times) * 1000 / requests:.2f} ms without"
        )
    return ratios[0], ratios[1]


def run(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from marketing.models import Channel
    from marketing.services import channel_save
    from shop.models import Shop
    from tests.factories import MerchantFactory, make_product, simulator_pay_config

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    cache.clear()
    unusable = make_password(None)
    User.objects.bulk_create(
        [User(username=f"b{i}", nickname=f"买家{i}", password=unusable) for i in range(args.shoppers)],
        batch_size=5000,
    )
    users = list(User.objects.filter(username__startswith="b").values_list("pk", flat=True))
    until = timezone.localdate()
    since = until - timedelta(days=args.days)
    codes = ["", "", "pyq", "mama", "ad"]
    shops, clients, first_products = [], [], []
    for slug, size in (("small", args.small), ("large", args.large)):
        shop = Shop.objects.create(
            slug=f"dash-{slug}", name=f"数据店{slug}", verification=Shop.Verification.VERIFIED
        )
        simulator_pay_config(shop)
        products = [
            make_product(shop=shop, title=f"商品{i}", price_fen=1990 + 1000 * i, stock=100) for i in range(40)
        ]
        skus = [product.skus.select_related("product").get() for product in products]
        for code in {c for c in codes if c}:
            channel_save(channel=Channel(shop=shop, name=f"渠道{code}", code=code))
        began = time.perf_counter()
        load_orders(shop=shop, skus=skus, users=users, channels=codes, count=size, days=args.days, seed=size)
        print(f"{size} orders of shop {shop.slug} made in {time.perf_counter() - began:.1f} s")
        client = Client()
        client.force_login(MerchantFactory(shop=shop, username=f"owner_{slug}"))
        shops.append(shop)
        clients.append(client)
        first_products.append(products[0])
    began = time.perf_counter()
    call_command(
        "analytics_backfill", "--since", since.isoformat(), "--until", until.isoformat(), stdout=io.StringIO()
    )
    print(
        f"rolled up ({args.days + 1} days, {args.small + args.large} orders) in {time.perf_counter() - began:.1f} s"
    )
    profiles = [build_profiles(shop) for shop in shops]
    (small_page, large_page), (small_segment, large_segment), matching = measure(shops, clients, args.rounds)
    for size, page_s, segment_s, made, found in zip(
        (args.small, args.large),
        (small_page, large_page),
        (small_segment, large_segment),
        profiles,
        matching,
        strict=True,
    ):
        print(f"{size} orders: dashboard {page_s * 1000:.1f} ms, segment count {segment_s * 1000:.2f} ms "
              f"({found} of {made} customer profiles match)")  # fmt: skip
    shop = shops[0]
    products = first_products
    anonymous, signed_in = visit_overhead(shop, products[0], rounds=args.rounds, requests=args.requests)
    small, large = (small_page, small_segment), (large_page, large_segment)
    dashboard_ratio = large[0] / small[0]
    segment_ratio = large[1] / small[1]
    print(
        f"visit counting: anonymous x{anonymous:.2f}, signed in x{signed_in:.2f} "
        f"(cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]})"
    )
    print(
        f"small_orders={args.small} large_orders={args.large} days={args.days} "
        f"dashboard_small_ms={small[0] * 1000:.1f} dashboard_large_ms={large[0] * 1000:.1f} "
        f"segment_small_ms={small[1] * 1000:.2f} segment_large_ms={large[1] * 1000:.2f} "
        f"visit_overhead_signed_in={signed_in:.2f} dashboard_growth_ratio={dashboard_ratio:.2f} "
        f"segment_growth_ratio={segment_ratio:.2f} visit_overhead_ratio={anonymous:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
