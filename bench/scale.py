"""Cost as data grows: each list endpoint at 1k products / 10k orders, then at 100k products (with
SKUs and images) and 1M orders (with lines), on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weishop python bench/scale.py [--runs 9]
        [--products 100000] [--orders 1000000] [--explain-all]

Runs in a throw-away database (``<name>_scale``, created and dropped on the server of DATABASE_URL);
PostgreSQL is required (the question is what its planner does with a million rows): without it the
script says so and exits 2. The data is written with COPY and ``INSERT … SELECT generate_series``
(a few minutes on 2 cores), then ``VACUUM ANALYZE``d. Every endpoint is requested in-process with
Django's test client, the cache replaced by a dummy one (so the database is what is measured),
twice to warm up and then ``--runs`` times; the median is printed at both sizes with the ratio
(goal: ≤ 1.5), then the slowest SQL statement of the big run with its ``EXPLAIN (ANALYZE, BUFFERS)``.

The shop grows the way a big shop grows: more products in the same categories, more orders from
more shoppers. The searched words (羊绒, 绒, 羊绒围巾, cashmere) name one product line of 20 products
at both sizes, so their cost shows whether search scans the catalog; ``search_common`` (纯棉) grows
with the catalog (1 product in 12 at both sizes) and shows what counting a growing result costs.
The shopper whose orders are listed has 20 at both sizes; the admin pages are seen by the shop's
merchant. The last line holds every ratio as name=value pairs.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import run_in_scratch_database  # noqa: E402 (after the path is set)

SLUG = "scale"
RARE = "羊绒"  # the rare product line: 20 products at both sizes
RARE_TITLE = "羊绒围巾"
RARE_LATIN = "cashmere"
COMMON = "纯棉"
ADJECTIVES = ["经典", "加厚", "轻薄", "复古", "简约", "宽松", "修身", "韩版", "高腰", "防风", "速干", "百搭"]
MATERIALS = [
    "纯棉",
    "真丝",
    "亚麻",
    "牛仔",
    "雪纺",
    "涤纶",
    "皮革",
    "竹纤维",
    "莫代尔",
    "帆布",
    "针织",
    "灯笼",
]
ITEMS = ["T恤", "衬衫", "卫衣", "外套", "大衣", "连衣裙", "半身裙", "休闲裤", "毛衣", "袜子", "帽子", "背包",
         "短裤", "睡衣", "马甲", "风衣"]  # fmt: skip
SELLING = ["透气舒适", "不起球", "显瘦百搭", "柔软亲肤", "四季可穿", "机洗不变形", "新款上市", "限时特惠"]
DESCRIPTION = "<p>" + "精选面料，做工细致，穿着舒适。" * 20 + "</p>"
TOP_CATEGORIES = 8
CHILDREN = 6
SHOPPER_ORDERS = 20


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=9, help="timed requests per endpoint (median)")
    parser.add_argument("--small-products", type=int, default=1_000)
    parser.add_argument("--small-orders", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--explain-all", action="store_true", help="EXPLAIN each endpoint's slowest query")
    args = parser.parse_args()
    os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "0")  # loading a million rows takes longer than 30 s
    os.environ["BENCH_UNCACHED"] = "1"  # bench.settings: a dummy cache, every request reaches the database
    os.environ["BENCH_PLAIN_STATIC"] = "1"  # in-process, without collectstatic
    return run_in_scratch_database(
        script="scale",
        suffix="scale",
        run=lambda: run(args),
        why="the planner's choices at 1M rows are the point",
    )


# -- data --------------------------------------------------------------------------------------------


class Loader:
    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.rng = random.Random(16)
        self.now = datetime.now(UTC)
        self.products = 0
        self.orders = 0

    def sql(self, statement: str, params: tuple | list = ()) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(statement, params)

    def scalar(self, statement: str, params: tuple | list = ()):
        with self.connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchone()[0]

    def base(self) -> dict:
        """The shop, its merchant, the measured shopper (with an API token) and the category tree."""
        from rest_framework.authtoken.models import Token

        from accounts.models import User
        from catalog.models import Category
        from shop.models import Shop, ShopMember

        shop = Shop.objects.create(
            slug=SLUG, name="大店", company_name="示例商贸有限公司", licence_no="91310000MA1FL0000X",
            business_address="上海市黄浦区南京东路 1 号", service_phone="021-12345678", return_policy="七天无理由",
        )  # fmt: skip
        merchant = User.objects.create_user(username="merchant", password="x", is_staff=True)  # noqa: S106
        ShopMember.objects.create(shop=shop, user=merchant, role=ShopMember.Role.OWNER)
        shopper = User.objects.create_user(username="shopper", nickname="买家")
        token = Token.objects.create(user=shopper)
        leaves, tops = [], []
        for t in range(TOP_CATEGORIES):
            top = Category.objects.create(shop=shop, name=f"一级{t}", position=t)
            tops.append(top.pk)
            leaves.extend(
                Category.objects.create(shop=shop, parent=top, name=f"二级{t}-{c}", position=c).pk
                for c in range(CHILDREN)
            )
        return {"shop": shop, "merchant": merchant, "shopper": shopper, "token": token.key, "leaves": leaves,
                "top": tops[0]}  # fmt: skip

    def add_products(self, base: dict, count: int, *, rare: int = 0) -> None:
        """``count`` products (``rare`` of them in the 羊绒 line) with 2 SKUs and 2 images each."""
        from catalog.models import Product

        has_grams = any(f.name == "search_grams" for f in Product._meta.get_fields())
        if has_grams:
            from catalog.search import search_grams as grams
        rng, shop_id, first = self.rng, base["shop"].pk, self.products
        columns = ["created_at", "updated_at", "title", "subtitle", "keywords", "description", "status",
                   "is_featured", "position", "published_at", "price_min_fen", "price_max_fen", "stock_total",
                   "sales_count", "category_id", "shop_id"] + (["search_grams"] if has_grams else [])  # fmt: skip
        buffer = io.StringIO()
        for i in range(first, first + count):
            if i < rare:
                title, subtitle, keywords = f"{RARE_TITLE} {i:05d}", "柔软保暖", f"{RARE_LATIN} 保暖"
            else:
                title = f"{rng.choice(ADJECTIVES)}{rng.choice(MATERIALS)}{rng.choice(ITEMS)} {i:05d}"
                subtitle, keywords = rng.choice(SELLING), rng.choice(["", "夏季 新款", "秋冬", "男女同款"])
            status = "on_sale" if i % 20 not in (3, 7) else ("draft" if i % 20 == 3 else "off_shelf")
            published = self.now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
            price = rng.randrange(19, 999) * 100
            row = [self.now.isoformat(), self.now.isoformat(), title, subtitle, keywords, DESCRIPTION, status,
                   "t" if i % 100 == 5 else "f", str(rng.choice([0, 0, 0, 0, 1, 2, 10])),
                   published.isoformat() if status != "draft" else "\\N", str(price), str(price + 1000), "20",
                   str(rng.randrange(500)), str(rng.choice(base["leaves"])), str(shop_id)]  # fmt: skip
            if has_grams:
                row.append(grams(title, subtitle, keywords))
            buffer.write("\t".join(row) + "\n")
        buffer.seek(0)
        lo = self.scalar("SELECT COALESCE(MAX(id), 0) FROM catalog_product")
        with self.connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY catalog_product ({', '.join(columns)}) FROM STDIN", buffer)
        self.sql(
            """INSERT INTO catalog_productimage (created_at, updated_at, image, width, height, thumb_list,
                   thumb_detail, alt, position, product_id, shop_id)
               SELECT now(), now(), 'products/bench/' || p.id || '-' || n || '.jpg', 800, 800,
                      'thumbs/list/' || p.id || '-' || n || '.jpg', 'thumbs/detail/' || p.id || '-' || n || '.jpg',
                      '', n, p.id, p.shop_id
               FROM catalog_product p CROSS JOIN generate_series(0, 1) n WHERE p.id > %s""",
            [lo],
        )
        self.sql(
            """UPDATE catalog_product p SET cover_id = i.id FROM catalog_productimage i
               WHERE i.product_id = p.id AND i.position = 0 AND p.id > %s""",
            [lo],
        )
        self.sql(
            """INSERT INTO catalog_sku (created_at, updated_at, spec_key, spec_text, code, price_fen, stock,
                   is_active, sales_count, position, product_id, shop_id)
               SELECT now(), now(), n::text, CASE n WHEN 0 THEN '尺码:M' ELSE '尺码:L' END,
                      'SKU' || p.id || '-' || n, p.price_min_fen + n * 1000, 10, true, 0, n, p.id, p.shop_id
               FROM catalog_product p CROSS JOIN generate_series(0, 1) n WHERE p.id > %s""",
            [lo],
        )
        self.products += count

    def add_orders(self, base: dict, count: int, *, shoppers: int) -> None:
        """``count`` orders with one line each, from ``shoppers`` new shoppers (the measured shopper's
        20 orders come with the first batch)."""
        lo_user = self.scalar("SELECT COALESCE(MAX(id), 0) FROM accounts_user")
        self.sql(
            """INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                   is_active, date_joined, nickname, phone, updated_at)
               SELECT '!', false, 'bench' || (%s + n), '', '', '', false, true, now(), '顾客' || n, '', now()
               FROM generate_series(1, %s) n""",
            [lo_user, shoppers],
        )
        hi_user = self.scalar("SELECT MAX(id) FROM accounts_user")
        sku_lo, sku_hi = (
            self.scalar("SELECT MIN(id) FROM catalog_sku"),
            self.scalar("SELECT MAX(id) FROM catalog_sku"),
        )
        first = self.orders
        mine = SHOPPER_ORDERS if first == 0 else 0
        day = self.now.strftime("%Y%m%d")
        self.sql(
            """INSERT INTO orders_order (created_at, updated_at, order_no, status, goods_fen, shipping_fen,
                   discount_fen, total_fen, paid_fen, refunded_fen, recipient, phone, province, city, district,
                   address_detail, remark, idempotency_key, request_fingerprint, pay_deadline, paid_at,
                   shipped_at, completed_at, cancelled_at, shop_id, user_id, channel_code, referrer_code)
               SELECT t.at, t.at, %(day)s || lpad(n::text, 12, '0'), t.status, 5900, 0, 0, 5900,
                      CASE WHEN t.status IN ('pending_payment', 'cancelled') THEN 0 ELSE 5900 END, 0,
                      '张' || (n %% 1000), '13' || lpad(((n * 7919) %% 1000000000)::text, 9, '0'), '广东省', '深圳市',
                      '南山区', '科技园 ' || n || ' 号', '', '', '', t.at + interval '30 minutes',
                      CASE WHEN t.status IN ('pending_payment', 'cancelled') THEN NULL ELSE t.at END,
                      CASE WHEN t.status IN ('shipped', 'completed') THEN t.at + interval '1 day' END,
                      CASE WHEN t.status = 'completed' THEN t.at + interval '5 days' END,
                      CASE WHEN t.status = 'cancelled' THEN t.at + interval '30 minutes' END,
                      %(shop)s, CASE WHEN n <= %(first)s + %(mine)s THEN %(shopper)s
                                     ELSE %(ulo)s + 1 + (n * 31) %% (%(uhi)s - %(ulo)s) END, '', ''
               FROM generate_series(%(first)s::bigint + 1, %(first)s::bigint + %(count)s) n,
                    LATERAL (SELECT now() - (n * 7777 %% 31536000) * interval '1 second' AS at,
                                    (ARRAY['completed', 'completed', 'completed', 'completed', 'completed',
                                           'completed', 'paid', 'shipped', 'cancelled', 'pending_payment',
                                           'cancelled', 'completed'])[1 + n %% 12] AS status) t""",
            {"day": day, "shop": base["shop"].pk, "first": first, "mine": mine, "shopper": base["shopper"].pk,
             "ulo": lo_user, "uhi": hi_user, "count": count},
        )  # fmt: skip
        self.sql(
            """INSERT INTO orders_orderline (product_id_snapshot, title, spec_text, sku_code, image, unit_price_fen,
                   quantity, total_fen, order_id, sku_id, discount_fen)
               SELECT s.product_id, '经典纯棉T恤', s.spec_text, s.code, '', 5900, 1, 5900, o.id, s.id, 0
               FROM orders_order o JOIN catalog_sku s ON s.id = %s + (o.id * 13) %% (%s - %s + 1)
               WHERE o.id > (SELECT COALESCE(MAX(order_id), 0) FROM orders_orderline)""",
            [sku_lo, sku_hi, sku_lo],
        )
        self.orders += count

    def analyze(self) -> None:
        self.connection.ensure_connection()
        raw = self.connection.connection
        autocommit = raw.autocommit
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        raw.autocommit = autocommit


# -- measuring ---------------------------------------------------------------------------------------


def endpoints(base: dict) -> dict[str, tuple[str, str]]:
    """name → (who, url)."""
    from orders.models import Order

    mine = Order.objects.filter(user=base["shopper"]).order_by("id").first()
    top = base["top"]
    return {
        "api_products": ("anon", f"/api/v1/shops/{SLUG}/products/"),
        "api_search": ("anon", f"/api/v1/shops/{SLUG}/products/?q={RARE}"),
        "h5_home": ("anon", f"/s/{SLUG}/"),
        "h5_category": ("anon", f"/s/{SLUG}/c/{top}/"),
        "h5_category_new": ("anon", f"/s/{SLUG}/c/{top}/?sort=new"),
        "search": ("anon", f"/s/{SLUG}/search/?q={RARE}"),
        "search_1char": ("anon", f"/s/{SLUG}/search/?q={RARE[1]}"),
        "search_4char": ("anon", f"/s/{SLUG}/search/?q={RARE_TITLE}"),
        "search_latin": ("anon", f"/s/{SLUG}/search/?q={RARE_LATIN.upper()}"),
        "search_common": ("anon", f"/s/{SLUG}/search/?q={COMMON}"),
        "orders_mine": ("token", f"/api/v1/shops/{SLUG}/orders/"),
        "admin_products": ("merchant", "/admin/catalog/product/"),
        "admin_products_filtered": (
            "merchant",
            f"/admin/catalog/product/?status__exact=on_sale&category={top}",
        ),
        "admin_products_search": ("merchant", f"/admin/catalog/product/?q={RARE}"),
        "admin_orders": ("merchant", "/admin/orders/order/"),
        "admin_orders_filtered": ("merchant", "/admin/orders/order/?status__exact=paid"),
        "admin_order_no_search": ("merchant", f"/admin/orders/order/?q={mine.order_no}"),
        "admin_phone_search": ("merchant", f"/admin/orders/order/?q={mine.phone}"),
    }


def clients(base: dict) -> dict:
    from django.test import Client

    anon = Client(HTTP_HOST="127.0.0.1")
    token = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {base['token']}")
    merchant = Client(HTTP_HOST="127.0.0.1")
    merchant.force_login(base["merchant"])
    return {"anon": anon, "token": token, "merchant": merchant}


def measure(base: dict, runs: int) -> dict[str, dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    by_who = clients(base)
    results = {}
    for name, (who, url) in endpoints(base).items():
        client = by_who[who]
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200, (name, url, response.status_code)
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - began) * 1000)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        queries = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
        slowest = max(queries, default=(0.0, ""))
        results[name] = {"ms": statistics.median(times), "queries": len(queries), "slowest": slowest,
                         "url": url}  # fmt: skip
    return results


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def run(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    began = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    loader = Loader()
    base = loader.base()
    loader.add_products(base, args.small_products, rare=20)
    loader.add_orders(base, args.small_orders, shoppers=max(args.small_orders // 10, 1))
    loader.analyze()
    print(
        f"loaded {loader.products:,} products, {loader.orders:,} orders in {time.perf_counter() - began:.0f} s"
    )
    small = measure(base, args.runs)
    for name, one in small.items():
        print(f"  {name:<26} {one['ms']:8.1f} ms  {one['queries']} queries")

    began = time.perf_counter()
    step = 50_000
    while loader.products < args.products:
        loader.add_products(base, min(step, args.products - loader.products))
    print(f"  products: {loader.products:,} after {time.perf_counter() - began:.0f} s")
    step = 250_000
    while loader.orders < args.orders:
        size = min(step, args.orders - loader.orders)
        loader.add_orders(base, size, shoppers=size // 20)
        print(f"  orders: {loader.orders:,} after {time.perf_counter() - began:.0f} s")
    loader.analyze()
    print(
        f"grew to {loader.products:,} products, {loader.orders:,} orders in {time.perf_counter() - began:.0f} s"
    )
    large = measure(base, args.runs)

    print()
    print(f"{'endpoint':<26} {'1k ms':>8} {'100k ms':>8} {'ratio':>6} {'queries':>9}  slowest query at 100k")
    ratios = {}
    for name, one in small.items():
        big = large[name]
        ratio = big["ms"] / one["ms"] if one["ms"] else 0.0
        ratios[name] = ratio
        queries = f"{one['queries']}/{big['queries']}"
        print(
            f"{name:<26} {one['ms']:8.1f} {big['ms']:8.1f} {ratio:6.2f} {queries:>9}  {big['slowest'][0]:.1f} ms"
        )
    worst = max(large, key=lambda name: large[name]["slowest"][0])
    names = list(large) if args.explain_all else [worst]
    for name in names:
        ms, sql = large[name]["slowest"]
        print(f"\nslowest query of {name} ({large[name]['url']}), {ms:.1f} ms:\n{sql}\n")
        print(explain(sql))
    print()
    print(" ".join(f"{name}_ratio={ratio:.2f}" for name, ratio in ratios.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
