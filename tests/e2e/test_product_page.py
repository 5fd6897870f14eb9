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
