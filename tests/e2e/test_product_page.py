"""A shopper in WeChat picks a colour and a size and sees that SKU's price and stock."""

import pytest

from catalog import services
from catalog.models import SKU
from tests.e2e.conftest import screenshot
from tests.factories import add_image, product_with_matrix

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_picking_colour_and_size_shows_that_skus_price_and_stock(live_server, phone, shop_a):
    product = product_with_matrix(
        shop=shop_a, colors=("红", "蓝"), sizes=("S", "M", "L"), price_fen=5900, stock=5
    )
    add_image(product)
    red_l = SKU.objects.get(product=product, spec_text="颜色:红 尺码:L")
    blue_m = SKU.objects.get(product=product, spec_text="颜色:蓝 尺码:M")
    blue_s = SKU.objects.get(product=product, spec_text="颜色:蓝 尺码:S")
    services.sku_update(sku=red_l, price_fen=7900, stock=2)
    services.sku_update(sku=blue_m, price_fen=6500, stock=8)
    services.sku_update(sku=blue_s, stock=0)  # sold out

    phone.goto(f"{live_server.url}/s/{shop_a.slug}/p/{product.pk}/")
    price, stock = phone.locator("#sku-price"), phone.locator("#sku-stock")
    assert price.inner_text() == "¥59–¥79"

    phone.get_by_text("红", exact=True).click()
    phone.get_by_text("L", exact=True).click()
    assert price.inner_text() == "¥79"
    assert stock.inner_text() == "库存 2 件"

    phone.get_by_text("蓝", exact=True).click()
    phone.get_by_text("M", exact=True).click()
    assert price.inner_text() == "¥65"
    assert stock.inner_text() == "库存 8 件"

    # 蓝 + S is sold out: its button is disabled while 蓝 is chosen
    assert phone.locator("label", has_text="S").locator("input").is_disabled()
    assert not phone.locator("label", has_text="L").locator("input").is_disabled()
    screenshot(phone, "product-page")


def test_page_lists_skus_without_javascript(browser, live_server, shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红",), sizes=("S", "M"), price_fen=5900)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{shop_a.slug}/p/{product.pk}/")
    table = page.locator("#sku-table")
    assert table.is_visible()
    assert "颜色:红 尺码:M" in table.inner_text() and "¥59" in table.inner_text()
    context.close()


def test_tapping_buy_without_a_spec_or_over_stock_says_why_above_the_buy_bar(live_server, phone, shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红", "蓝"), sizes=("S", "M"), price_fen=5900, stock=3)
    phone.goto(f"{live_server.url}/s/{shop_a.slug}/p/{product.pk}/")
    hint = phone.locator("#buy-hint")
    phone.get_by_role("button", name="立即购买").click()
    assert hint.is_visible() and hint.inner_text() == "请先选择 颜色 / 尺码"
    bar, box = phone.locator("#buy-form").bounding_box(), hint.bounding_box()
    assert box["y"] + box["height"] <= bar["y"], "the hint sits above the fixed buy bar, not under it"
    assert phone.locator("fieldset.need").count() == 2
    phone.get_by_text("红", exact=True).click()
    phone.get_by_role("button", name="加入购物车").click()
    assert hint.inner_text() == "请先选择 尺码" and phone.locator("fieldset.need").count() == 1
    screenshot(phone, "product-choose-spec-hint")

    phone.get_by_text("M", exact=True).click()
    phone.locator("input.qtyin").fill("9")
    phone.get_by_role("button", name="加入购物车").click()
    assert hint.inner_text() == "库存只剩 3 件"
    assert "/p/" in phone.url  # nothing was submitted

    # The server refuses too (e.g. stock sold meanwhile): back on the page with the choice kept.
    red_m = SKU.objects.get(product=product, spec_text="颜色:红 尺码:M")
    phone.locator("input.qtyin").fill("3")
    services.sku_update(sku=red_m, stock=1)
    phone.get_by_role("button", name="加入购物车").click()
    phone.wait_for_url("**/p/*/?sku=*")
    assert "库存只剩 1 件" in phone.locator(".msgs").inner_text()
    assert phone.locator('input[type="radio"]:checked').count() == 2
    assert phone.locator("#sku-price").inner_text() == "¥59" and phone.locator(
        "#buy-sku"
    ).input_value() == str(red_m.pk)
    screenshot(phone, "product-over-stock-kept")
