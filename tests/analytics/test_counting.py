"""Visits are counted in the cache, never in the database on the request path (issue 13): page
views, visitors (once a day, signed in or by the visitor cookie), product views on the H5 page and
the API, add-to-cart through orders' port, per channel; robots, previews and prefetches are not."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics import counters
from analytics.visits import VISITOR_COOKIE
from marketing.links import channel_ch_code
from marketing.models import Channel
from marketing.services import channel_save
from tests.analytics.helpers import BROWSER
from tests.factories import ShopperFactory, make_product

pytestmark = pytest.mark.django_db


def today_counts(shop):
    return counters.counts_read(shop_ids=[shop.pk], days=[timezone.localdate()]).get(
        (shop.pk, timezone.localdate()), counters.DayCounts()
    )


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


@pytest.fixture
def product(shop_a):
    return make_product(shop=shop_a, title="帆布包", price_fen=5900, stock=20)


def test_a_product_page_view_writes_nothing_to_the_database_anonymous_or_signed_in(client, shop_a, product):
    url = f"/s/{shop_a.slug}/p/{product.pk}/"
    client.get(url, **BROWSER)  # warm the storefront cache and the shop lookup
    with CaptureQueriesContext(connection) as anonymous:
        assert client.get(url, **BROWSER).status_code == 200
    assert writes(anonymous.captured_queries) == []
    client.force_login(ShopperFactory(username="reader"))
    with CaptureQueriesContext(connection) as signed_in:
        assert client.get(url, **BROWSER).status_code == 200
    assert writes(signed_in.captured_queries) == []
    counts = today_counts(shop_a)
    assert counts.total["page_views"] == 3 and counts.total["product_views"] == 3
    assert (
        counts.total["visitors"] == 2 and counts.total["product_visitors"] == 2
    )  # the browser, then the shopper
    assert counts.products[product.pk]["views"] == 3


def test_a_visitor_counts_once_a_day_and_cached_pages_count_too(client, shop_a, product):
    first = client.get(f"/s/{shop_a.slug}/", **BROWSER)
    assert VISITOR_COOKIE in first.cookies and first.cookies[VISITOR_COOKIE]["httponly"]
    assert "sessionid" not in first.cookies  # no session for a visitor
    for _ in range(3):  # the same browser, keeping its cookie: the home page is cached for it
        assert client.get(f"/s/{shop_a.slug}/", **BROWSER).status_code == 200
    client.get(f"/s/{shop_a.slug}/p/{product.pk}/", **BROWSER)
    counts = today_counts(shop_a)
    assert counts.total["page_views"] == 5 and counts.total["visitors"] == 1
    assert counts.total["product_views"] == 1 and counts.total["product_visitors"] == 1
    assert counts.channels[0]["visitors"] == 1  # no channel


def test_a_client_that_keeps_no_cookie_is_one_visitor_not_one_per_view(client, shop_a):
    for _ in range(4):
        client.cookies.clear()
        client.get(f"/s/{shop_a.slug}/", **BROWSER)
    counts = today_counts(shop_a)
    assert counts.total["page_views"] == 4 and counts.total["visitors"] == 1
    other = {**BROWSER, "REMOTE_ADDR": "10.1.2.3"}
    client.cookies.clear()
    client.get(f"/s/{shop_a.slug}/", **other)  # another device
    assert today_counts(shop_a).total["visitors"] == 2


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Baiduspider/2.0)", "HTTP_ACCEPT_LANGUAGE": "zh-CN"},
        {"HTTP_USER_AGENT": "facebookexternalhit/1.1", "HTTP_ACCEPT_LANGUAGE": "en"},
        {"HTTP_USER_AGENT": "curl/8.5.0"},
        {"HTTP_ACCEPT_LANGUAGE": "zh-CN"},  # no user agent at all
        {**BROWSER, "HTTP_SEC_PURPOSE": "prefetch"},
        {**BROWSER, "HTTP_PURPOSE": "prefetch"},
        {**BROWSER, "HTTP_X_PURPOSE": "preview"},
        {
            "HTTP_USER_AGENT": BROWSER["HTTP_USER_AGENT"]
        },  # a page fetched without Accept-Language: a previewer
    ],
)
def test_robots_previews_and_prefetches_are_not_counted(client, shop_a, product, headers):
    assert client.get(f"/s/{shop_a.slug}/p/{product.pk}/", **headers).status_code == 200
    assert today_counts(shop_a).total == {}
    assert counters.shops_counted(timezone.localdate()) == []


def test_what_is_not_a_page_view_is_not_counted(client, shop_a, product):
    assert client.head(f"/s/{shop_a.slug}/p/{product.pk}/", **BROWSER).status_code == 200
    assert client.get(f"/s/{shop_a.slug}/p/999999/", **BROWSER).status_code == 404
    assert client.get(f"/s/{shop_a.slug}/cart/add/", **BROWSER).status_code in (302, 405)
    assert client.get(f"/api/v1/shops/{shop_a.slug}/categories/", **BROWSER).status_code == 200
    assert client.get("/s/no-such-shop/", **BROWSER).status_code == 404
    assert counters.shops_counted(timezone.localdate()) == []


def test_the_api_product_detail_is_a_product_view_of_the_signed_in_shopper(client, shop_a, product):
    from rest_framework.authtoken.models import Token

    shopper = ShopperFactory(username="mini")
    token = Token.objects.create(user=shopper)
    for _ in range(2):
        response = client.get(f"/api/v1/shops/{shop_a.slug}/products/{product.pk}/", **BROWSER,
                              HTTP_AUTHORIZATION=f"Token {token.key}")  # fmt: skip
        assert response.status_code == 200
    counts = today_counts(shop_a)
    assert counts.total["product_views"] == 2 and counts.total["visitors"] == 1
    pending, _upto = counters.users_pending(shop_id=shop_a.pk, day=timezone.localdate())
    assert [user for user, _channel, _at in pending] == [shopper.pk]


def test_views_are_counted_under_the_channel_the_visitor_came_through(client, shop_a, product):
    group = channel_save(channel=Channel(shop=shop_a, name="宝妈群", kind=Channel.Kind.GROUP, code="mama"))
    code = channel_ch_code(shop=shop_a, code="mama")
    client.get(f"/s/{shop_a.slug}/?ch={code}", **BROWSER)
    client.get(f"/s/{shop_a.slug}/p/{product.pk}/", **BROWSER)  # remembered by the attribution cookie
    from django.test import Client

    direct = Client()
    direct.get(f"/s/{shop_a.slug}/p/{product.pk}/", **{**BROWSER, "REMOTE_ADDR": "10.0.0.9"})
    counts = today_counts(shop_a)
    assert counts.channels[group.pk]["page_views"] == 2 and counts.channels[group.pk]["visitors"] == 1
    assert counts.channels[group.pk]["product_views"] == 1
    assert counts.channels[0]["page_views"] == 1 and counts.channels[0]["visitors"] == 1
    assert counts.total["visitors"] == 2 and counts.total["page_views"] == 3


def test_add_to_cart_is_counted_after_the_add_commits(client, shop_a, product, transactional_db):
    """A real commit inside the request (no test transaction around it): the listener counts the
    add under the request's visitor and channel."""
    group = channel_save(channel=Channel(shop=shop_a, name="宝妈群", kind=Channel.Kind.GROUP, code="mama"))
    sku = product.skus.get()
    client.get(f"/s/{shop_a.slug}/p/{product.pk}/?ch={channel_ch_code(shop=shop_a, code='mama')}", **BROWSER)
    response = client.post(f"/s/{shop_a.slug}/cart/add/", {"sku_id": sku.pk, "quantity": 2}, **BROWSER)
    assert response.status_code == 302 and response.url.endswith("/cart/")
    client.post(f"/s/{shop_a.slug}/cart/add/", {"sku_id": sku.pk, "quantity": 1}, **BROWSER)
    counts = today_counts(shop_a)
    assert counts.total["cart_adds"] == 2 and counts.total["cart_visitors"] == 1
    assert counts.channels[group.pk]["cart_adds"] == 2 and counts.channels[group.pk]["cart_visitors"] == 1
    assert counts.products[product.pk]["cart_adds"] == 2
    assert (
        counts.total["page_views"] == 1 and counts.total["visitors"] == 1
    )  # posts and redirects are no page views


def test_an_add_to_cart_outside_a_request_counts_the_shopper(
    shop_a, product, django_capture_on_commit_callbacks
):
    from orders.services import cart_add, cart_get

    shopper = ShopperFactory(username="adder")
    with django_capture_on_commit_callbacks(execute=True):
        cart_add(
            cart=cart_get(shop=shop_a, user=shopper, create=True), sku_id=product.skus.get().pk, quantity=1
        )
    counts = today_counts(shop_a)
    assert counts.total["cart_adds"] == 1 and counts.total["cart_visitors"] == 1
    assert counters.shops_counted(timezone.localdate()) == [shop_a.pk]


def test_a_refused_add_to_cart_is_not_counted(client, shop_a, product, django_capture_on_commit_callbacks):
    sku = product.skus.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/s/{shop_a.slug}/cart/add/", {"sku_id": sku.pk, "quantity": 999}, **BROWSER
        )  # over the stock
    assert today_counts(shop_a).total.get("cart_adds", 0) == 0


def test_a_broken_cache_never_breaks_the_page(client, shop_a, product, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    client.get(f"/s/{shop_a.slug}/p/{product.pk}/", **BROWSER)
    monkeypatch.setattr(counters, "_run", down)
    assert client.get(f"/s/{shop_a.slug}/p/{product.pk}/", **BROWSER).status_code == 200


def test_a_failing_cart_listener_never_fails_the_add(shop_a, product, django_capture_on_commit_callbacks):
    from orders import ports
    from orders.models import CartItem
    from orders.services import cart_add, cart_get

    def broken(**kwargs):
        raise RuntimeError("listener down")

    ports.cart_added_register(broken)
    try:
        shopper = ShopperFactory(username="adder")
        with django_capture_on_commit_callbacks(execute=True):
            cart_add(
                cart=cart_get(shop=shop_a, user=shopper, create=True),
                sku_id=product.skus.get().pk,
                quantity=1,
            )
    finally:
        ports.cart_added_fns.remove(broken)
    assert CartItem.objects.filter(cart__user=shopper).count() == 1
    assert today_counts(shop_a).total["cart_adds"] == 1  # the other listeners still ran


def test_an_anonymous_api_caller_is_counted_by_its_alias_and_gets_no_cookie(client, shop_a, product):
    for _ in range(3):
        response = client.get(f"/api/v1/shops/{shop_a.slug}/products/{product.pk}/", **BROWSER)
        assert response.status_code == 200 and VISITOR_COOKIE not in response.cookies
    counts = today_counts(shop_a)
    assert counts.total["product_views"] == 3 and counts.total["visitors"] == 1
