"""The shopper's coupon pages (H5, no JavaScript): the claimable section on the home and product
pages (the same for everyone, so the cached pages stay right), one-tap claim, 我的优惠券, the
checkout's pre-selected coupon with change and remove, and the red-packet page."""

from __future__ import annotations

import re

import pytest

from orders.models import Order
from promotions import services
from promotions.models import CouponClaim
from tests.factories import AddressFactory, ShopperFactory, make_coupon, make_product, make_red_packet_pool

pytestmark = pytest.mark.django_db
WECHAT = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50"


@pytest.fixture
def shopper(db):
    return ShopperFactory(username="buyer")


def test_the_home_page_lists_claimable_coupons_without_per_user_state(client, shop_a, shopper):
    coupon = make_coupon(shop=shop_a, name="满100减20")
    anonymous = client.get("/s/shop-a/").content.decode()
    assert "满100减20" in anonymous and f"/s/shop-a/coupons/{coupon.pk}/claim/?next=" in anonymous
    assert 'method="post" action="/s/shop-a/coupons/' not in anonymous  # a cached page posts no form
    client.force_login(shopper)
    page = client.get("/s/shop-a/").content.decode()
    assert f'action="/s/shop-a/coupons/{coupon.pk}/claim/"' in page
    response = client.post(f"/s/shop-a/coupons/{coupon.pk}/claim/", {"next": "/s/shop-a/"})
    assert response.status_code == 302 and response["Location"] == "/s/shop-a/"
    assert CouponClaim.objects.filter(user=shopper, coupon=coupon).exists()
    again = client.post(f"/s/shop-a/coupons/{coupon.pk}/claim/", {"next": "/s/shop-a/"}, follow=True)
    assert "每人限领" in again.content.decode()


def test_an_anonymous_tap_logs_in_first_then_claims_in_one_more_tap(client, shop_a, shopper):
    coupon = make_coupon(shop=shop_a)
    url = f"/s/shop-a/coupons/{coupon.pk}/claim/?next=/s/shop-a/"
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(shopper)
    page = client.get(url).content.decode()
    assert "立即领取" in page
    client.post(url, {"next": "/s/shop-a/"})
    assert CouponClaim.objects.filter(user=shopper).count() == 1


def test_the_product_page_shows_what_one_would_save(client, shop_a):
    product = make_product(shop=shop_a, price_fen=12000)
    make_coupon(shop=shop_a, name="满100减20")
    page = client.get(f"/s/shop-a/p/{product.pk}/").content.decode()
    assert "满100减20" in page and "买 1 件省 ¥20" in page


def test_my_coupons_tabs(client, shop_a, shopper):
    usable = services.coupon_claim(shop=shop_a, user=shopper, coupon=make_coupon(shop=shop_a, name="能用的"))
    gone = services.coupon_claim(shop=shop_a, user=shopper, coupon=make_coupon(shop=shop_a, name="过期的"))
    from datetime import timedelta

    from django.utils import timezone

    CouponClaim.objects.filter(pk=gone.pk).update(valid_until=timezone.now() - timedelta(days=1))
    client.force_login(shopper)
    assert "我的优惠券" in client.get("/s/shop-a/me/").content.decode()
    page = client.get("/s/shop-a/coupons/").content.decode()
    assert "能用的" in page and "过期的" not in page
    assert "过期的" in client.get("/s/shop-a/coupons/?tab=expired").content.decode()
    assert "还没有用过优惠券" in client.get("/s/shop-a/coupons/?tab=used").content.decode()
    assert usable.pk


def test_checkout_preselects_the_best_coupon_and_can_change_or_remove_it(client, shop_a, shopper):
    sku = make_product(shop=shop_a, price_fen=15000, stock=5).skus.get()
    address = AddressFactory(user=shopper)
    small = services.coupon_claim(
        shop=shop_a, user=shopper, coupon=make_coupon(shop=shop_a, name="减10", amount_fen=1000)
    )
    services.coupon_claim(shop=shop_a, user=shopper, coupon=make_coupon(shop=shop_a, name="减20"))
    client.force_login(shopper)
    page = client.get(f"/s/shop-a/checkout/?sku={sku.pk}&qty=1").content.decode()
    assert "优惠券 · 减20" in page and "-¥20" in page and "coupons/choose/" in page
    removed = client.get(f"/s/shop-a/checkout/?sku={sku.pk}&qty=1&coupon=none").content.decode()
    assert "不使用优惠券" in removed and 'name="coupon" value="none"' in removed
    choose = client.get(f"/s/shop-a/coupons/choose/?sku={sku.pk}&qty=1").content.decode()
    assert "减10" in choose and "用这张 省 ¥10" in choose
    assert re.search(rf"checkout/\?sku={sku.pk}&amp;qty=1&amp;coupon={small.pk}", choose)
    client.post(
        "/s/shop-a/checkout/",
        {"sku": sku.pk, "qty": 1, "address_id": address.pk, "token": "t1", "coupon": small.pk},
    )
    order = Order.objects.get()
    assert order.discount_fen == 1000
    small.refresh_from_db()
    assert small.status == "used"


def test_a_coupon_that_no_longer_applies_is_said_and_dropped(client, shop_a, shopper):
    sku = make_product(shop=shop_a, price_fen=5000, stock=5).skus.get()
    claim = services.coupon_claim(shop=shop_a, user=shopper, coupon=make_coupon(shop=shop_a))
    client.force_login(shopper)
    page = client.get(f"/s/shop-a/checkout/?sku={sku.pk}&qty=1&coupon={claim.pk}", follow=True)
    body = page.content.decode()
    assert page.status_code == 200 and "还差" in body and "确认订单" in body


def test_the_red_packet_page_opens_inside_wechat(client, shop_a, shopper):
    pool = make_red_packet_pool(shop=shop_a)
    url = f"/s/shop-a/red-packet/{services.red_packet_share_token(pool)}/"
    client.force_login(shopper)
    outside = client.get(url).content.decode()
    assert "请在微信中打开" in outside
    page = client.get(url, HTTP_USER_AGENT=WECHAT).content.decode()
    assert "拆红包" in page
    response = client.post(url, HTTP_USER_AGENT=WECHAT)
    assert response.status_code == 302
    claim = CouponClaim.objects.get(user=shopper)
    opened = client.get(url, HTTP_USER_AGENT=WECHAT).content.decode()
    assert "已放入我的优惠券" in opened and f"¥{claim.amount_fen // 100}" in opened
    assert client.get("/s/shop-a/red-packet/forged/").status_code == 404
