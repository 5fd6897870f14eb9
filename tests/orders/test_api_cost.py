"""The mini-program's cart and order list with a real token (issue 16): a fixed, small number of
queries whatever the number of lines and orders when built, the token's lookup included, and none
at all when the shopper's cached answer is current (shop.cache: cache_shopper_page, shopper_cached)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from orders import services
from orders.models import Order
from orders.services.cart import cart_add, cart_get
from shop.cache import shopper_cache_forget
from tests.factories import AddressFactory, add_image, make_product

API = "/api/v1/shops/shop-a"


@pytest.fixture
def token(shopper):
    return Token.objects.create(user=shopper).key


def counts(client, url, user, **headers) -> tuple[int, int]:
    """The queries of a request that builds the shopper's answer (the token, the user and the shop
    warm) and of the next one, served from their cache."""
    assert client.get(url, **headers).status_code == 200  # warms the token, the user, the shop
    shopper_cache_forget(user.pk)
    found = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, **headers)
        assert response.status_code == 200
        found.append(len(ctx.captured_queries))
    return found[0], found[1]


def warm_count(client, url, token, user) -> tuple[int, int]:
    return counts(client, url, user, HTTP_AUTHORIZATION=f"Token {token}")


def test_the_cart_costs_the_same_with_one_line_or_ten(client, shop_a, shopper, token):
    cart = cart_get(shop=shop_a, user=shopper, create=True)
    found = []
    for lines in (1, 10):
        while cart.items.count() < lines:
            product = make_product(shop=shop_a, title=f"商品{cart.items.count()}", stock=5)
            add_image(product)
            cart_add(cart=cart, sku_id=product.skus.get().pk)
        found.append(warm_count(client, f"{API}/cart/", token, shopper))
    assert found[0] == found[1] == (1, 0), found  # the cart, its lines with their SKUs and products


def test_the_order_list_costs_the_same_with_one_order_or_ten(client, shop_a, shopper, token, settings):
    settings.WEISHOP_MAX_UNPAID_ORDERS = 50
    address = AddressFactory(user=shopper)
    skus = [make_product(shop=shop_a, title=f"商品{n}", stock=50).skus.get() for n in range(3)]
    found = []
    for total in (1, 10):
        while Order.objects.filter(user=shopper).count() < total:
            services.order_place(
                shop=shop_a, user=shopper, items=[(sku.pk, 1) for sku in skus], address_id=address.pk
            )
        found.append(warm_count(client, f"{API}/orders/", token, shopper))
    assert found[0] == found[1] and found[0][0] <= 3 and found[0][1] == 0, found  # count, orders, lines


def test_the_h5_cart_and_order_list_cost_the_same_with_one_or_ten(client, shop_a, shopper, settings):
    settings.WEISHOP_MAX_UNPAID_ORDERS = 50
    client.force_login(shopper)
    address = AddressFactory(user=shopper)
    cart = cart_get(shop=shop_a, user=shopper, create=True)
    found = []
    for n in (1, 10):
        while cart.items.count() < n:
            product = make_product(shop=shop_a, title=f"商品{cart.items.count()}", stock=50)
            add_image(product)
            sku = product.skus.get()
            services.order_place(shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=address.pk)
            cart_add(cart=cart, sku_id=sku.pk)
        found.append([counts(client, url, shopper) for url in ("/s/shop-a/cart/", "/s/shop-a/orders/")])
    assert found[0] == found[1], found
    assert found[0][0] == (1, 0), found  # the cart: one query, lines included; none when cached
    assert found[0][1][1] == 0, found
