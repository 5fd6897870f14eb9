"""The pages and endpoints a shopper browses, signed in and anonymous, cold and warm (issue 16).

Every catalog page is cached as a shell shared by every visitor (shop.cache): a warm page runs no
query of its own, signed in or not; what a signed-in shopper costs on top is the session and user
lookup of Django's auth (``AUTH_QUERIES``, the same on every page, fewer once sessions are cached).
Cold pages run a fixed number of queries whatever the number of products, and the cart and the
order list (the shopper's own, never cached) a fixed number whatever their lines.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog import services as catalog_services
from orders import services as order_services
from orders.models import Cart, CartItem
from orders.services.cart import cart_add
from shop import cache as storefront_cache
from tests.factories import AddressFactory, CategoryFactory, ShopperFactory, make_product

pytestmark = pytest.mark.django_db

AUTH_TABLES = ('"django_session"', '"accounts_user"')


def own_queries(captured) -> list[str]:
    """The queries of the page itself (not the session and user lookup of the signed-in visitor)."""
    return [
        q["sql"]
        for q in captured
        if not q["sql"].startswith("SELECT") or not any(t in q["sql"] for t in AUTH_TABLES)
    ]


def get(client, url, **extra):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return response, ctx.captured_queries


@pytest.fixture
def catalog(shop_a):
    top = CategoryFactory(shop=shop_a, name="上衣")
    products = [make_product(shop=shop_a, title=f"纯棉T恤{n}", category=top, stock=5) for n in range(3)]
    return top, products


def pages(top, products) -> dict[str, str]:
    return {
        "home": "/s/shop-a/",
        "categories": "/s/shop-a/categories/",
        "category": f"/s/shop-a/c/{top.pk}/",
        "search": "/s/shop-a/search/?q=%E7%BA%AF%E6%A3%89",
        "product": f"/s/shop-a/p/{products[0].pk}/",
        "api_list": "/api/v1/shops/shop-a/products/",
        "api_detail": f"/api/v1/shops/shop-a/products/{products[0].pk}/",
    }


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_warm_pages_run_no_query_of_their_own(client, catalog, signed_in):
    if signed_in:
        client.force_login(ShopperFactory(username="warm"))
    for name, url in pages(*catalog).items():
        _response, cold = get(client, url)
        _response, warm = get(client, url)
        assert own_queries(cold), name  # built once
        assert own_queries(warm) == [], (name, own_queries(warm))
        # signed in: the session and the user, nothing else (0 for an anonymous visitor)
        assert len(warm) <= (2 if signed_in else 0), (name, [q["sql"][:80] for q in warm])


def test_cold_pages_run_a_fixed_number_of_queries_whatever_the_number_of_products(client, shop_a, catalog):
    top, products = catalog
    client.force_login(ShopperFactory(username="cold"))
    counts = []
    for more in (0, 7):
        for n in range(more):
            make_product(shop=shop_a, title=f"纯棉衫{n}", category=top)
        caches["default"].clear()
        counts.append(
            {name: len(own_queries(get(client, url)[1])) for name, url in pages(top, products).items()}
        )
    assert counts[0] == counts[1], counts


def test_a_signed_in_shopper_and_an_anonymous_visitor_get_the_same_cached_product_page(client, catalog):
    _top, products = catalog
    url = f"/s/shop-a/p/{products[0].pk}/"
    anonymous = Client().get(url).content.decode()
    client.force_login(ShopperFactory(username="same"))
    signed_in = client.get(url).content.decode()

    def untokened(page: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)

    assert untokened(signed_in) == untokened(anonymous)
    assert storefront_cache.CSRF_MARK not in signed_in and "weishop:messages" not in signed_in


def test_each_signed_in_shopper_gets_their_own_csrf_token_on_the_cached_page(shop_a, catalog):
    _top, products = catalog
    url = f"/s/shop-a/p/{products[0].pk}/"
    sku = products[0].skus.get()
    tokens = []
    for name in ("甲", "乙"):
        shopper = Client(enforce_csrf_checks=True)
        shopper.force_login(ShopperFactory(username=name))
        page = shopper.get(url).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        tokens.append(token)
        response = shopper.post(
            "/s/shop-a/cart/add/", {"csrfmiddlewaretoken": token, "sku_id": sku.pk, "quantity": 1}
        )
        assert response.status_code == 302  # not 403: the token is this shopper's
    assert tokens[0] != tokens[1]
    assert CartItem.objects.filter(cart__shop=shop_a).count() == 2


def test_each_signed_in_shopper_reads_their_own_messages_on_cached_pages(shop_a, catalog):
    _top, products = catalog
    first, second = Client(), Client()
    first.force_login(ShopperFactory(username="first"))
    second.force_login(ShopperFactory(username="second"))
    second.get("/s/shop-a/")  # the shell is cached
    sku = products[0].skus.get()
    first.post("/s/shop-a/cart/add/", {"sku_id": sku.pk, "quantity": 1, "back": "/s/shop-a/"})
    page = first.get("/s/shop-a/").content.decode()
    assert 'class="msgs"' in page  # 已加入购物车, on the cached home
    assert 'class="msgs"' not in second.get("/s/shop-a/").content.decode()
    assert 'class="msgs"' not in first.get("/s/shop-a/").content.decode()  # shown once
    assert 'class="msgs"' not in Client().get("/s/shop-a/").content.decode()


def test_a_price_edit_shows_at_once_to_a_signed_in_shopper(
    client, catalog, django_capture_on_commit_callbacks
):
    _top, products = catalog
    client.force_login(ShopperFactory(username="price"))
    url = f"/s/shop-a/p/{products[0].pk}/"
    assert "¥59" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.sku_update(sku=products[0].skus.get(), price_fen=4900)
    assert "¥49" in client.get(url).content.decode()
    assert "¥49" in client.get("/s/shop-a/").content.decode()


def place(shop, product, quantity: int = 1):
    address = AddressFactory()
    return order_services.order_place(
        shop=shop, user=address.user, items=[(product.skus.get().pk, quantity)], address_id=address.pk
    )


def test_an_order_on_one_product_leaves_the_other_products_pages_cached(
    client, shop_a, catalog, django_capture_on_commit_callbacks
):
    _top, (a, b, _c) = catalog
    client.force_login(ShopperFactory(username="watcher"))
    urls = {
        "a": f"/s/shop-a/p/{a.pk}/", "b": f"/s/shop-a/p/{b.pk}/", "categories": "/s/shop-a/categories/",
        "api_b": f"/api/v1/shops/shop-a/products/{b.pk}/",
    }  # fmt: skip
    for url in urls.values():
        get(client, url)
    version = storefront_cache.storefront_version("shop-a")
    with django_capture_on_commit_callbacks(execute=True):
        order = place(shop_a, a, quantity=5)  # the last five
    assert storefront_cache.storefront_version("shop-a") == version  # the shop as a whole stays
    for name in ("b", "categories", "api_b"):
        assert own_queries(get(client, urls[name])[1]) == [], name  # a cache hit
    page, queries = get(client, urls["a"])
    assert own_queries(queries) and "已售罄" in page.content.decode()  # A's page shows its stock at once
    api = client.get(f"/api/v1/shops/shop-a/products/{a.pk}/").json()
    assert api["stock_total"] == 0 and api["skus"][0]["stock"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        order_services.order_cancel(order=order, actor=order.user, actor_kind="shopper")
    assert "已售罄" not in client.get(urls["a"]).content.decode()  # and back when the units return


def test_lists_show_an_orders_stock_after_the_grace(
    client, shop_a, catalog, monkeypatch, django_capture_on_commit_callbacks
):
    top, (a, _b, _c) = catalog
    url = f"/s/shop-a/c/{top.pk}/"
    assert "售罄" not in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        place(shop_a, a, quantity=5)
    # a list built a moment ago is kept for STOCK_GRACE seconds (a run of orders rebuilds it once)
    assert own_queries(get(client, url)[1]) == []
    monkeypatch.setattr(storefront_cache, "STOCK_GRACE", 0)
    assert "售罄" in client.get(url).content.decode()
    listed = {row["id"]: row for row in client.get("/api/v1/shops/shop-a/products/").json()["results"]}
    assert listed[a.pk]["sold_out"] is True


def test_a_cached_page_is_one_cache_read(client, catalog, monkeypatch):
    top, products = catalog
    backend = caches["default"]
    reads: list[list[str]] = []
    get_many, get_one = backend.get_many, backend.get
    inside: list[bool] = []

    def counted_many(keys, *args, **kwargs):
        reads.append(list(keys))
        inside.append(True)  # the local-memory cache answers get_many with a get per key: one read
        try:
            return get_many(keys, *args, **kwargs)
        finally:
            inside.pop()

    def counted_get(key, *args, **kwargs):
        if not inside:
            reads.append([key])
        return get_one(key, *args, **kwargs)

    for signed_in in (False, True):
        if signed_in:
            client.force_login(ShopperFactory(username="reads"))
        for name, url in pages(top, products).items():
            client.get(url)
            monkeypatch.setattr(backend, "get_many", counted_many)
            monkeypatch.setattr(backend, "get", counted_get)
            reads.clear()
            client.get(url)
            monkeypatch.undo()
            storefront = [keys for keys in reads if any(k.startswith(("catalog:", "shop:")) for k in keys)]
            assert len(storefront) == 1, (name, signed_in, storefront)


def test_the_cart_and_order_list_run_a_fixed_number_of_queries(client, shop_a, catalog):
    _top, products = catalog
    shopper = ShopperFactory(username="buyer-counts")
    client.force_login(shopper)
    cart = Cart.objects.create(shop=shop_a, user=shopper)
    client.get("/s/shop-a/cart/")  # the shop's own lookup is cached by then
    counts = []
    for product in products[:2]:
        cart_add(cart=cart, sku_id=product.skus.get().pk)  # the shopper's cached cart is stale now
        counts.append(len(own_queries(get(client, "/s/shop-a/cart/")[1])))
        counts.append(len(own_queries(get(client, "/s/shop-a/cart/")[1])))
    assert counts == [1, 0, 1, 0]  # built: the cart with its lines in one query; then cached for them
    address = AddressFactory(user=shopper)
    counts = []
    for product in products[:2]:
        order_services.order_place(
            shop=shop_a, user=shopper, items=[(product.skus.get().pk, 1)], address_id=address.pk
        )
        counts.append(len(own_queries(get(client, "/s/shop-a/orders/")[1])))
        counts.append(len(own_queries(get(client, "/s/shop-a/orders/")[1])))
    assert counts == [2, 0, 2, 0]  # the orders, their lines; then cached


def test_anonymous_page_views_write_nothing(catalog):
    top, products = catalog
    for url in pages(top, products).values():
        for _n in range(2):
            _response, queries = get(Client(), url)
            assert not [q for q in queries if not q["sql"].startswith("SELECT")], url
