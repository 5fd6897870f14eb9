"""The mini-program's cart and order list with a real token (issue 16): a fixed, small number of
queries whatever the number of lines and orders, the token's lookup included (none when warm)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from orders import services
from orders.models import Order
from orders.services.cart import cart_add, cart_get
from tests.factories import AddressFactory, add_image, make_product

API = "/api/v1/shops/shop-a"


@pytest.fixture
def token(shopper):
    return Token.objects.create(user=shopper).key


def warm_count(client, url, token) -> int:
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
    assert client.get(url, **headers).status_code == 200  # warms the token, the user, the shop
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_cart_costs_the_same_with_one_line_or_ten(client, shop_a, shopper, token):
    cart = cart_get(shop=shop_a, user=shopper, create=True)
    counts = []
    for lines in (1, 10):
        while cart.items.count() < lines:
            product = make_product(shop=shop_a, title=f"商品{cart.items.count()}", stock=5)
            add_image(product)
            cart_add(cart=cart, sku_id=product.skus.get().pk)
        counts.append(warm_count(client, f"{API}/cart/", token))
    assert counts[0] == counts[1] <= 2, counts  # the cart, its lines with their SKUs and products


def test_the_order_list_costs_the_same_with_one_order_or_ten(client, shop_a, shopper, token, settings):
    settings.WEISHOP_MAX_UNPAID_ORDERS = 50
    address = AddressFactory(user=shopper)
    skus = [make_product(shop=shop_a, title=f"商品{n}", stock=50).skus.get() for n in range(3)]
    counts = []
    for total in (1, 10):
        while Order.objects.filter(user=shopper).count() < total:
            services.order_place(
                shop=shop_a, user=shopper, items=[(sku.pk, 1) for sku in skus], address_id=address.pk
            )
        counts.append(warm_count(client, f"{API}/orders/", token))
    assert counts[0] == counts[1] <= 3, counts  # the count, the page of orders, their lines


def test_the_h5_cart_and_order_list_cost_the_same_with_one_or_ten(client, shop_a, shopper, settings):
    settings.WEISHOP_MAX_UNPAID_ORDERS = 50
    client.force_login(shopper)
    address = AddressFactory(user=shopper)
    cart = cart_get(shop=shop_a, user=shopper, create=True)
    counts = []
    for n in (1, 10):
        while cart.items.count() < n:
            product = make_product(shop=shop_a, title=f"商品{cart.items.count()}", stock=50)
            add_image(product)
            sku = product.skus.get()
            services.order_place(shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=address.pk)
            cart_add(cart=cart, sku_id=sku.pk)
        row = []
        for url in ("/s/shop-a/cart/", "/s/shop-a/orders/"):
            assert client.get(url).status_code == 200
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            row.append(len(ctx.captured_queries))
        counts.append(row)
    assert counts[0] == counts[1] and counts[0][0] == 1, counts  # the cart: one query, lines included
