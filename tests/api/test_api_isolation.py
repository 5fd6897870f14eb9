"""Walks every public catalog route of /api/v1/: shop B's handle never reaches shop A's objects,
and nothing public can be written. New catalog routes are covered automatically (the test reads the
URLconf); the shopper-owned routes (cart, orders, addresses) have their own matrix in
tests/orders/test_orders_api.py."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from catalog.models import Category, Product
from tests.factories import make_product, product_with_matrix


def api_routes() -> list[str]:
    routes = []

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                routes.append(prefix + str(p.pattern))

    walk(get_resolver().url_patterns, "/")
    shopper_owned = ("/cart/", "/orders/", "/checkout/", "/addresses/")
    return [r for r in routes if r.startswith("/api/v1/") and not any(part in r for part in shopper_owned)]


def fill(route: str, *, shop_slug: str, product_id: int) -> str:
    url = route.replace("<slug:shop_slug>", shop_slug).replace("<int:product_id>", str(product_id))
    assert "<" not in url, f"isolation test does not know how to fill {url}: extend fill()"
    return url


@pytest.fixture
def a_objects(shop_a, shop_b):
    product = product_with_matrix(shop=shop_a, title="甲的商品")
    draft = make_product(shop=shop_a, title="甲的草稿", status=Product.Status.DRAFT)
    Category.objects.create(shop=shop_a, name="甲的分类")
    make_product(shop=shop_b, title="乙的商品")
    return product, draft


def test_every_route_is_known():
    assert len(api_routes()) >= 5


def test_shop_b_handle_never_reaches_shop_a_objects(client, a_objects):
    product, draft = a_objects
    for route in api_routes():
        for target in (product, draft):
            url = fill(route, shop_slug="shop-b", product_id=target.pk)
            response = client.get(url)
            body = response.content.decode()
            assert "甲的" not in body, url
            if "<int:product_id>" in route:
                assert response.status_code in (400, 404), url


def test_drafts_are_invisible_even_through_their_own_shop(client, a_objects):
    _product, draft = a_objects
    for route in api_routes():
        url = fill(route, shop_slug="shop-a", product_id=draft.pk)
        assert "甲的草稿" not in client.get(url).content.decode(), url


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_catalog_is_read_only(client, a_objects, method):
    product, _draft = a_objects
    for route in api_routes():
        url = fill(route, shop_slug="shop-a", product_id=product.pk)
        response = getattr(client, method)(url, data={"title": "改了"}, content_type="application/json")
        assert response.status_code == 405, (method, url)
        assert response.json()["code"] == "method_not_allowed"
    product.refresh_from_db()
    assert product.title == "甲的商品"


def test_routes_use_only_shop_scoped_paths():
    for route in api_routes():
        assert re.match(r"^/api/v1/shops/<slug:shop_slug>/", route), route
