"""Claiming, sending and red packets (promotions/services.py), on one connection; the races are
in test_races.py (PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError
from promotions import services
from promotions.models import Coupon, CouponClaim, RedPacketPool
from tests.factories import ShopperFactory, make_coupon, make_red_packet_pool

pytestmark = pytest.mark.django_db


def codes(fn) -> str:
    with pytest.raises(ApplicationError) as exc:
        fn()
    return exc.value.code


def test_a_claim_is_a_usable_claim_for_the_days_after_claiming(shop_a):
    coupon = make_coupon(shop=shop_a, use_days=3)
    user = ShopperFactory()
    claim = services.coupon_claim(shop=shop_a, user=user, coupon=coupon)
    assert claim.status == CouponClaim.Status.USABLE and claim.source == CouponClaim.Source.CLAIMED
    assert timedelta(days=3) - (claim.valid_until - claim.valid_from) < timedelta(seconds=1)
    coupon.refresh_from_db()
    assert coupon.claimed_count == 1


def test_fixed_dates_give_the_coupons_dates(shop_a):
    now = timezone.now()
    coupon = make_coupon(
        shop=shop_a, use_mode=Coupon.UseMode.FIXED_DATES, use_days=None,
        use_starts_at=now + timedelta(days=1), use_ends_at=now + timedelta(days=10),
    )  # fmt: skip
    claim = services.coupon_claim(shop=shop_a, user=ShopperFactory(), coupon=coupon)
    assert (claim.valid_from, claim.valid_until) == (coupon.use_starts_at, coupon.use_ends_at)


def test_each_refusal_has_its_code(shop_a, shop_b):
    now = timezone.now()
    user = ShopperFactory()
    one = make_coupon(shop=shop_a, total_quantity=1)
    services.coupon_claim(shop=shop_a, user=ShopperFactory(), coupon=one)
    assert codes(lambda: services.coupon_claim(shop=shop_a, user=user, coupon=one)) == "coupon_sold_out"
    limited = make_coupon(shop=shop_a, per_user_limit=2)
    services.coupon_claim(shop=shop_a, user=user, coupon=limited)
    services.coupon_claim(shop=shop_a, user=user, coupon=limited)
    assert (
        codes(lambda: services.coupon_claim(shop=shop_a, user=user, coupon=limited)) == "coupon_limit_reached"
    )
    later = make_coupon(
        shop=shop_a, claim_starts_at=now + timedelta(days=1), claim_ends_at=now + timedelta(days=2)
    )
    assert codes(lambda: services.coupon_claim(shop=shop_a, user=user, coupon=later)) == "coupon_not_started"
    over = make_coupon(
        shop=shop_a, claim_starts_at=now - timedelta(days=2), claim_ends_at=now - timedelta(days=1)
    )
    assert codes(lambda: services.coupon_claim(shop=shop_a, user=user, coupon=over)) == "coupon_expired"
    other = make_coupon(shop=shop_b)
    assert codes(lambda: services.coupon_claim(shop=shop_a, user=user, coupon=other)) == "coupon_not_found"
    sent_only = make_coupon(shop=shop_a, distribution=Coupon.Distribution.SENT)
    assert (
        codes(lambda: services.coupon_claim(shop=shop_a, user=user, coupon=sent_only)) == "coupon_not_found"
    )
    off = make_coupon(shop=shop_a, is_active=False)
    assert codes(lambda: services.coupon_claim(shop=shop_a, user=user, coupon=off)) == "coupon_not_found"


def test_a_sold_out_claim_leaves_no_row(shop_a):
    coupon = make_coupon(shop=shop_a, total_quantity=1, per_user_limit=5)
    user = ShopperFactory()
    services.coupon_claim(shop=shop_a, user=user, coupon=coupon)
    assert codes(lambda: services.coupon_claim(shop=shop_a, user=user, coupon=coupon)) == "coupon_sold_out"
    assert CouponClaim.objects.filter(coupon=coupon).count() == 1


def test_the_merchant_sends_one_each_within_limits(shop_a):
    coupon = make_coupon(shop=shop_a, distribution=Coupon.Distribution.SENT, total_quantity=2)
    a, b, c = ShopperFactory(), ShopperFactory(), ShopperFactory()
    result = services.coupon_send(shop=shop_a, coupon=coupon, users=[a, a, b, c])
    assert (result.sent, result.already_held, result.sold_out) == (2, 1, 1)
    assert set(CouponClaim.objects.values_list("user", "source")) == {(a.pk, "sent"), (b.pk, "sent")}


def test_a_merchant_cannot_send_another_shops_coupon(shop_a, shop_b):
    coupon = make_coupon(shop=shop_b, distribution=Coupon.Distribution.SENT)
    assert codes(lambda: services.coupon_send(shop=shop_a, coupon=coupon, users=[ShopperFactory()])) == (
        "coupon_not_found"
    )


# ---------------------------------------------------------------- red packets


@pytest.mark.parametrize(
    ("total", "n", "lo", "hi"),
    [
        (10000, 20, 100, 1000),
        (2000, 20, 100, 100),
        (10000, 10, 100, 1000),
        (10000, 11, 100, 1000),
        (7, 3, 1, 5),
    ],
)
def test_the_split_pays_out_exactly_the_pool_and_every_packet_is_in_bounds(total, n, lo, hi):
    for _round in range(200):
        left, packets = total, []
        for k in range(n, 0, -1):
            amount = services.red_packet_amount(
                remaining_fen=left, remaining_packets=k, min_fen=lo, max_fen=hi
            )
            packets.append(amount)
            left -= amount
        assert sum(packets) == total and left == 0
        assert all(lo <= p <= hi for p in packets), packets


def test_opening_a_pool_gives_random_fixed_claims_until_it_is_empty(shop_a):
    pool = make_red_packet_pool(shop=shop_a, total_fen=1000, packets=4, min_fen=100, max_fen=400)
    claims = [services.red_packet_open(shop=shop_a, user=ShopperFactory(), pool_id=pool.pk) for _ in range(4)]
    assert sum(c.amount_fen for c in claims) == 1000
    assert all(100 <= c.amount_fen <= 400 and c.source == "red_packet" for c in claims)
    pool.refresh_from_db()
    assert (pool.remaining_fen, pool.remaining_packets, pool.paid_fen) == (0, 0, 1000)
    late = ShopperFactory()
    assert (
        codes(lambda: services.red_packet_open(shop=shop_a, user=late, pool_id=pool.pk)) == "coupon_sold_out"
    )


def test_one_packet_per_shopper(shop_a):
    pool = make_red_packet_pool(shop=shop_a)
    user = ShopperFactory()
    services.red_packet_open(shop=shop_a, user=user, pool_id=pool.pk)
    assert (
        codes(lambda: services.red_packet_open(shop=shop_a, user=user, pool_id=pool.pk))
        == "coupon_limit_reached"
    )


def test_the_share_link_is_signed_and_of_its_shop(shop_a, shop_b):
    pool = make_red_packet_pool(shop=shop_a)
    token = services.red_packet_share_token(pool)
    assert services.red_packet_pool_from_token(shop=shop_a, token=token) == pool.pk
    assert codes(lambda: services.red_packet_pool_from_token(shop=shop_b, token=token)) == "coupon_not_found"
    assert codes(lambda: services.red_packet_pool_from_token(shop=shop_a, token=token[:-2] + "xx")) == (
        "coupon_not_found"
    )


def test_a_pool_must_be_splittable(shop_a):
    with pytest.raises(ApplicationError) as exc:
        make_red_packet_pool(shop=shop_a, total_fen=100000, packets=20, min_fen=100, max_fen=1000)
    assert "total_fen" in exc.value.fields
    with pytest.raises(ApplicationError):
        make_red_packet_pool(shop=shop_a, total_fen=1000, packets=20, min_fen=100, max_fen=1000)
    assert not RedPacketPool.objects.exists()


def test_an_opened_pool_keeps_its_sums(shop_a):
    pool = make_red_packet_pool(shop=shop_a)
    services.red_packet_open(shop=shop_a, user=ShopperFactory(), pool_id=pool.pk)
    pool.refresh_from_db()
    pool.name = "改名可以"
    services.red_packet_pool_save(pool=pool)
    pool.total_fen = 20000
    with pytest.raises(ApplicationError):
        services.red_packet_pool_save(pool=pool)


# ---------------------------------------------------------------- admin validation


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount_fen": 10000, "threshold_fen": 10000}, "amount_fen"),
        ({"amount_fen": 0}, "amount_fen"),
        ({"kind": "percent", "rate_percent": None}, "rate_percent"),
        ({"kind": "percent", "rate_percent": 100}, "rate_percent"),
        ({"kind": "percent", "rate_percent": 0}, "rate_percent"),
        ({"kind": "percent", "rate_percent": 90, "max_off_fen": 0}, "max_off_fen"),
        ({"use_mode": "days", "use_days": None}, "use_days"),
        ({"use_mode": "dates", "use_days": None}, "use_ends_at"),
    ],
)
def test_coupon_validation_names_the_field(shop_a, fields, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        make_coupon(shop=shop_a, **fields)
    assert field in exc.value.message_dict
