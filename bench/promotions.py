"""Promotions on PostgreSQL: claims/s for N concurrent claimers, checkout with a coupon against
checkout without one, then the flash sale (bench/promotions_flash.py: orders/s for 200 buyers racing
for 10 flash units); the last line carries both, ``over_claimed=0 ... oversold=0``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weishop python bench/promotions.py [--claimers 200] [--left 100]

Runs in a throw-away database (``<name>_promo_bench``, created and dropped on the server of
DATABASE_URL). Each claimer has its own connection and claims through the real
``promotions.services.coupon_claim``; a coupon with ``--left`` units must give exactly that many
claims (``over_claimed=0``). Then the same shoppers each place one order, with their claimed coupon
and without one, in parallel, and the ratio of the two rates is printed. Exits 1 if over-claimed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import race, run_in_scratch_database  # noqa: E402 (after the path is set)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claimers", type=int, default=200)
    parser.add_argument("--left", type=int, default=100, help="coupons available to the claimers")
    parser.add_argument("--workers", type=int, default=60, help="connections at once (below max_connections)")
    parser.add_argument("--flash-buyers", type=int, default=200)
    args = parser.parse_args()
    coupons_out = io.StringIO()
    with contextlib.redirect_stdout(coupons_out):
        coupons_code = run_in_scratch_database(
            script="promotions", suffix="promo_bench", run=lambda: run(args), why="the races are the point"
        )
    coupon_lines = coupons_out.getvalue().strip().splitlines() or [""]
    print("\n".join(coupon_lines[:-1]))
    if coupons_code == 2:  # no PostgreSQL: the reason is the only line
        print(coupon_lines[-1])
        return 2
    flash = subprocess.run(  # its own scratch database, from the DATABASE_URL we were given
        [sys.executable, str(ROOT / "bench" / "promotions_flash.py"), "--buyers", str(args.flash_buyers),
         "--rounds", "1"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    flash_lines = flash.stdout.strip().splitlines() or [""]
    print("\n".join(flash_lines[:-1]))
    flash_pairs = [
        pair if pair.startswith(("flash_", "oversold=")) else f"flash_{pair}"
        for pair in flash_lines[-1].split()
    ]
    print(" ".join([coupon_lines[-1], *flash_pairs]))
    return coupons_code or flash.returncode


def run(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import User
    from core.errors import ApplicationError
    from orders import services as order_services
    from orders.models import Order
    from promotions import services
    from promotions.models import Coupon, CouponClaim
    from shop.models import Shop
    from tests.factories import AddressFactory, make_coupon, make_product, simulator_pay_config

    call_command("migrate", verbosity=0)
    shop = Shop.objects.create(slug="promo", name="优惠店")
    simulator_pay_config(shop)
    users = [User.objects.create(username=f"claimer{i}") for i in range(args.claimers)]
    addresses = [AddressFactory(user=u) for u in users]
    coupon = make_coupon(
        shop=shop, total_quantity=args.left, per_user_limit=1, threshold_fen=0, amount_fen=500
    )
    results, elapsed = race(
        lambda i: services.coupon_claim(shop=shop, user=users[i], coupon=coupon), args.claimers, args.workers
    )
    claims = [r for r in results if isinstance(r, CouponClaim)]
    errors = [r for r in results if not isinstance(r, (CouponClaim, ApplicationError))]
    claimed = CouponClaim.objects.filter(coupon=coupon).count()
    over_claimed = max(0, claimed - args.left) + max(0, Coupon.objects.get().claimed_count - args.left)
    claims_per_s = args.claimers / elapsed

    sku = make_product(shop=shop, price_fen=5000, stock=10 * args.claimers).skus.get()
    holders = [i for i, r in enumerate(results) if isinstance(r, CouponClaim)]

    def place(i: int, coupon_claim: bool):
        options = {"coupon_claim_id": results[i].pk} if coupon_claim else {"coupon_claim_id": "none"}
        return order_services.order_place(
            shop=shop, user=users[i], items=[(sku.pk, 1)], address_id=addresses[i].pk, options=options
        )

    with_results, with_elapsed = race(lambda k: place(holders[k], True), len(holders), args.workers)
    without_results, without_elapsed = race(lambda k: place(holders[k], False), len(holders), args.workers)
    with_orders = sum(isinstance(r, Order) for r in with_results)
    without_orders = sum(isinstance(r, Order) for r in without_results)
    errors += [r for r in with_results + without_results if not isinstance(r, Order)]
    with_per_s, without_per_s = len(holders) / with_elapsed, len(holders) / without_elapsed
    print(
        f"{args.claimers} shoppers race for {args.left} coupons: {len(claims)} claimed, over-claimed {over_claimed}"
    )
    print(
        f"  claims/s: {claims_per_s:.0f}   checkout/s with a coupon: {with_per_s:.0f}, without: {without_per_s:.0f}"
    )
    for error in {repr(e)[:200]: e for e in errors}.values():
        print(f"  unexpected: {error!r}")
    print(
        f"claimers={args.claimers} workers={args.workers} left={args.left} claimed={len(claims)} over_claimed={over_claimed} "
        f"claims_per_s={claims_per_s:.0f} orders_with_coupon={with_orders} orders_without={without_orders} "
        f"checkout_with_per_s={with_per_s:.0f} checkout_without_per_s={without_per_s:.0f} "
        f"ratio={with_per_s / without_per_s:.2f} errors={len(errors)}"
    )
    return 1 if over_claimed or errors or len(claims) != args.left else 0


if __name__ == "__main__":
    raise SystemExit(main())
