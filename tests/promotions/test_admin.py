"""The merchant's coupon admin: clear validation errors, counts, the orders that used a coupon,
sending to chosen shoppers of their own shop, red-packet pools with payout stats."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orders import services as order_services
from promotions import services
from promotions.models import Coupon, CouponClaim, RedPacketPool
from tests.factories import AddressFactory, ShopperFactory, make_coupon, make_product

pytestmark = pytest.mark.django_db
ADD = "/admin/promotions/coupon/add/"


def form(**fields) -> dict:
    now = timezone.localtime().replace(second=0, microsecond=0)
    data = {
        "name": "满100减20", "is_active": "on", "distribution": "public", "kind": "fixed", "amount_fen": "20",
        "threshold_fen": "100", "scope": "shop", "total_quantity": "100", "per_user_limit": "1",
        "claim_starts_at_0": now.strftime("%Y-%m-%d"), "claim_starts_at_1": now.strftime("%H:%M:%S"),
        "claim_ends_at_0": (now + timedelta(days=7)).strftime("%Y-%m-%d"), "claim_ends_at_1": "12:00:00",
        "use_mode": "days", "use_days": "30",
    }  # fmt: skip
    data.update(fields)
    return data


def test_a_merchant_creates_a_coupon_in_yuan(client, merchant_a, shop_a):
    client.force_login(merchant_a)
    response = client.post(ADD, form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    coupon = Coupon.objects.get()
    assert (coupon.shop, coupon.amount_fen, coupon.threshold_fen) == (shop_a, 2000, 10000)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount_fen": "100"}, "减免金额必须小于使用门槛"),
        ({"kind": "percent", "rate_percent": "100"}, "99"),
        ({"kind": "percent", "rate_percent": ""}, "请填写折扣"),
        ({"kind": "percent", "rate_percent": "90", "max_off_fen": "0"}, "最多减的金额必须大于 0"),
        ({"use_mode": "dates"}, "固定日期有效期请填写"),
        ({"claim_ends_at_0": "2020-01-01"}, "结束领取时间必须晚于开始领取时间"),
    ],
)
def test_validation_errors_are_clear(client, merchant_a, shop_a, fields, message):
    client.force_login(merchant_a)
    response = client.post(ADD, form(**fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Coupon.objects.exists()


def test_counts_and_the_orders_that_used_it(client, merchant_a, shop_a):
    coupon = make_coupon(shop=shop_a)
    buyer = ShopperFactory()
    claim = services.coupon_claim(shop=shop_a, user=buyer, coupon=coupon)
    gone = services.coupon_claim(shop=shop_a, user=ShopperFactory(), coupon=coupon)
    CouponClaim.objects.filter(pk=gone.pk).update(valid_until=timezone.now() - timedelta(days=1))
    sku = make_product(shop=shop_a, price_fen=15000).skus.get()
    order = order_services.order_place(
        shop=shop_a, user=buyer, items=[(sku.pk, 1)], address_id=AddressFactory(user=buyer).pk
    )
    client.force_login(merchant_a)
    page = client.get("/admin/promotions/coupon/").content.decode()
    assert "2/100" in page
    change = client.get(f"/admin/promotions/coupon/{coupon.pk}/change/").content.decode()
    assert "已使用 1，已过期 1" in change and order.order_no in change
    claim.refresh_from_db()
    assert claim.used_order_id == order.pk


def test_sending_to_chosen_shoppers_of_the_shop(client, merchant_a, merchant_b, shop_a, shop_b):
    coupon = make_coupon(shop=shop_a, distribution=Coupon.Distribution.SENT)
    customer = ShopperFactory()
    stranger = ShopperFactory()
    sku = make_product(shop=shop_a, price_fen=100).skus.get()
    order_services.order_place(
        shop=shop_a, user=customer, items=[(sku.pk, 1)], address_id=AddressFactory(user=customer).pk
    )
    client.force_login(merchant_a)
    url = f"/admin/promotions/coupon/{coupon.pk}/send/"
    page = client.get(url).content.decode()
    assert customer.username in page and stranger.username not in page
    response = client.post(url, {"users": [customer.pk, stranger.pk]})
    assert response.status_code == 200  # a stranger is not a choice
    response = client.post(url, {"users": [customer.pk]})
    assert response.status_code == 302
    assert list(CouponClaim.objects.values_list("user", "source")) == [(customer.pk, "sent")]
    client.force_login(merchant_b)
    assert client.get(url).status_code == 404
    assert client.post(url, {"users": [customer.pk]}).status_code == 404


def test_a_red_packet_pool_in_admin(client, merchant_a, shop_a):
    coupon = make_coupon(
        shop=shop_a, distribution=Coupon.Distribution.RED_PACKET, amount_fen=0, threshold_fen=0
    )
    client.force_login(merchant_a)
    data = {"name": "新春红包", "coupon": coupon.pk, "total_fen": "100", "packet_count": "20", "min_fen": "1",
            "max_fen": "10"}  # fmt: skip
    too_much = client.post("/admin/promotions/redpacketpool/add/", {**data, "total_fen": "1000"})
    assert "总额太多" in too_much.content.decode()
    assert client.post("/admin/promotions/redpacketpool/add/", data).status_code == 302
    pool = RedPacketPool.objects.get()
    assert (pool.remaining_fen, pool.remaining_packets) == (10000, 20)
    services.red_packet_open(shop=shop_a, user=ShopperFactory(), pool_id=pool.pk)
    page = client.get(f"/admin/promotions/redpacketpool/{pool.pk}/change/").content.decode()
    assert "已拆 1 / 20 个" in page and "/s/shop-a/red-packet/" in page


def test_a_follower_coupon_and_its_grants_in_admin(client, merchant_a, merchant_b, shop_a, shop_b):
    """关注有礼: the merchant picks the mode in Chinese, sees its hand-outs on the coupon's page and
    lists them (read-only, own shop only)."""
    from promotions.models import FollowerGrant

    client.force_login(merchant_a)
    add = client.get(ADD).content.decode()
    assert "新关注公众号赠送" in add and "取消关注后再关注" in add
    assert client.post(ADD, form(name="关注礼", distribution="follower")).status_code == 302
    coupon = Coupon.objects.get(distribution=Coupon.Distribution.FOLLOWER)
    shopper = ShopperFactory()
    FollowerGrant.objects.create(shop=shop_a, appid="wxa", openid="oWaiting", coupon=coupon)
    claim = services.coupon_send(shop=shop_a, coupon=coupon, users=[shopper])
    assert claim.sent == 1
    FollowerGrant.objects.create(
        shop=shop_a, appid="wxa", openid="oDone", coupon=coupon, user=shopper,
        status=FollowerGrant.Status.REDEEMED, redeemed_at=timezone.now(), claim=CouponClaim.objects.get(),
    )  # fmt: skip
    change = client.get(f"/admin/promotions/coupon/{coupon.pk}/change/").content.decode()
    assert "待登录领取 1，已发放 1，已关闭 0" in change
    assert f"/admin/promotions/followergrant/?coupon__id__exact={coupon.pk}" in change

    listing = client.get(f"/admin/promotions/followergrant/?coupon__id__exact={coupon.pk}")
    assert listing.status_code == 200
    assert {g.openid for g in listing.context["cl"].result_list} == {"oWaiting", "oDone"}
    page = listing.content.decode()
    assert "关注有礼记录" in page and "待登录领取" in page and "已发放" in page
    assert "/admin/promotions/followergrant/add/" not in page  # nothing to add by hand
    grant = FollowerGrant.objects.get(openid="oWaiting")
    done = client.get(
        f"/admin/promotions/followergrant/{FollowerGrant.objects.get(openid='oDone').pk}/change/"
    )
    assert done.status_code == 200 and str(shopper) in done.content.decode()
    assert "/admin/accounts/user/" not in done.content.decode()  # a merchant cannot open user pages
    client.post(f"/admin/promotions/followergrant/{grant.pk}/change/", {"status": "closed"})
    grant.refresh_from_db()
    assert grant.status == FollowerGrant.Status.PENDING  # read-only

    client.force_login(merchant_b)
    assert not client.get("/admin/promotions/followergrant/").context["cl"].result_list
    assert client.get(f"/admin/promotions/followergrant/{grant.pk}/change/").status_code in (302, 404)
