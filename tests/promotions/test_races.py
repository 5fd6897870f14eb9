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


# ---------------------------------------------------------------- 关注有礼 (follower coupons)


def _follow(account, openid: str, created: int) -> str:
    """A subscribe push handled as the callback handles it (its own transaction, its own connection)."""
    from wechatpy import parse_message

    from tests.wechat.test_message_callback import xml
    from wechat.services import message_handle

    message = parse_message(xml(msg_type="event", sender=openid, created=created, Event="subscribe"))
    return message_handle(account=account, message=message, site_url="http://testserver")


def test_sign_ins_at_once_redeem_a_pending_follower_grant_once(shop_a):
    from promotions.models import FollowerGrant
    from tests.factories import simulator_wechat_account
    from wechat.models import WeChatIdentity

    account = simulator_wechat_account(shop_a)
    coupon = make_coupon(shop=shop_a, distribution=Coupon.Distribution.FOLLOWER, per_user_limit=10)
    _follow(account, "oStranger", 1700000000)
    user = ShopperFactory(username="late-follower")
    WeChatIdentity.objects.create(user=user, kind="account", appid=account.appid, openid="oStranger")
    results = run_at_once(lambda: services.follower_grants_redeem(user=user), [()] * 16)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(len(r) for r in results) == 1
    assert CouponClaim.objects.filter(user=user).count() == 1
    assert Coupon.objects.get(pk=coupon.pk).claimed_count == 1
    assert FollowerGrant.objects.get().status == FollowerGrant.Status.REDEEMED


def test_first_wechat_logins_at_once_of_one_follower_give_one_coupon(shop_a):
    """Two tabs open the shop at once right after the follow: two OAuth callbacks for one new
    openid make one shopper (the identity is unique) and redeem the grant once."""
    from tests.factories import simulator_wechat_account
    from wechat.identity import identity_login

    account = simulator_wechat_account(shop_a)
    make_coupon(shop=shop_a, distribution=Coupon.Distribution.FOLLOWER, per_user_limit=10)
    _follow(account, "oTwoTabs", 1700000000)
    results = run_at_once(
        lambda: identity_login(kind="account", appid=account.appid, openid="oTwoTabs"), [()] * 8
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({user.pk for user, _identity, _created in results}) == 1
    assert CouponClaim.objects.count() == 1 and Coupon.objects.get().claimed_count == 1


def test_followers_racing_for_the_last_follower_coupons_never_over_claim(shop_a):
    from promotions.models import FollowerGrant
    from tests.factories import simulator_wechat_account
    from wechat.models import WeChatIdentity

    account = simulator_wechat_account(shop_a)
    make_coupon(shop=shop_a, distribution=Coupon.Distribution.FOLLOWER, total_quantity=5)
    for i in range(24):
        WeChatIdentity.objects.create(
            user=ShopperFactory(username=f"fan{i}"), kind="account", appid=account.appid, openid=f"oFan{i}"
        )
    replies = run_at_once(_follow, [(account, f"oFan{i}", 1700000000 + i) for i in range(24)])
    assert all(isinstance(r, str) and r.startswith("欢迎关注") for r in replies), replies
    assert CouponClaim.objects.count() == 5 and Coupon.objects.get().claimed_count == 5
    grants = FollowerGrant.objects
    assert grants.filter(status=FollowerGrant.Status.REDEEMED).count() == 5
    assert not grants.filter(status=FollowerGrant.Status.PENDING).exists()  # each knew its shopper
    # those who saw none left promised nothing; those who raced for it were closed, not refused
    assert set(grants.filter(status="closed").values_list("close_reason", flat=True)) <= {"sold_out"}
