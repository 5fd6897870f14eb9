"""The races of issue 11, on PostgreSQL with real concurrent connections (tests/concurrency.py):
a coupon with 1 left, one shopper's many claims, a red-packet pool opened by many at once, and
many orders racing for one claimed coupon."""

from __future__ import annotations

import pytest

from catalog.models import SKU
from core.errors import ApplicationError
from orders import services as order_services
from orders.models import Order
from promotions import services
from promotions.models import Coupon, CouponClaim, RedPacketPool
from tests.concurrency import run_at_once
from tests.factories import AddressFactory, ShopperFactory, make_coupon, make_product, make_red_packet_pool

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_64_claims_of_the_last_coupon_give_exactly_one(shop_a):
    coupon = make_coupon(shop=shop_a, total_quantity=1)
    users = [(ShopperFactory(username=f"c{i}"),) for i in range(64)]
    results = run_at_once(lambda user: services.coupon_claim(shop=shop_a, user=user, coupon=coupon), users)
    claims = [r for r in results if isinstance(r, CouponClaim)]
    refusals = [r for r in results if isinstance(r, ApplicationError)]
    assert len(claims) == 1 and len(refusals) == 63, results
    assert {r.code for r in refusals} == {"coupon_sold_out"}
    assert CouponClaim.objects.count() == 1 and Coupon.objects.get().claimed_count == 1


def test_64_claims_by_one_shopper_of_a_one_per_shopper_coupon_give_one(shop_a):
    coupon = make_coupon(shop=shop_a, total_quantity=100, per_user_limit=1)
    user = ShopperFactory(username="greedy")
    results = run_at_once(lambda: services.coupon_claim(shop=shop_a, user=user, coupon=coupon), [()] * 64)
    claims = [r for r in results if isinstance(r, CouponClaim)]
    refusals = [r for r in results if isinstance(r, ApplicationError)]
    assert len(claims) == 1 and len(refusals) == 63, results
    assert {r.code for r in refusals} == {"coupon_limit_reached"}
    assert CouponClaim.objects.count() == 1 and Coupon.objects.get().claimed_count == 1


def test_a_per_shopper_limit_of_3_under_a_burst_gives_3(shop_a):
    coupon = make_coupon(shop=shop_a, total_quantity=100, per_user_limit=3)
    user = ShopperFactory(username="three")
    results = run_at_once(lambda: services.coupon_claim(shop=shop_a, user=user, coupon=coupon), [()] * 32)
    assert sum(isinstance(r, CouponClaim) for r in results) == 3, results
    assert Coupon.objects.get().claimed_count == 3


def test_a_red_packet_pool_opened_by_64_never_pays_more_than_it_holds(shop_a):
    pool = make_red_packet_pool(shop=shop_a, total_fen=10000, packets=20, min_fen=100, max_fen=1000)
    users = [(ShopperFactory(username=f"r{i}"),) for i in range(64)]
    results = run_at_once(
        lambda user: services.red_packet_open(shop=shop_a, user=user, pool_id=pool.pk), users
    )
    claims = [r for r in results if isinstance(r, CouponClaim)]
    assert len(claims) == 20, results
    assert {r.code for r in results if isinstance(r, ApplicationError)} == {"coupon_sold_out"}
    amounts = list(CouponClaim.objects.values_list("amount_fen", flat=True))
    assert sum(amounts) == 10000 and all(100 <= a <= 1000 for a in amounts)
    pool = RedPacketPool.objects.get()
    assert (pool.remaining_fen, pool.remaining_packets) == (0, 0)


def test_50_orders_using_one_claimed_coupon_give_one_order_the_rest_coupon_used(shop_a):
    sku = make_product(shop=shop_a, price_fen=15000, stock=100).skus.get()
    user = ShopperFactory(username="one-coupon")
    mine = services.coupon_claim(shop=shop_a, user=user, coupon=make_coupon(shop=shop_a))
    address = AddressFactory(user=user)

    def buy(key: str):
        return order_services.order_place(
            shop=shop_a, user=user, items=[(sku.pk, 1)], address_id=address.pk,
            options={"coupon_claim_id": mine.pk}, idempotency_key=key,
        )  # fmt: skip

    results = run_at_once(buy, [(f"k{i}",) for i in range(50)])
    orders = [r for r in results if isinstance(r, Order)]
    refusals = [r for r in results if isinstance(r, ApplicationError)]
    assert len(orders) == 1 and len(refusals) == 49, results
    assert {r.code for r in refusals} == {"coupon_used"}
    assert Order.objects.count() == 1 and Order.objects.get().discount_fen == 2000
    assert SKU.objects.get(pk=sku.pk).stock == 99  # the refused orders reserved nothing
    mine.refresh_from_db()
    assert mine.status == "used" and mine.used_order_id == orders[0].pk
