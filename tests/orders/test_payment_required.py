"""A shop takes no orders (and reserves no stock) before WeChat Pay is set up (issue 9)."""

import re

import pytest
from rest_framework.test import APIClient

from catalog.models import SKU, Product
from core.errors import ApplicationError
from orders import services
from orders.models import Order
from payments.models import WeChatPayConfig
from tests.factories import AddressFactory, MerchantFactory, ShopFactory, ShopperFactory, make_product


@pytest.fixture
def new_shop(db):
    return ShopFactory(slug="new-shop", name="新店", wechatpay=False)


@pytest.fixture
def sku(new_shop):
    return make_product(shop=new_shop, title="新品", price_fen=5900, stock=5).skus.get()


@pytest.fixture
def shopper(db):
    return ShopperFactory(username="buyer")


def _stock(sku) -> tuple[int, int]:
    return SKU.objects.get(pk=sku.pk).stock, Product.objects.get(pk=sku.product_id).stock_total


def test_order_place_refuses_before_reserving_anything(new_shop, sku, shopper):
    before = _stock(sku)
    with pytest.raises(ApplicationError) as caught:
        services.order_place(
            shop=new_shop, user=shopper, items=[(sku.pk, 2)], address_id=AddressFactory(user=shopper).pk
        )
    assert caught.value.code == "payment_not_configured" and caught.value.http_status == 409
    assert "微信支付" in caught.value.message
    assert _stock(sku) == before and not Order.objects.exists()


def test_a_simulator_mode_account_counts_as_configured(new_shop, sku, shopper):
    from tests.factories import simulator_pay_config

    config = simulator_pay_config(new_shop)
    assert config.mode == WeChatPayConfig.Mode.SIMULATOR
    order = services.order_place(
        shop=new_shop, user=shopper, items=[(sku.pk, 2)], address_id=AddressFactory(user=shopper).pk
    )
    assert order.status == "pending_payment" and _stock(sku)[0] == 3


def test_api_checkout_answers_payment_not_configured(new_shop, sku, shopper):
    api = APIClient()
    api.force_authenticate(shopper)
    address = AddressFactory(user=shopper)
    before = _stock(sku)
    response = api.post(
        "/api/v1/shops/new-shop/orders/",
        {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address.pk},
        format="json",
        headers={"Idempotency-Key": "k1"},
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "payment_not_configured"
    assert _stock(sku) == before and not Order.objects.exists()


def test_h5_checkout_says_so_in_chinese_and_places_nothing(client, new_shop, sku, shopper):
    address = AddressFactory(user=shopper)
    client.force_login(shopper)
    page = client.get(f"/s/new-shop/checkout/?sku={sku.pk}&qty=1").content.decode()
    assert "暂未开通微信支付" in page
    assert re.search(r'<button class="btn" type="submit" disabled>', page)
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    before = _stock(sku)
    response = client.post(
        "/s/new-shop/checkout/", {"token": token, "sku": sku.pk, "qty": 1, "address_id": address.pk}
    )
    assert response.status_code == 200 and "暂未开通微信支付" in response.content.decode()
    assert _stock(sku) == before and not Order.objects.exists()


def test_first_steps_checklist_includes_setting_up_payment(client, new_shop):
    client.force_login(MerchantFactory(shop=new_shop, username="owner"))
    page = client.get("/admin/").content.decode()
    step = re.search(r"<tr>(?:(?!</tr>).)*开通微信支付(?:(?!</tr>).)*</tr>", page, re.S)
    assert step and "待完成" in step.group(0) and "/admin/payments/wechatpayconfig/add/" in step.group(0)
    from tests.factories import simulator_pay_config

    simulator_pay_config(new_shop)
    page = client.get("/admin/").content.decode()
    step = re.search(r"<tr>(?:(?!</tr>).)*开通微信支付(?:(?!</tr>).)*</tr>", page, re.S)
    assert step and "已完成" in step.group(0)
