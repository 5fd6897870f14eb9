"""Flash sale through the promotions rule, on PostgreSQL: N buyers (limit 1 each) race for S flash
units of a running session; the same buyers then race for S units of a plain SKU (no session).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weishop python bench/promotions_flash.py [--buyers 200] [--units 10]

Runs in a throw-away database (``<name>_promo_bench``, created and dropped on the server of
DATABASE_URL). Buyers run on a pool of ``--threads`` connections released together, through the
real ``orders.services.order_place``. Prints flash orders/s, plain orders/s and their ratio, the
number oversold and over the limit (both must be 0). The flash half of issue 11's
``bench/promotions.py`` (the coupon half measures claims/s).
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
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--units", type=int, default=10)
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    return run_in_scratch_database(script="promotions_flash", suffix="promo_bench", run=lambda: run(args))


def run(args) -> int:
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db.models import Sum
    from django.utils import timezone

    from accounts.models import Address, User
    from core.errors import ApplicationError
    from orders import services
    from orders.models import Order, OrderLine
    from promotions.flash.models import FlashItem, FlashSession
    from promotions.flash.services import flash_sessions_sync
    from shop.models import Shop
    from tests.factories import make_product, simulator_pay_config

    call_command("migrate", verbosity=0)
    shop = Shop.objects.create(slug="promo", name="秒杀店")
    simulator_pay_config(shop)
    buyers = [User.objects.create(username=f"buyer{i}") for i in range(args.buyers)]
    addresses = [
        Address.objects.create(user=u, recipient="买家", phone="13800000000", province="上海市", city="上海市",
                               district="黄浦区", province_code="310000", city_code="310100",
                               district_code="310101", detail="人民大道 1 号")
        for u in buyers
    ]  # fmt: skip
    flash_time = plain_time = 0.0
    oversold = over_limit = orders_total = plain_total = 0
    errors: list = []
    refusals: list = []
    for round_no in range(args.rounds):
        sku = make_product(shop=shop, title=f"秒杀 {round_no}", price_fen=9900, stock=args.units).skus.get()
        now = timezone.now()
        session = FlashSession.objects.create(shop=shop, name=f"第 {round_no} 场", starts_at=now - timedelta(seconds=1),
                                              ends_at=now + timedelta(hours=1))  # fmt: skip
        FlashItem.objects.create(
            shop=shop, session=session, sku=sku, flash_price_fen=990, quantity=args.units
        )
        flash_sessions_sync()

        def buy(i: int, sku_id: int = sku.pk) -> Order:
            return services.order_place(
                shop=shop, user=buyers[i], items=[(sku_id, 1)], address_id=addresses[i].pk
            )

        results, elapsed = race(buy, args.buyers, args.threads)
        flash_time += elapsed
        orders_total += sum(isinstance(r, Order) for r in results)
        errors += [r for r in results if not isinstance(r, (Order, ApplicationError))]
        refusals += [r for r in results if isinstance(r, ApplicationError)]
        sold = OrderLine.objects.filter(sku=sku).aggregate(n=Sum("quantity"))["n"] or 0
        oversold += max(0, sold - args.units) + (
            1 if FlashItem.objects.get(session=session).remaining < 0 else 0
        )
        per_user = OrderLine.objects.filter(sku=sku).values("order__user").annotate(n=Sum("quantity"))
        over_limit += sum(1 for row in per_user if row["n"] > 1)

        plain = make_product(shop=shop, title=f"普通 {round_no}", price_fen=9900, stock=args.units).skus.get()

        def buy_plain(i: int, sku_id: int = plain.pk) -> Order:
            return services.order_place(
                shop=shop, user=buyers[i], items=[(sku_id, 1)], address_id=addresses[i].pk
            )

        results, elapsed = race(buy_plain, args.buyers, args.threads)
        plain_time += elapsed
        plain_total += sum(isinstance(r, Order) for r in results)
        errors += [r for r in results if not isinstance(r, (Order, ApplicationError))]

    attempts = args.buyers * args.rounds
    flash_per_s, plain_per_s = attempts / flash_time, attempts / plain_time
    print(
        f"{args.rounds} flash sales: {args.buyers} buyers (limit 1) on {args.threads} connections for {args.units} units"
    )
    print(
        f"  flash orders: {orders_total} (expected {args.units * args.rounds}), plain orders: {plain_total}"
    )
    codes = sorted({r.code for r in refusals})
    print(f"  refusals: {', '.join(codes) or 'none'}")
    for error in errors[:3]:
        print(f"  unexpected: {error!r}")
    print(
        f"buyers={args.buyers} units={args.units} orders={orders_total} oversold={oversold} over_limit={over_limit} "
        f"errors={len(errors)} flash_orders_per_s={flash_per_s:.0f} plain_orders_per_s={plain_per_s:.0f} "
        f"ratio={flash_per_s / plain_per_s:.2f}"
    )
    return 1 if oversold or over_limit or errors or orders_total != args.units * args.rounds else 0


if __name__ == "__main__":
    raise SystemExit(main())
