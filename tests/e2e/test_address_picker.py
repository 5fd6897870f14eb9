"""A shopper in WeChat (390×844) adds an address with the province → city → district picker, and
the remote-province fee follows the code they picked."""

import pytest

from accounts.models import Address
from orders.models import ShippingRegionFee
from tests.e2e.conftest import screenshot
from tests.e2e.test_buying import logged_in_phone
from tests.factories import ShopperFactory, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pick_a_region_and_pay_the_remote_fee(browser, client, live_server, shop_a):
    shop_a.shipping_fee_fen = 800
    shop_a.save()
    ShippingRegionFee.objects.create(shop=shop_a, province_code="650000", fee_fen=2500)
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    shopper = ShopperFactory(username="wx-picker")
    context = logged_in_phone(browser, client, live_server, shopper)
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{shop_a.slug}/addresses/?next=/s/{shop_a.slug}/checkout/?sku={sku.pk}")

    page.get_by_label("收货人").fill("阿依古丽")
    page.get_by_label("手机号").fill("13900001111")
    page.select_option('select[name="province_code"]', "650000")
    page.wait_for_selector('select[name="city_code"] option[value="650100"]', state="attached")
    page.select_option('select[name="city_code"]', "650100")
    page.wait_for_selector('select[name="district_code"] option[value="650102"]', state="attached")
    page.select_option('select[name="district_code"]', "650102")
    page.get_by_label("详细地址").fill("人民路 1 号")
    # the three selects share one row at 390 px, each wide enough to read
    boxes = [
        page.locator(f'select[name="{n}"]').bounding_box()
        for n in ("province_code", "city_code", "district_code")
    ]
    assert len({round(b["y"]) for b in boxes}) == 1 and all(b["width"] >= 96 for b in boxes)
    assert boxes[-1]["x"] + boxes[-1]["width"] <= 390
    # the 默认地址 checkbox sits beside its label, on one line
    check = page.locator('input[name="is_default"]').bounding_box()
    label = page.get_by_text("设为默认地址", exact=True).bounding_box()
    assert abs((check["y"] + check["height"] / 2) - (label["y"] + label["height"] / 2)) < 6
    assert 0 <= label["x"] - (check["x"] + check["width"]) < 24
    screenshot(page, "address-picker")

    # a city without districts hides the district select
    page.select_option('select[name="province_code"]', "440000")
    page.wait_for_selector('select[name="city_code"] option[value="441900"]', state="attached")
    page.select_option('select[name="city_code"]', "441900")
    page.wait_for_function(
        "() => document.querySelector('select[name=district_code]').closest('label').hidden"
    )
    screenshot(page, "address-picker-dongguan")
    page.select_option('select[name="province_code"]', "650000")
    page.wait_for_selector('select[name="city_code"] option[value="650100"]', state="attached")
    page.select_option('select[name="city_code"]', "650100")
    page.wait_for_selector('select[name="district_code"] option[value="650102"]', state="attached")
    page.select_option('select[name="district_code"]', "650102")

    page.get_by_role("button", name="保存地址").click()
    page.wait_for_url("**/checkout/**")
    address = Address.objects.get(user=shopper)
    assert (address.province, address.city, address.district) == ("新疆维吾尔自治区", "乌鲁木齐市", "天山区")
    body = page.inner_text("body")
    assert "新疆维吾尔自治区" in body and "¥25" in body
    screenshot(page, "checkout-remote-fee")
    context.close()


def test_a_municipality_fills_its_one_city_by_itself(browser, client, live_server, shop_a):
    shopper = ShopperFactory(username="wx-beijing")
    context = logged_in_phone(browser, client, live_server, shopper)
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{shop_a.slug}/addresses/")
    page.select_option('select[name="province_code"]', "110000")
    page.wait_for_selector('select[name="district_code"] option[value="110105"]', state="attached")
    assert page.locator('select[name="city_code"]').input_value() == "110100"
    page.select_option('select[name="district_code"]', "110105")
    page.get_by_label("收货人").fill("李四")
    page.get_by_label("手机号").fill("13900002222")
    page.get_by_label("详细地址").fill("建国路 1 号")
    page.get_by_role("button", name="保存地址").click()
    page.wait_for_load_state()
    assert "北京市朝阳区建国路 1 号" in page.inner_text("body")
    assert Address.objects.get(user=shopper).district_code == "110105"
    screenshot(page, "address-book-beijing")
    context.close()
