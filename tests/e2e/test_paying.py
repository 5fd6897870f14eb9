"""The demo shopper buys a SKU, pays on the simulator's sheet, and sees the order as paid."""

import pytest

from devtools.wechatpay_sim import keys as simulator
from orders.models import Order, OrderStatus
from payments.models import WeChatPayConfig
from payments.wechat import crypto
from tests.e2e.test_buying import logged_in_phone
from tests.factories import AddressFactory, ShopperFactory, add_image, product_with_matrix

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_buy_and_pay_with_the_simulator(browser, client, live_server, shop_a, settings):
    settings.WECHATPAY_SIMULATOR = True
    settings.WECHATPAY_SIMULATOR_URL = f"{live_server.url}/wechatpay-sim"
    WeChatPayConfig.objects.filter(shop=shop_a).delete()  # replaces the factory's stand-in account
    WeChatPayConfig.objects.create(
        shop=shop_a, mode="simulator", mchid="1900000109", appid="wx8888888888888888", merchant_serial_no="SERIAL1",
        merchant_private_key=crypto.private_pem(crypto.new_private_key()), apiv3_key=crypto.new_apiv3_key(),
        **simulator.platform_settings(),
    )  # fmt: skip
    product = product_with_matrix(shop=shop_a, colors=("红",), sizes=("M",), price_fen=5900, stock=5)
    add_image(product)
    shopper = ShopperFactory(username="payer")
    AddressFactory(user=shopper)
    context = logged_in_phone(browser, client, live_server, shopper)
    page = context.new_page()

    page.goto(f"{live_server.url}/s/{shop_a.slug}/p/{product.pk}/")
    page.get_by_text("红", exact=True).click()
    page.get_by_text("M", exact=True).click()
    page.get_by_role("button", name="立即购买").click()
    page.get_by_role("button", name="提交订单").click()
    page.wait_for_url("**/orders/*/")
    page.click("#go-pay")
    page.click("#pay-now")
    page.wait_for_url("**/wechatpay-sim/pay/**")
    page.click("#sim-pay")
    assert page.inner_text("#sim-result") == "支付成功"
    page.get_by_role("link", name="返回商户").click()
    page.wait_for_url("**/orders/*/")
    assert "待发货" in page.inner_text(".status h1")
    assert Order.objects.get().status == OrderStatus.PAID
    from tests.e2e.conftest import screenshot

    screenshot(page, "paid-order")
    context.close()
