"""My orders at 390 px in WeChat: thumbnails, a confirm step for 确认收货 that works without
JavaScript, after-sale radios next to their labels (issue 9)."""

import pytest

from catalog.services import product_sync_summary
from orders import services
from orders.models import OrderStatus
from tests.e2e.conftest import WECHAT_UA, screenshot
from tests.factories import AddressFactory, ShopperFactory, add_image, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _phone(browser, client, live_server, user, *, javascript=True):
    client.force_login(user)
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        user_agent=WECHAT_UA,
        locale="zh-CN",
        java_script_enabled=javascript,
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


@pytest.fixture
def shipped(shop_a):
    product = make_product(shop=shop_a, title="纯棉T恤", price_fen=5900, stock=5)
    add_image(product)
    product_sync_summary(product=product)  # the image becomes the cover the order line copies
    shopper = ShopperFactory(username="wx-buyer")
    order = services.order_place(
        shop=shop_a,
        user=shopper,
        items=[(product.skus.get().pk, 1)],
        address_id=AddressFactory(user=shopper).pk,
    )
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    services.order_ship(
        shop=shop_a, order_no=order.order_no, carrier="sf", tracking_no="SF1000001", actor=None
    )
    return order


def test_order_cards_and_confirm_receipt_without_javascript(browser, client, live_server, shop_a, shipped):
    context = _phone(browser, client, live_server, shipped.user, javascript=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{shop_a.slug}/orders/")
    thumb = page.locator(".order img.thumb").first
    assert thumb.is_visible() and thumb.evaluate("img => img.naturalWidth") > 0
    screenshot(page, "order-list")
    page.locator(".order").first.click()
    confirm = page.get_by_role("button", name="确认收货", exact=True)
    assert not confirm.is_visible()  # one tap does not complete the order
    page.locator("details.confirm summary").click()
    assert page.get_by_text("确认已收到全部商品？").is_visible()
    screenshot(page, "order-confirm-receipt")
    confirm.click()
    page.wait_for_load_state()
    shipped.refresh_from_db()
    assert shipped.status == OrderStatus.COMPLETED
    context.close()


def test_after_sale_radios_sit_next_to_their_labels(browser, client, live_server, shop_a, shipped):
    context = _phone(browser, client, live_server, shipped.user)
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{shop_a.slug}/orders/{shipped.order_no}/after-sale/")
    for label in ("仅退款", "退货退款"):
        box = page.locator(".choices label", has_text=label)
        radio, whole = box.locator("input").bounding_box(), box.bounding_box()
        assert (
            whole["width"] < 200
            and abs((radio["y"] + radio["height"] / 2) - (whole["y"] + whole["height"] / 2)) < 4
        )
    page.locator(".choices label", has_text="退货退款").click()
    assert page.locator('input[value="return_refund"]').is_checked()
    screenshot(page, "after-sale-form")
    context.close()
