"""Pages work under the Content-Security-Policy in a real browser: nothing is refused (no
``securitypolicyviolation`` event, no "Refused to …" console message) and their scripts still run:
the share card (simulated JS-SDK), the login countdown, the QR page's polling, admin's inline
formsets, Swagger UI and ReDoc."""

import pytest

from devtools.wechatpay_sim import keys as simulator
from payments.models import WeChatPayConfig
from payments.wechat import crypto
from tests.factories import AddressFactory, ShopperFactory, add_image, make_product, product_with_matrix
from wechat.models import WeChatAccount

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
WATCH = """document.addEventListener("securitypolicyviolation", function (e) {
  (window.top.__csp = window.top.__csp || []).push(e.violatedDirective + " " + e.blockedURI);
});"""


def watched(page) -> list[str]:
    """Collect CSP refusals on ``page`` (console and events) into the returned list."""
    refused: list[str] = []
    page.add_init_script(WATCH)
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    return refused


def violations(page, refused: list[str]) -> list[str]:
    return refused + (page.evaluate("() => window.__csp || []") or [])


def test_wechat_product_page_share_card(phone, live_server, shop_a, settings):
    settings.WECHAT_SIMULATOR = True
    settings.WECHAT_SIMULATOR_URL = f"{live_server.url}/wechat-sim"
    WeChatAccount.objects.create(
        shop=shop_a, mode="simulator", name="甲店", appid="wx1111111111111111", secret="s", token="t"
    )
    product = product_with_matrix(shop=shop_a, colors=("红", "蓝"), sizes=("M",))
    add_image(product)
    refused = watched(phone)
    phone.goto(f"{live_server.url}/s/{shop_a.slug}/p/{product.pk}/")
    phone.wait_for_function("() => window.__wxShare && window.__wxShare.appMessage", timeout=10000)
    phone.get_by_text("蓝", exact=True).click()
    phone.get_by_text("M", exact=True).click()
    assert phone.locator("#sku-price").inner_text() == "¥59"  # sku.js ran
    assert violations(phone, refused) == []


def test_login_countdown(browser, live_server, shop_a, outbox):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    refused = watched(page)
    page.goto(f"{live_server.url}/accounts/login/?next=/s/{shop_a.slug}/")
    page.get_by_label("手机号").fill("13812345678")
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_load_state()
    button = page.locator("#send-code")
    assert button.is_disabled() and "秒后可重新获取" in button.inner_text()
    assert violations(page, refused) == []
    context.close()


def test_qr_pay_page_polls(browser, client, live_server, shop_a, settings):
    settings.WECHATPAY_SIMULATOR = True
    settings.WECHATPAY_SIMULATOR_URL = f"{live_server.url}/wechatpay-sim"
    WeChatPayConfig.objects.filter(shop=shop_a).delete()  # the factory's simulator account
    WeChatPayConfig.objects.create(
        shop=shop_a, mode="simulator", mchid="1900000109", appid="wx8888888888888888", merchant_serial_no="SERIAL1",
        merchant_private_key=crypto.private_pem(crypto.new_private_key()), apiv3_key=crypto.new_apiv3_key(),
        **simulator.platform_settings(),
    )  # fmt: skip
    from orders import services

    shopper = ShopperFactory(username="qr-payer")
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    order = services.order_place(
        shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=AddressFactory(user=shopper).pk
    )
    client.force_login(shopper)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, user_agent=DESKTOP, locale="zh-CN")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    refused = watched(page)
    with page.expect_request("**/pay/status/", timeout=10000):
        page.goto(f"{live_server.url}/s/{shop_a.slug}/orders/{order.order_no}/pay/")
    assert page.locator(".qr svg").count() == 1
    assert violations(page, refused) == []
    context.close()


def test_admin_inlines_work(browser, live_server, shop_a, merchant_a):
    product = make_product(shop=shop_a)
    add_image(product)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    refused = watched(page)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "merchant_a")
    page.fill("#id_password", "pass12345")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/catalog/product/{product.pk}/change/")
    rows = page.locator("#images-group tbody tr.form-row:not(.empty-form)")
    before = rows.count()
    page.locator("#images-group .add-row a").click()  # admin's inlines.js
    assert rows.count() == before + 1
    assert page.locator(".weishop-thumb").count() >= 1  # admin.css styles the preview
    page.locator("input[name=_continue]").click()
    page.wait_for_load_state()
    assert "成功" in page.inner_text(".messagelist")
    assert violations(page, refused) == []
    context.close()


@pytest.mark.parametrize(("url", "selector"), [("/api/docs/", ".swagger-ui .info"), ("/api/redoc/", "h1")])
def test_api_docs_render(browser, live_server, db, url, selector):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    refused = watched(page)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}{url}")
    page.wait_for_selector(f"{selector} >> text=WeiShop API", timeout=15000)
    # ReDoc's "powered by" logo is fetched from cdn.redoc.ly: refusing it is the policy working (the
    # docs stay offline); removing the request itself is the separate "ReDoc loads a logo" item.
    assert [v for v in violations(page, refused) if "cdn.redoc.ly" not in v] == []
    assert errors == []
    context.close()
