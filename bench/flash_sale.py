"""Flash sale on PostgreSQL: N concurrent buyers race for S < N units of one SKU.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weishop python bench/flash_sale.py [--buyers 50] [--units 10]

Runs in a throw-away database (``<name>_flash_bench``, created and dropped on the server of
DATABASE_URL). The buyers are released together and served by ``--pool`` workers (default 40), each
with its own connection, as a web server's threads would (200 buyers need no 200 connections:
PostgreSQL's default max_connections is 100); each places an order through the real
``orders.services.order_place``. Prints placement attempts/s, p50/p95 of one attempt, the number
oversold (must be 0), and the ratio to a baseline of the same workers doing plain single-row
INSERTs. Exits 1 if anything was oversold.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import race, run_in_scratch_database  # noqa: E402 (after the path is set)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--buyers", type=int, default=50)
    parser.add_argument("--units", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5, help="flash sales to run (each with fresh stock)")
    parser.add_argument("--pool", type=int, default=40, help="workers (database connections) at once")
    args = parser.parse_args()

    return run_in_scratch_database(
        script="flash_sale", suffix="flash_bench", run=lambda: run(args), why="row locks are the point"
    )


def run(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Address, User
    from core.errors import ApplicationError
    from orders import services
    from orders.models import Order
    from shop.models import Shop
    from tests.factories import make_product, simulator_pay_config

    call_command("migrate", verbosity=0)
    shop = Shop.objects.create(slug="flash", name="秒杀店")
    simulator_pay_config(shop)  # a shop takes orders only once WeChat Pay is set up
    buyers = [User.objects.create(username=f"buyer{i}") for i in range(args.buyers)]
    addresses = [
        Address.objects.create(user=u, recipient="买家", phone="13800000000", province="上海市", city="上海市",
                               district="黄浦区", province_code="310000", city_code="310100",
                               district_code="310101", detail="人民大道 1 号")
        for u in buyers
    ]  # fmt: skip
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE bench_insert (id bigserial PRIMARY KEY, buyer int, at timestamptz DEFAULT now())"
        )

    order_times, insert_times, oversold, orders_total, errors = [], [], 0, 0, []
    attempt_times: list[float] = []
    for round_no in range(args.rounds):
        sku = make_product(shop=shop, title=f"秒杀 {round_no}", price_fen=990, stock=args.units).skus.get()

        def buy(i: int, sku_id: int = sku.pk):
            return services.order_place(
                shop=shop, user=buyers[i], items=[(sku_id, 1)], address_id=addresses[i].pk
            )

        results, elapsed = race(buy, args.buyers, args.pool, timings=attempt_times)
        orders = [r for r in results if isinstance(r, Order)]
        errors += [r for r in results if not isinstance(r, (Order, ApplicationError))]
        sku.refresh_from_db()
        sold = Order.objects.filter(lines__sku=sku).count()
        oversold += max(0, sold - args.units) + (1 if sku.stock < 0 else 0)
        orders_total += len(orders)
        order_times.append(elapsed)

        def insert(i: int):
            with connection.cursor() as cur:
                cur.execute("INSERT INTO bench_insert (buyer) VALUES (%s)", [i])

        _r, elapsed = race(insert, args.buyers, args.pool)
        insert_times.append(elapsed)

    attempts = args.buyers * args.rounds
    orders_per_s = attempts / sum(order_times)  # placement attempts handled per second (won or refused)
    inserts_per_s = attempts / sum(insert_times)
    attempt_times.sort()
    p50 = attempt_times[len(attempt_times) // 2] * 1000
    p95 = attempt_times[min(len(attempt_times) - 1, int(len(attempt_times) * 0.95))] * 1000
    print(
        f"{args.rounds} flash sales: {args.buyers} buyers race for {args.units} units each, {args.pool} at once"
    )
    print(
        f"  orders placed: {orders_total} (expected {args.units * args.rounds}), oversold: {oversold}, errors: {len(errors)}"
    )
    for error in errors[:3]:
        print(f"  unexpected: {error!r}")
    print(f"  order attempts/s: {orders_per_s:.0f}   plain inserts/s: {inserts_per_s:.0f}")
    print(f"  one attempt: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(
        f"buyers={args.buyers} units={args.units} pool={args.pool} orders={orders_total} oversold={oversold} "
        f"errors={len(errors)} orders_per_s={orders_per_s:.0f} p50_ms={p50:.1f} p95_ms={p95:.1f} "
        f"baseline_inserts_per_s={inserts_per_s:.0f} ratio={orders_per_s / inserts_per_s:.2f}"
    )
    return 1 if oversold or errors or orders_total != args.units * args.rounds else 0


if __name__ == "__main__":
    raise SystemExit(main())
