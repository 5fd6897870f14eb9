"""GET /api/v1/shops/<shop>/share/: every signed-in shopper's share cards carry their own signed
referral code (not only a promoter's), one per shop."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from rest_framework.test import APIClient

from tests.factories import ShopperFactory
from wechat import share

pytestmark = pytest.mark.django_db


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_any_shopper_gets_their_signed_code_and_the_card_defaults(shop_a):
    shopper = ShopperFactory()  # not a promoter
    response = signed_in(shopper).get("/api/v1/shops/shop-a/share/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"ref", "title", "image", "url"}
    assert share.referral_user_id(code=body["ref"], shop_slug="shop-a") == shopper.pk
    assert body["title"] == shop_a.name and body["image"] is None  # no logo
    url = urlsplit(body["url"])
    assert url.path == "/s/shop-a/" and parse_qs(url.query) == {"ref": [body["ref"]]}
    assert response["Cache-Control"] == "private, no-store"


def test_each_shop_and_each_shopper_has_its_own_code(shop_a, shop_b):
    shopper, other = ShopperFactory(), ShopperFactory()
    in_a = signed_in(shopper).get("/api/v1/shops/shop-a/share/").json()["ref"]
    in_b = signed_in(shopper).get("/api/v1/shops/shop-b/share/").json()["ref"]
    assert in_a != in_b
    assert share.referral_user_id(code=in_b, shop_slug="shop-b") == shopper.pk
    assert share.referral_user_id(code=in_b, shop_slug="shop-a") is None  # never valid in another shop
    assert signed_in(other).get("/api/v1/shops/shop-a/share/").json()["ref"] != in_a


def test_the_code_needs_a_shopper_and_an_open_shop(shop_a):
    anonymous = APIClient().get("/api/v1/shops/shop-a/share/")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")
    missing = signed_in(ShopperFactory()).get("/api/v1/shops/no-such-shop/share/")
    assert (missing.status_code, missing.json()["code"]) == (404, "shop_not_found")


def test_an_order_placed_with_a_shoppers_code_records_them_as_its_referrer(shop_a, shop_b):
    from orders.models import Order
    from tests.factories import AddressFactory, make_product

    sharer, buyer = ShopperFactory(), ShopperFactory()
    code = signed_in(sharer).get("/api/v1/shops/shop-a/share/").json()["ref"]
    foreign = signed_in(sharer).get("/api/v1/shops/shop-b/share/").json()["ref"]
    sku = make_product(shop=shop_a).skus.get()
    address = AddressFactory(user=buyer)
    client = signed_in(buyer)
    orders = []
    for n, ref in enumerate((foreign, code)):
        response = client.post(
            "/api/v1/shops/shop-a/orders/",
            {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address.pk},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"share-{n}",
            HTTP_X_WEISHOP_ATTRIBUTION=f"ref={ref}",
        )
        assert response.status_code == 201, response.content
        orders.append(Order.objects.get(order_no=response.json()["order_no"]))
    assert orders[0].referrer_code == ""  # another shop's code is ignored
    assert orders[1].referrer_code == str(sharer.pk)
