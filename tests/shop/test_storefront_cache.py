"""The storefront cache (shop.cache): anonymous pages and API answers are cached, and never outlive a change."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import services
from tests.factories import ShopperFactory, make_product


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_second_view_is_served_from_the_cache(client, shop_a):
    product = make_product(shop=shop_a)
    for url in (f"/s/shop-a/p/{product.pk}/", "/s/shop-a/", f"/api/v1/shops/shop-a/products/{product.pk}/",
                "/api/v1/shops/shop-a/products/"):  # fmt: skip
        first, second = queries(client, url), queries(client, url)
        assert second == 0 < first, url


def test_a_price_change_shows_at_once(client, shop_a, django_capture_on_commit_callbacks):
    product = make_product(shop=shop_a, price_fen=5900)
    page, api = f"/s/shop-a/p/{product.pk}/", f"/api/v1/shops/shop-a/products/{product.pk}/"
    assert "¥59" in client.get(page).content.decode()
    assert client.get(api).json()["skus"][0]["price_fen"] == 5900
    with django_capture_on_commit_callbacks(execute=True):
        services.sku_update(sku=product.skus.get(), price_fen=4900)
    assert "¥49" in client.get(page).content.decode()
    assert client.get(api).json()["skus"][0]["price_fen"] == 4900


def test_going_off_shelf_is_a_404_at_once(client, shop_a, django_capture_on_commit_callbacks):
    product = make_product(shop=shop_a)
    assert client.get(f"/s/shop-a/p/{product.pk}/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.product_set_status(product=product, status="off_shelf")
    assert client.get(f"/s/shop-a/p/{product.pk}/").status_code == 404
    assert client.get(f"/api/v1/shops/shop-a/products/{product.pk}/").status_code == 404


def test_signed_in_shoppers_are_served_the_cached_shell(client, shop_a):
    """Their page is the shell everyone shares (their token and messages put in on the way out):
    the second view runs only the session and user lookup (tests/catalog/test_query_counts_signed_in.py)."""
    product = make_product(shop=shop_a)
    client.force_login(ShopperFactory(username="someone"))
    first = queries(client, f"/s/shop-a/p/{product.pk}/")
    assert queries(client, f"/s/shop-a/p/{product.pk}/") <= 2 < first


def test_wechat_and_other_browsers_get_separate_pages(client, shop_a):
    product = make_product(shop=shop_a)
    url = f"/s/shop-a/p/{product.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, HTTP_USER_AGENT="Mozilla/5.0 MicroMessenger/8.0")
    assert len(ctx.captured_queries) > 0


def test_cached_product_page_carries_each_visitors_own_csrf_token(shop_a):
    import re

    from django.test import Client

    product = make_product(shop=shop_a, stock=3)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(f"/s/shop-a/p/{product.pk}/")  # fills the cache
    page = second.get(f"/s/shop-a/p/{product.pk}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    sku = product.skus.get()
    response = second.post(
        "/s/shop-a/cart/add/", {"csrfmiddlewaretoken": token, "sku_id": sku.pk, "quantity": 1}
    )
    assert response.status_code == 302  # not 403: the token belongs to this visitor
    assert "__weishop_csrf_token__" not in page
