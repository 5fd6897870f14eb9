"""Attribution as data: signed per-shop channel and referrer codes (core/attribution.py) read by
orders.middleware.AttributionMiddleware from ?ch= / ?ref= and the API header, remembered in a signed
cookie without touching the database, and stored on the order that checkout places."""

from __future__ import annotations

import re
import time

import pytest
from rest_framework.test import APIClient

from core.attribution import Attribution, attribution_sign, attribution_verify
from orders import middleware
from orders.models import Order
from tests.factories import AddressFactory, ShopperFactory, make_product

API = "/api/v1"


def code(shop, kind: str = "ch", value: str = "moments") -> str:
    return attribution_sign(kind=kind, shop_id=shop.pk, shop_slug=shop.slug, value=value)


def test_codes_verify_only_for_their_shop_untampered():
    good = attribution_sign(kind="ch", shop_id=5, shop_slug="shop-a", value="moments-1")
    assert attribution_verify(kind="ch", code=good, shop_slug="shop-a") == (5, "moments-1")
    assert attribution_verify(kind="ch", code=good, shop_slug="shop-b") is None  # another shop
    assert attribution_verify(kind="ref", code=good, shop_slug="shop-a") is None  # another kind
    tampered = good.replace("moments-1", "moments-2")
    assert attribution_verify(kind="ch", code=tampered, shop_slug="shop-a") is None
    forged_shop = "6" + good[1:]  # the same signature claimed for shop 6
    assert attribution_verify(kind="ch", code=forged_shop, shop_slug="shop-a") is None
    for junk in ("", "5.shop-a.moments-1", "x" * 500, "abc:def", ".:."):
        assert attribution_verify(kind="ch", code=junk, shop_slug="shop-a") is None
    with pytest.raises(ValueError):
        attribution_sign(kind="ch", shop_id=5, shop_slug="shop-a", value="has space")


def test_an_anonymous_page_view_with_a_code_runs_no_query(client, shop_a, django_assert_max_num_queries):
    product = make_product(shop=shop_a)
    url = f"/s/shop-a/p/{product.pk}/"
    client.get(url, {"ch": code(shop_a)})  # warm the page cache
    client.cookies.clear()
    with django_assert_max_num_queries(0):
        response = client.get(url, {"ch": code(shop_a)})
    assert response.status_code == 200
    assert response.wsgi_request.attribution.channel_code == "moments"
    assert "ws_attr_shop-a" in response.cookies


def test_the_last_valid_touch_is_remembered_in_a_signed_cookie(client, shop_a, shop_b):
    first = client.get("/s/shop-a/", {"ch": code(shop_a, value="poster"), "ref": code(shop_a, "ref", "u7")})
    assert first.wsgi_request.attribution == Attribution(
        shop_id=shop_a.pk, channel_code="poster", referrer_code="u7",
        touched_at=first.wsgi_request.attribution.touched_at,
    )  # fmt: skip
    later = client.get("/s/shop-a/cart/").wsgi_request.attribution
    assert (later.shop_id, later.channel_code, later.referrer_code) == (shop_a.pk, "poster", "u7")
    # a later valid touch replaces it (last touch wins), an invalid one changes nothing
    client.get("/s/shop-a/", {"ch": code(shop_a, value="group-x")})
    assert client.get("/s/shop-a/").wsgi_request.attribution.channel_code == "group-x"
    assert client.get("/s/shop-a/").wsgi_request.attribution.referrer_code == ""
    client.get("/s/shop-a/", {"ch": code(shop_a, value="group-x") + "0"})
    assert client.get("/s/shop-a/").wsgi_request.attribution.channel_code == "group-x"
    # each shop has its own; a code of shop A on shop B's pages is ignored
    assert not client.get("/s/shop-b/").wsgi_request.attribution
    assert not client.get("/s/shop-b/", {"ch": code(shop_a)}).wsgi_request.attribution


def test_a_forged_or_foreign_cookie_is_ignored(client, shop_a, shop_b):
    client.get("/s/shop-b/", {"ch": code(shop_b)})
    client.cookies["ws_attr_shop-a"] = client.cookies["ws_attr_shop-b"].value  # B's cookie under A's name
    assert not client.get("/s/shop-a/").wsgi_request.attribution
    client.cookies["ws_attr_shop-a"] = f"{shop_a.pk}|moments||{int(time.time())}"  # unsigned
    assert not client.get("/s/shop-a/").wsgi_request.attribution


def visit_days_ago(client, path: str, days: float, monkeypatch, **query) -> None:
    """Open ``path`` as if ``days`` ago (the cookie's signature and the touch's own time alike)."""
    then = time.time() - days * 86400
    monkeypatch.setattr(time, "time", lambda: then)
    client.get(path, query)
    monkeypatch.undo()


def test_the_touch_expires_after_the_window(client, shop_a, settings, monkeypatch):
    settings.WEISHOP_ATTRIBUTION_WINDOW_DAYS = 7
    visit_days_ago(client, "/s/shop-a/", 8, monkeypatch, ch=code(shop_a))
    assert not client.get("/s/shop-a/").wsgi_request.attribution
    settings.WEISHOP_ATTRIBUTION_WINDOW_DAYS = 9  # a longer window (setting) keeps it
    assert client.get("/s/shop-a/").wsgi_request.attribution.channel_code == "moments"


def test_a_shop_window_from_the_port_counts_up_to_the_longest(client, shop_a, settings, monkeypatch):
    """An app above (marketing) decides each shop's window; the cookie lives the longest one."""
    settings.WEISHOP_ATTRIBUTION_WINDOW_DAYS = 7
    settings.WEISHOP_ATTRIBUTION_MAX_DAYS = 30
    asked = []
    windows = {shop_a.pk: 20}
    monkeypatch.setattr(
        middleware, "_window_for_shop", lambda shop_id: asked.append(shop_id) or windows.get(shop_id)
    )
    visit_days_ago(client, "/s/shop-a/", 12, monkeypatch, ch=code(shop_a))
    monkeypatch.setattr(
        middleware, "_window_for_shop", lambda shop_id: asked.append(shop_id) or windows.get(shop_id)
    )
    assert client.get("/s/shop-a/").wsgi_request.attribution.channel_code == "moments"  # 12 < 20
    windows[shop_a.pk] = 10
    assert not client.get("/s/shop-a/").wsgi_request.attribution  # 12 > 10
    windows[shop_a.pk] = 90  # more than the longest: held to 30
    assert middleware.shop_window_days(shop_a.pk) == 30
    windows[shop_a.pk] = None  # the shop chose nothing: the platform's 7
    assert not client.get("/s/shop-a/").wsgi_request.attribution
    asked.clear()
    client.get("/s/shop-a/", {"ch": code(shop_a)})
    assert client.get("/s/shop-a/").wsgi_request.attribution and asked == []  # a fresh touch asks nothing


def test_other_paths_have_an_empty_attribution(client, shop_a):
    response = client.get("/healthz", {"ch": code(shop_a)})
    assert not middleware.attribution_of(response.wsgi_request)


# ---------------------------------------------------------------- stored on the order


@pytest.fixture
def shopper(db):
    return ShopperFactory(username="buyer")


def test_h5_checkout_stores_the_attribution_on_the_order(client, shop_a, shopper):
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    address = AddressFactory(user=shopper)
    client.get(f"/s/shop-a/p/{sku.product_id}/", {"ch": code(shop_a), "ref": code(shop_a, "ref", "u7")})
    client.force_login(shopper)
    page = client.get(f"/s/shop-a/checkout/?sku={sku.pk}&qty=1").content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    client.post("/s/shop-a/checkout/", {"token": token, "sku": sku.pk, "qty": 1, "address_id": address.pk})
    order = Order.objects.get()
    assert (order.channel_code, order.referrer_code) == ("moments", "u7")
    assert order.attributed_at is not None


def test_api_order_create_reads_the_header(shop_a, shop_b, shopper):
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    address = AddressFactory(user=shopper)
    api = APIClient()
    api.force_authenticate(shopper)
    payload = {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address.pk}
    header = f"ch={code(shop_a, value='ad-1')}&ref={code(shop_a, 'ref', 'u9')}"
    response = api.post(
        f"{API}/shops/shop-a/orders/", payload, format="json", HTTP_X_WEISHOP_ATTRIBUTION=header
    )
    assert response.status_code == 201, response.content
    order = Order.objects.get(order_no=response.json()["order_no"])
    assert (order.channel_code, order.referrer_code) == ("ad-1", "u9")
    foreign = f"ch={code(shop_b, value='ad-2')}"
    api.cookies.clear()
    response = api.post(
        f"{API}/shops/shop-a/orders/", payload, format="json", HTTP_X_WEISHOP_ATTRIBUTION=foreign
    )
    order = Order.objects.get(order_no=response.json()["order_no"])
    assert (order.channel_code, order.referrer_code) == ("", "")


def test_an_order_without_a_touch_has_no_attribution(shop_a, shopper):
    from orders import services

    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    address = AddressFactory(user=shopper)
    order = services.order_place(shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=address.pk)
    assert (order.channel_code, order.referrer_code, order.attributed_at) == ("", "", None)


def test_admin_shows_the_attribution_read_only(client, shop_a, merchant_a, shopper):
    from orders import services

    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    address = AddressFactory(user=shopper)
    touch = Attribution(shop_id=shop_a.pk, channel_code="moments", referrer_code="u7")
    order = services.order_place(
        shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=address.pk, attribution=touch
    )
    client.force_login(merchant_a)
    page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "来源渠道" in page and "moments" in page and 'name="channel_code"' not in page
