"""The dashboard and crm's segment count as orders grow, and what counting visits costs a page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weishop [REDIS_URL=redis://127.0.0.1:6379/4] \\
        python bench/dashboard.py [--small 10000] [--large 1000000] [--days 180] [--shoppers 20000]

Runs in a throw-away database (``<name>_dashboard_bench``, created and dropped on the server of
DATABASE_URL). One shop with 40 products, three channels and ``--shoppers`` shoppers; orders are
bulk-loaded with PostgreSQL's COPY (one line each, spread over ``--days`` days ending today;
most paid, some unpaid or cancelled, about one in twenty refunded in full or in part), then
``manage.py analytics_backfill`` rolls them up and crm's customer profiles are made from them.

1. **Dashboard**: the merchant's admin index (近30天) rendered by Django's test client, median of
   ``--rounds``, at ``--small`` orders and again after growing to ``--large`` orders:
   ``dashboard_growth_ratio`` = time at large / time at small (the goal: at most 1.5, since the
   page reads rolled-up daily rows, never the orders).
2. **Segment count**: ``crm.segments.profiles_matching(shop=, filters={"min_spent_fen": 20000})
   .count()`` at both sizes: ``segment_growth_ratio`` (it grows with the number of customers, which
   grows with the orders until every shopper has bought).
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
import csv
import io
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import run_in_scratch_database  # noqa: E402 (after the path is set)

NULL = "\\N"
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
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds per figure (medians)")
    parser.add_argument("--requests", type=int, default=200, help="product page views per round")
    args = parser.parse_args()
    return run_in_scratch_database(
        script="dashboard", suffix="dashboard_bench", run=lambda: run(args), why="COPY and the 1M orders"
    )


def _cell(value: object) -> object:
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class Copier:
    """Rows of a model for COPY: every concrete column, its default where the row says nothing (so
    a column another app adds with a default needs nothing here)."""

    def __init__(self, model, **fixed):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in self.fields]
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        template = []
        for f in self.fields:
            if f.attname in fixed:
                template.append(_cell(fixed[f.attname]))
            elif f.has_default():
                default = f.get_default()
                template.append(_cell(default if not callable(default) else default()))
            else:
                template.append(NULL if f.null else "")
        self.template = template
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)
        self.count = 0

    def add(self, **values: object) -> None:
        row = list(self.template)
        for name, value in values.items():
            row[self.index[name]] = _cell(value)
        self.writer.writerow(row)
        self.count += 1

    def flush(self, cursor) -> int:
        if not self.count:
            return 0
        self.buffer.seek(0)
        table = self.model._meta.db_table
        cursor.copy_expert(
            f"COPY \"{table}\" ({', '.join(self.columns)}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')",
            self.buffer,
        )
        done, self.count = self.count, 0
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)
        return done


def load_orders(*, shop, skus, users, channels, count: int, days: int, seed: int) -> None:
    """``count`` orders (one line each) of ``users`` over the last ``days`` days, by COPY."""
    from django.db import connection
    from django.utils import timezone

    from orders.models import AfterSale, Order, OrderLine

    pick = random.Random(seed)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM orders_order")
        first_order = cursor.fetchone()[0] + 1
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM orders_aftersale")
        first_after_sale = cursor.fetchone()[0] + 1
    orders = Copier(
        Order,
        shop_id=shop.pk,
        recipient="顾客",
        phone="13800000000",
        province="浙江省",
        city="杭州市",
        district="西湖区",
        address_detail="文三路 1 号",
    )
    lines = Copier(OrderLine)
    after_sales = Copier(AfterSale, shop_id=shop.pk, kind="refund_only", status="refunded", reason="不想要了")
    after_sale_id = first_after_sale
    with connection.cursor() as cursor:
        for n in range(count):
            order_id = first_order + n
            sku = skus[n % len(skus)]
            quantity = 1 + (n % 3 == 0)
            total = sku.price_fen * quantity
            placed = now - timedelta(seconds=pick.randint(60, days * 86400 - 60))
            fate = pick.random()
            paid = fate >= 0.1
            refunded = 0
            status = "completed" if paid else ("pending_payment" if fate < 0.02 else "cancelled")
            if paid and fate < 0.15:
                refunded = total if fate < 0.12 else total // 3
                status = "closed" if refunded == total else status
                after_sales.add(
                    id=after_sale_id,
                    order_id=order_id,
                    after_sale_no=f"B{after_sale_id:019d}",
                    amount_fen=refunded,
                    refunded_at=placed + timedelta(hours=30),
                    handled_at=placed + timedelta(hours=30),
                    created_at=placed + timedelta(hours=29),
                    updated_at=placed + timedelta(hours=30),
                )
                after_sale_id += 1
            orders.add(
                id=order_id,
                user_id=users[pick.randrange(len(users))],
                order_no=f"B{order_id:019d}",
                status=status,
                goods_fen=total,
                total_fen=total,
                paid_fen=total if paid else 0,
                refunded_fen=refunded,
                channel_code=channels[n % len(channels)],
                created_at=placed,
                updated_at=placed,
                pay_deadline=placed + timedelta(minutes=30),
                paid_at=placed + timedelta(minutes=2) if paid else None,
                cancelled_at=placed + timedelta(minutes=30) if status == "cancelled" else None,
            )
            lines.add(
                id=order_id,
                order_id=order_id,
                sku_id=sku.pk,
                product_id_snapshot=sku.product_id,
                title=sku.product.title,
                unit_price_fen=sku.price_fen,
                quantity=quantity,
                total_fen=total,
            )
            if orders.count >= 50_000:
                orders.flush(cursor)
                lines.flush(cursor)
        orders.flush(cursor)
        lines.flush(cursor)
        after_sales.flush(cursor)
        for table in ("orders_order", "orders_orderline", "orders_aftersale"):
            sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
            cursor.execute(sql)
        cursor.execute("ANALYZE orders_order; ANALYZE orders_orderline; ANALYZE orders_aftersale")


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


def measure(shop, client, rounds: int) -> tuple[float, float, int]:
    """(dashboard seconds, segment count seconds, matching profiles)"""
    from crm.segments import profiles_matching

    def page():
        response = client.get("/admin/?range=30")
        assert response.status_code == 200 and b'id="dashboard"' in response.content

    page()  # warm
    dashboard = median_seconds(page, rounds)
    filters = {"min_spent_fen": 20000}
    matching = profiles_matching(shop=shop, filters=filters).count()
    segment = median_seconds(lambda: profiles_matching(shop=shop, filters=filters).count(), rounds)
    return dashboard, segment, matching


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
    shop = Shop.objects.create(slug="dash", name="数据店", verification=Shop.Verification.VERIFIED)
    simulator_pay_config(shop)
    merchant = MerchantFactory(shop=shop, username="dash_owner")
    products = [
        make_product(shop=shop, title=f"商品{i}", price_fen=1990 + 1000 * i, stock=100) for i in range(40)
    ]
    skus = [product.skus.select_related("product").get() for product in products]
    codes = ["", "", "pyq", "mama", "ad"]
    for code in {c for c in codes if c}:
        channel_save(channel=Channel(shop=shop, name=f"渠道{code}", code=code))
    unusable = make_password(None)
    User.objects.bulk_create(
        [User(username=f"b{i}", nickname=f"买家{i}", password=unusable) for i in range(args.shoppers)],
        batch_size=5000,
    )
    users = list(User.objects.filter(username__startswith="b").values_list("pk", flat=True))
    client = Client()
    client.force_login(merchant)
    until = timezone.localdate()
    since = until - timedelta(days=args.days)
    results = {}
    loaded = 0
    for size in (args.small, args.large):
        began = time.perf_counter()
        load_orders(
            shop=shop, skus=skus, users=users, channels=codes, count=size - loaded, days=args.days, seed=size
        )
        loaded = size
        load_s = time.perf_counter() - began
        began = time.perf_counter()
        out = io.StringIO()
        call_command(
            "analytics_backfill", "--since", since.isoformat(), "--until", until.isoformat(), stdout=out
        )
        rollup_s = time.perf_counter() - began
        profiles = build_profiles(shop)
        dashboard_s, segment_s, matching = measure(shop, client, args.rounds)
        results[size] = (dashboard_s, segment_s)
        print(
            f"{size} orders: loaded in {load_s:.1f} s, rolled up ({args.days + 1} days) in {rollup_s:.1f} s, "
            f"{profiles} customer profiles; dashboard {dashboard_s * 1000:.1f} ms, segment count "
            f"{segment_s * 1000:.2f} ms ({matching} matching)"
        )
    anonymous, signed_in = visit_overhead(shop, products[0], rounds=args.rounds, requests=args.requests)
    small, large = results[args.small], results[args.large]
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
