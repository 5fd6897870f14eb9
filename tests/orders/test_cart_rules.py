"""One rule for the cart: the H5 cart page, the API cart and checkout from the cart agree on which
lines can be bought (on sale, SKU active, enough stock) and on the total. And an order placed from
the cart is found again by its Idempotency-Key (or the H5 token) after the cart has been emptied."""

import re

import pytest
from rest_framework.test import APIClient

from catalog.models import SKU, Product
from orders import services
from orders.models import CartItem, Order
from tests.factories import make_product

API = "/api/v1/shops/shop-a"


@pytest.fixture
def api(shopper):
    client = APIClient()
    client.force_authenticate(shopper)
    return client


@pytest.fixture
def mixed_cart(shop_a, shopper):
    """One good line (2 × ¥10) and three that cannot be bought now."""
    good = make_product(shop=shop_a, title="好的", price_fen=1000, stock=10).skus.get()
    off = make_product(shop=shop_a, title="下架的", price_fen=2000, stock=10).skus.get()
    inactive = make_product(shop=shop_a, title="停售规格", price_fen=3000, stock=10).skus.get()
    short = make_product(shop=shop_a, title="库存不够", price_fen=4000, stock=10).skus.get()
    cart = services.cart_get(shop=shop_a, user=shopper, create=True)
    for sku, quantity in ((good, 2), (off, 1), (inactive, 1), (short, 5)):
        services.cart_add(cart=cart, sku_id=sku.pk, quantity=quantity)
    Product.objects.filter(pk=off.product_id).update(status=Product.Status.OFF_SHELF)
    SKU.objects.filter(pk=inactive.pk).update(is_active=False)
    SKU.objects.filter(pk=short.pk).update(stock=3)
    return {"good": good, "off": off, "inactive": inactive, "short": short}


def h5_cart(client, shopper):
    client.force_login(shopper)
    page = client.get("/s/shop-a/cart/").content.decode()
    total = re.search(r"合计 <b>(.*?)</b>", page).group(1)
    return page, total


def test_h5_and_api_carts_agree(client, api, shopper, mixed_cart):
    body = api.get(f"{API}/cart/").json()
    page, total = h5_cart(client, shopper)
    assert body["goods_fen"] == 2000 and total == "¥20"
    available = {item["sku_id"]: item["available"] for item in body["items"]}
    assert available == {
        mixed_cart["good"].pk: True,
        mixed_cart["off"].pk: False,
        mixed_cart["inactive"].pk: False,
        mixed_cart["short"].pk: False,
    }
    problems = {item["sku_id"]: item["problem"] for item in body["items"]}
    assert problems[mixed_cart["good"].pk] == ""
    assert "下架" in problems[mixed_cart["off"].pk] and "下架" in problems[mixed_cart["inactive"].pk]
    assert "只剩 3 件" in problems[mixed_cart["short"].pk]
    # the H5 page gives the same reasons (an off-shelf product with stock is not "only n left")
    assert page.count('class="err"') == 3
    assert page.count("只剩 3 件") == 1 and "只剩 10 件" not in page


def test_checkout_from_the_cart_buys_what_the_cart_total_shows(client, api, shopper, address, mixed_cart):
    preview = api.post(f"{API}/checkout/preview/", {"address_id": address.pk}, format="json").json()
    assert preview["goods_fen"] == 2000 and preview["problems"] == []
    assert [line["sku_id"] for line in preview["lines"]] == [mixed_cart["good"].pk]
    client.force_login(shopper)
    page = client.get("/s/shop-a/checkout/").content.decode()
    assert "好的" in page and "下架的" not in page and "¥20" in page
    response = api.post(f"{API}/orders/", {"address_id": address.pk}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["goods_fen"] == 2000
    # the lines that could not be bought stay in the cart
    left = set(CartItem.objects.values_list("sku_id", flat=True))
    assert left == {mixed_cart["off"].pk, mixed_cart["inactive"].pk, mixed_cart["short"].pk}


def test_a_cart_with_nothing_to_buy_is_cart_empty(api, shopper, address, mixed_cart):
    CartItem.objects.filter(sku=mixed_cart["good"]).delete()
    response = api.post(f"{API}/orders/", {"address_id": address.pk}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "cart_empty"
    assert not Order.objects.exists()


def test_cart_queries_do_not_grow(api, shop_a, shopper):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cart = services.cart_get(shop=shop_a, user=shopper, create=True)
    counts = []
    for lines in (1, 6):
        while cart.items.count() < lines:
            sku = make_product(shop=shop_a, title=f"P{cart.items.count()}", stock=5).skus.get()
            services.cart_add(cart=cart, sku_id=sku.pk, quantity=1)
        api.get(f"{API}/cart/")
        with CaptureQueriesContext(connection) as ctx:
            api.get(f"{API}/cart/")
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


# ---------------------------------------------------------------- idempotency from the cart


def test_retrying_a_cart_order_with_the_same_key_returns_the_same_order(api, shop_a, address):
    sku = make_product(shop=shop_a, price_fen=1000, stock=5).skus.get()
    api.post(f"{API}/cart/items/", {"sku_id": sku.pk, "quantity": 2}, format="json")
    body = {"address_id": address.pk, "remark": "放门口"}
    first = api.post(f"{API}/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="cart-key")
    assert first.status_code == 201
    assert api.get(f"{API}/cart/").json()["items"] == []
    for _ in range(2):
        again = api.post(f"{API}/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="cart-key")
        assert again.status_code == 200, again.content
        assert again.json()["order_no"] == first.json()["order_no"]
    assert Order.objects.count() == 1 and SKU.objects.get(pk=sku.pk).stock == 3
    # the same key for another request is still a conflict
    other = api.post(
        f"{API}/orders/", {**body, "remark": "别的"}, format="json", HTTP_IDEMPOTENCY_KEY="cart-key"
    )
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"
    items = {"items": [{"sku_id": sku.pk, "quantity": 2}], **body}
    other = api.post(f"{API}/orders/", items, format="json", HTTP_IDEMPOTENCY_KEY="cart-key")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"


def test_a_double_tap_on_the_h5_cart_checkout_gives_the_same_order(client, shop_a, shopper, address):
    sku = make_product(shop=shop_a, price_fen=1000, stock=5).skus.get()
    client.force_login(shopper)
    client.post("/s/shop-a/cart/add/", {"sku_id": sku.pk, "quantity": 2})
    page = client.get("/s/shop-a/checkout/").content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    form = {"token": token, "address_id": address.pk, "remark": ""}
    first = client.post("/s/shop-a/checkout/", form)
    order = Order.objects.get()
    assert first.status_code == 302 and first.url == f"/s/shop-a/orders/{order.order_no}/"
    second = client.post("/s/shop-a/checkout/", form)
    assert second.status_code == 302 and second.url == first.url
    assert Order.objects.count() == 1 and SKU.objects.get(pk=sku.pk).stock == 3
