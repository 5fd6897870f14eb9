"""Words of the H5 checkout, after-sale and pay pages that a shopper reads."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from orders import services
from promotions import services as promotion_services
from tests.factories import AddressFactory, ShopperFactory, make_coupon, make_product


@pytest.fixture
def shopper(client):
    user = ShopperFactory(username="buyer")
    AddressFactory(user=user)
    client.force_login(user)
    return user


def test_checkout_without_a_usable_coupon_says_so_and_offers_no_choice(client, shop_a, shopper):
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    page = client.get(f"/s/shop-a/checkout/?sku={sku.pk}&qty=1").content.decode()
    assert "暂无可用优惠券" in page
    assert "-¥0" not in page and "coupons/choose/" not in page


def test_checkout_with_a_usable_coupon_keeps_the_choice(client, shop_a, shopper):
    sku = make_product(shop=shop_a, price_fen=15000, stock=5).skus.get()
    promotion_services.coupon_claim(shop=shop_a, user=shopper, coupon=make_coupon(shop=shop_a, name="减20"))
    page = client.get(f"/s/shop-a/checkout/?sku={sku.pk}&qty=1").content.decode()
    assert "coupons/choose/" in page and "暂无可用优惠券" not in page
    declined = client.get(f"/s/shop-a/checkout/?sku={sku.pk}&qty=1&coupon=none").content.decode()
    assert "不使用优惠券" in declined and "coupons/choose/" in declined and "-¥0" not in declined


def test_an_after_sale_without_a_reason_asks_for_one(client, shop_a, shopper):
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    order = services.order_place(
        shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=shopper.addresses.get().pk
    )
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    response = client.post(
        f"/s/shop-a/orders/{order.order_no}/after-sale/", {"kind": "refund_only", "reason": ""}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "请填写售后原因。" in page and "该字段是必填项" not in page


def test_the_pay_button_keeps_its_distance_from_the_order_number():
    css = (Path(settings.BASE_DIR) / "static" / "h5" / "app.css").read_text()
    assert re.search(r"\.status #pay-now\{[^}]*margin-top:\s*1[0-9]px", css)
