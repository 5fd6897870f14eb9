"""API ids and quantities are JSON integers and nothing else: "５", "٣", "1_0", " 2 ", 1.0, true, "2"
are 400 ``invalid`` with the field named, never read as a number. The schema still says integer."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from orders import services
from orders.models import AfterSale, CartItem, Order
from tests.factories import make_product

API = "/api/v1/shops/shop-a"
SPELLINGS = ["５", "٣", "1_0", " 2 ", 1.0, 2.5, True, False, "2", "", None, [1], {"n": 1}, "0x10", "1e1"]


@pytest.fixture
def api(shopper):
    client = APIClient()
    client.force_authenticate(shopper)
    return client


@pytest.fixture
def sku(shop_a):
    return make_product(shop=shop_a, price_fen=1000, stock=50).skus.get()


def assert_invalid(response, *path):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid", body
    assert set(body) == {"code", "message", "fields"}
    fields = body["fields"]
    assert path[0] in fields, body


@pytest.mark.parametrize("value", SPELLINGS)
def test_cart_add_takes_integers_only(api, sku, value):
    assert_invalid(
        api.post(f"{API}/cart/items/", {"sku_id": sku.pk, "quantity": value}, format="json"), "quantity"
    )
    assert_invalid(api.post(f"{API}/cart/items/", {"sku_id": value, "quantity": 1}, format="json"), "sku_id")
    assert not CartItem.objects.exists()


@pytest.mark.parametrize("value", SPELLINGS)
def test_cart_update_takes_integers_only(api, sku, value):
    item = api.post(f"{API}/cart/items/", {"sku_id": sku.pk, "quantity": 1}, format="json").json()["items"][0]
    assert_invalid(
        api.patch(f"{API}/cart/items/{item['id']}/", {"quantity": value}, format="json"), "quantity"
    )
    assert CartItem.objects.get().quantity == 1


@pytest.mark.parametrize("value", SPELLINGS)
def test_checkout_and_order_take_integers_only(api, sku, address, value):
    for url in (f"{API}/checkout/preview/", f"{API}/orders/"):
        for item in ({"sku_id": sku.pk, "quantity": value}, {"sku_id": value, "quantity": 1}):
            assert_invalid(api.post(url, {"items": [item], "address_id": address.pk}, format="json"), "items")
        body = {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": value}
        if value is None:
            continue  # address_id: null is "not given" for the preview; the order then needs one
        assert_invalid(api.post(url, body, format="json"), "address_id")
    assert not Order.objects.exists()


@pytest.mark.parametrize("value", SPELLINGS)
def test_after_sale_amount_takes_integers_only(api, sku, address, shopper, value):
    order = services.order_place(shop=sku.shop, user=shopper, items=[(sku.pk, 1)], address_id=address.pk)
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    body = {"kind": "refund_only", "reason": "不想要了", "amount_fen": value}
    assert_invalid(api.post(f"{API}/orders/{order.order_no}/after-sales/", body, format="json"), "amount_fen")
    assert not AfterSale.objects.exists()


def test_real_integers_still_work(api, sku, address):
    body = api.post(f"{API}/cart/items/", {"sku_id": sku.pk, "quantity": 2}, format="json").json()
    assert body["items"][0]["quantity"] == 2
    response = api.post(
        f"{API}/orders/",
        {"items": [{"sku_id": sku.pk, "quantity": 3}], "address_id": address.pk},
        format="json",
    )
    assert response.status_code == 201 and response.json()["lines"][0]["quantity"] == 3


def test_repeated_skus_are_merged_before_the_cap(api, sku, address):
    for url in (f"{API}/checkout/preview/", f"{API}/orders/"):
        body = {"items": [{"sku_id": sku.pk, "quantity": 999}] * 2, "address_id": address.pk}
        response = api.post(url, body, format="json")
        assert response.status_code == 400 and response.json()["code"] == "quantity_invalid", response.content
    assert not Order.objects.exists()


def test_too_many_lines_is_a_stable_code(api, sku, address):
    for url in (f"{API}/checkout/preview/", f"{API}/orders/"):
        body = {"items": [{"sku_id": sku.pk, "quantity": 1}] * 2000, "address_id": address.pk}
        response = api.post(url, body, format="json")
        assert response.status_code == 400 and response.json()["code"] == "too_many_lines", response.content
        assert "items" in response.json()["fields"]
    assert not Order.objects.exists()


def test_the_schema_still_says_integer(db):
    schema = Client().get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert schema["ItemInRequest"]["properties"]["sku_id"]["type"] == "integer"
    assert schema["ItemInRequest"]["properties"]["quantity"]["type"] == "integer"
    assert schema["ItemInRequest"]["properties"]["quantity"]["maximum"] == services.MAX_QUANTITY
    assert schema["PatchedQuantityRequest"]["properties"]["quantity"]["type"] == "integer"
    checkout = schema["CheckoutInRequest"]["properties"]
    assert checkout["address_id"]["type"] == "integer"
    assert f"at most {services.MAX_LINES} lines" in checkout["items"]["description"]
    assert schema["AfterSaleInRequest"]["properties"]["amount_fen"]["type"] == "integer"


def test_ids_beyond_any_row_are_not_found(api, sku, address):
    huge = 10**30
    response = api.post(f"{API}/cart/items/", {"sku_id": huge, "quantity": 1}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "sku_not_found"
    response = api.post(
        f"{API}/orders/", {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": huge}, format="json"
    )
    assert response.status_code == 404 and response.json()["code"] == "address_not_found"
    response = api.patch(f"{API}/cart/items/{huge}/", {"quantity": 1}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "cart_item_not_found"
