"""A shopper in WeChat claims a coupon from the shop home in one tap, sees it in 我的优惠券, gets it
pre-selected at checkout, changes it in the picker, and opens a red packet from its share link."""

import pytest

from orders.models import Order
from promotions import services
from tests.e2e.conftest import screenshot
from tests.e2e.test_buying import logged_in_phone
from tests.factories import AddressFactory, ShopperFactory, make_coupon, make_product, make_red_packet_pool

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_claim_checkout_and_red_packet(browser, client, live_server, shop_a):
    sku = make_product(shop=shop_a, title="重磅T恤", price_fen=12000, stock=5).skus.get()
    make_coupon(shop=shop_a, name="满100减20")
    make_coupon(shop=shop_a, name="无门槛5元", amount_fen=500, threshold_fen=0)
    pool = make_red_packet_pool(shop=shop_a)
    shopper = ShopperFactory(username="wx-coupon")
    AddressFactory(user=shopper, recipient="张三")
    page = logged_in_phone(browser, client, live_server, shopper).new_page()
    base = f"{live_server.url}/s/{shop_a.slug}/"

    page.goto(base)
    screenshot(page, "coupons-home")
    for n in range(2):
        page.locator(".coupons form button").nth(n).click()
        page.wait_for_url(base)
    page.goto(base + "coupons/")
    assert "满100减20" in page.inner_text("body") and "无门槛5元" in page.inner_text("body")
    screenshot(page, "coupons-mine")

    page.goto(f"{base}checkout/?sku={sku.pk}&qty=1")
    assert "优惠券 · 满100减20" in page.inner_text("body")
    screenshot(page, "coupons-checkout")
    page.get_by_role("link", name="更换").click()
    page.wait_for_url("**/coupons/choose/**")
    screenshot(page, "coupons-choose")
    page.get_by_role("link", name="用这张 省 ¥5").click()
    page.wait_for_url("**/checkout/**")
    assert "优惠券 · 无门槛5元" in page.inner_text("body")
    page.get_by_role("button", name="提交订单").click()
    page.wait_for_url("**/orders/*/")
    assert Order.objects.get().discount_fen == 500

    page.goto(f"{base}red-packet/{services.red_packet_share_token(pool)}/")
    page.get_by_role("button", name="拆红包").click()
    page.wait_for_selector(".redpacket .amount")
    assert "已放入我的优惠券" in page.inner_text("body")
    screenshot(page, "coupons-red-packet")
