"""A shopper in WeChat picks a SKU, buys it now, submits the order and sees it waiting for payment."""

import pytest

from orders.models import Order
from tests.e2e.conftest import WECHAT_UA, screenshot
from tests.factories import AddressFactory, ShopperFactory, add_image, product_with_matrix

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logged_in_phone(browser, client, live_server, user):
    client.force_login(user)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, user_agent=WECHAT_UA, locale="zh-CN"
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


def test_buy_now_to_order_page(browser, client, live_server, shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红", "蓝"), sizes=("S", "M"), price_fen=5900, stock=5)
    add_image(product)
    shopper = ShopperFactory(username="wx-buyer")
    AddressFactory(user=shopper, recipient="张三")
    context = logged_in_phone(browser, client, live_server, shopper)
    page = context.new_page()

    page.goto(f"{live_server.url}/s/{shop_a.slug}/p/{product.pk}/")
    page.get_by_text("蓝", exact=True).click()
    page.get_by_text("M", exact=True).click()
    page.get_by_role("button", name="立即购买").click()
    page.wait_for_url("**/checkout/**")
    assert "张三" in page.inner_text("body") and "颜色:蓝 尺码:M" in page.inner_text("body")
    screenshot(page, "checkout")

    page.get_by_role("button", name="提交订单").click()
    page.wait_for_url("**/orders/*/")
    order = Order.objects.get()
    assert order.lines.get().spec_text == "颜色:蓝 尺码:M"
    assert "待付款" in page.inner_text("body") and order.order_no in page.inner_text("body")
    screenshot(page, "order-page")
    context.close()
