"""A signed-in shopper's own pages are cached for them (issue 16: shop.cache.cache_shopper_page and
shopper_cached): the H5 cart and 我的订单, the API's cart and order list. What a shopper checks: every
write of theirs shows on their next read, another buyer's order shows in their cart's stock, a
merchant's price change shows, their page is never another shopper's, and the forms on a cached
page carry their own CSRF token."""

import re

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import User
from catalog import services as catalog_services
from orders import services
from orders.models import OrderEvent
from orders.services.after_sales import after_sale_request
from orders.services.cart import cart_add, cart_get
from tests.factories import AddressFactory, make_product

CART = "/s/shop-a/cart/"
ORDERS = "/s/shop-a/orders/"
API = "/api/v1/shops/shop-a"


@pytest.fixture
def signed_in(client, shopper):
    client.force_login(shopper)
    return client


@pytest.fixture
def tee(shop_a):
    return make_product(shop=shop_a, title="亚麻衬衫", price_fen=12900, stock=5)


def api(client, user):
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.get_or_create(user=user)[0].key}"}


def test_an_added_changed_and_removed_line_shows_on_the_next_cart_page(signed_in, shopper, tee):
    assert "亚麻衬衫" not in signed_in.get(CART).content.decode()  # cached: an empty cart
    sku = tee.skus.get()
    signed_in.post("/s/shop-a/cart/add/", {"sku_id": sku.pk, "quantity": 2})
    page = signed_in.get(CART).content.decode()
    assert "亚麻衬衫" in page and "¥258" in page
    item = cart_get(shop=tee.shop, user=shopper).items.get()
    signed_in.post(f"/s/shop-a/cart/items/{item.pk}/", {"quantity": 3})
    assert "¥387" in signed_in.get(CART).content.decode()
    signed_in.post(f"/s/shop-a/cart/items/{item.pk}/", {"quantity": 3, "remove": "1"})
    assert "亚麻衬衫" not in signed_in.get(CART).content.decode()


def test_another_buyers_order_shows_in_the_cart_stock(
    signed_in, shopper, tee, django_capture_on_commit_callbacks
):
    sku = tee.skus.get()
    cart_add(cart=cart_get(shop=tee.shop, user=shopper, create=True), sku_id=sku.pk, quantity=2)
    assert "库存只剩" not in signed_in.get(CART).content.decode()
    other = AddressFactory()
    with django_capture_on_commit_callbacks(execute=True):  # its stock change is told after commit
        services.order_place(shop=tee.shop, user=other.user, items=[(sku.pk, 4)], address_id=other.pk)
    assert "库存只剩 1 件" in signed_in.get(CART).content.decode()


def test_a_price_change_shows_in_the_cart(signed_in, shopper, tee, django_capture_on_commit_callbacks):
    sku = tee.skus.get()
    cart_add(cart=cart_get(shop=tee.shop, user=shopper, create=True), sku_id=sku.pk)
    assert "¥129" in signed_in.get(CART).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.sku_update(sku=sku, price_fen=9900)
    page = signed_in.get(CART).content.decode()
    assert "¥99" in page and "¥129" not in page


def test_a_shoppers_cached_pages_are_theirs_alone(client, shopper, tee):
    cart_add(cart=cart_get(shop=tee.shop, user=shopper, create=True), sku_id=tee.skus.get().pk)
    client.force_login(shopper)
    assert "亚麻衬衫" in client.get(CART).content.decode()
    other = User.objects.create_user(username="li", password="x")
    second = Client()
    second.force_login(other)
    assert "亚麻衬衫" not in second.get(CART).content.decode()
    assert "亚麻衬衫" not in second.get(ORDERS).content.decode()
    anonymous = Client()
    assert "亚麻衬衫" not in anonymous.get(CART).content.decode()
    assert anonymous.get(ORDERS).status_code == 302  # to sign in, not a cached page


def test_a_cached_cart_page_carries_the_shoppers_own_csrf_token(shopper, tee):
    cart_add(cart=cart_get(shop=tee.shop, user=shopper, create=True), sku_id=tee.skus.get().pk)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(shopper)
    browser.get(CART)  # builds the shell
    page = browser.get(CART).content.decode()  # served from it
    assert "__weishop_csrf_token__" not in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    item = cart_get(shop=tee.shop, user=shopper).items.get()
    answer = browser.post(f"/s/shop-a/cart/items/{item.pk}/", {"quantity": 2, "csrfmiddlewaretoken": token})
    assert answer.status_code == 302  # accepted (a refused token is a 403)
    assert cart_get(shop=tee.shop, user=shopper).items.get().quantity == 2


def test_a_message_shows_once_on_a_cached_cart(signed_in, shopper, tee):
    signed_in.get(CART)
    signed_in.post("/s/shop-a/cart/add/", {"sku_id": tee.skus.get().pk, "quantity": 99})  # above stock
    assert "库存" in signed_in.get(CART).content.decode()  # the refusal, once
    assert "库存只剩" not in signed_in.get(CART).content.decode()


def test_placing_paying_and_cancelling_show_in_my_orders(signed_in, shopper, tee):
    address = AddressFactory(user=shopper)
    assert "亚麻衬衫" not in signed_in.get(ORDERS).content.decode()
    assert "亚麻衬衫" not in signed_in.get(ORDERS + "?tab=to_ship").content.decode()
    first = services.order_place(
        shop=tee.shop, user=shopper, items=[(tee.skus.get().pk, 1)], address_id=address.pk
    )
    assert "待付款" in signed_in.get(ORDERS).content.decode()
    services.order_mark_paid(order=first, amount_fen=first.total_fen)
    assert first.order_no in signed_in.get(ORDERS + "?tab=to_ship").content.decode()
    assert first.order_no not in signed_in.get(ORDERS + "?tab=pending_payment").content.decode()
    second = services.order_place(
        shop=tee.shop, user=shopper, items=[(tee.skus.get().pk, 1)], address_id=address.pk
    )
    assert second.order_no in signed_in.get(ORDERS + "?tab=pending_payment").content.decode()
    services.order_cancel(order=second, actor=shopper, actor_kind=OrderEvent.Actor.SHOPPER)
    assert second.order_no not in signed_in.get(ORDERS + "?tab=pending_payment").content.decode()


def test_an_after_sale_shows_in_its_tab(signed_in, shopper, tee):
    address = AddressFactory(user=shopper)
    order = services.order_place(
        shop=tee.shop, user=shopper, items=[(tee.skus.get().pk, 1)], address_id=address.pk
    )
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    assert order.order_no not in signed_in.get(ORDERS + "?tab=after_sale").content.decode()
    after_sale_request(order=order, user=shopper, kind="refund_only", reason="不想要了", amount_fen=1000)
    assert order.order_no in signed_in.get(ORDERS + "?tab=after_sale").content.decode()


def test_the_api_cart_and_order_list_follow_the_shoppers_writes(client, shopper, tee):
    headers = api(client, shopper)
    address = AddressFactory(user=shopper)
    assert client.get(f"{API}/cart/", **headers).json()["items"] == []
    added = client.post(
        f"{API}/cart/items/",
        {"sku_id": tee.skus.get().pk, "quantity": 2},
        content_type="application/json",
        **headers,
    )
    assert added.status_code == 200
    items = client.get(f"{API}/cart/", **headers).json()["items"]
    assert [item["quantity"] for item in items] == [2]
    assert client.get(f"{API}/orders/", **headers).json()["results"] == []
    order = services.order_place(
        shop=tee.shop, user=shopper, items=[(tee.skus.get().pk, 1)], address_id=address.pk
    )
    rows = client.get(f"{API}/orders/", **headers).json()["results"]
    assert [(row["order_no"], row["status"]) for row in rows] == [(order.order_no, "pending_payment")]
    assert client.post(f"{API}/orders/{order.order_no}/cancel/", **headers).status_code == 200
    rows = client.get(f"{API}/orders/", **headers).json()["results"]
    assert [row["status"] for row in rows] == ["cancelled"]
    other = User.objects.create_user(username="li", password="x")
    assert client.get(f"{API}/orders/", **api(client, other)).json()["results"] == []
    assert client.get(f"{API}/cart/", **api(client, other)).json()["items"] == []


def test_a_bad_tab_is_still_refused_from_the_cache(client, shopper, shop_a):
    headers = api(client, shopper)
    assert client.get(f"{API}/orders/", **headers).status_code == 200
    for _ in range(2):
        answer = client.get(f"{API}/orders/?tab=nope", **headers)
        assert answer.status_code == 400 and answer.json()["code"] == "invalid"
