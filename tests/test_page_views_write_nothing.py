"""No page view writes to the database on the request path (issue 16, DESIGN.md), anonymous or
signed in, H5 or API, warm or cold: no session save, no last_login, no visitor counter. Checked on
the statements each request sends and, on PostgreSQL, on the server's own counters
(``pg_stat_xact_user_tables``: every row inserted, updated or deleted in this transaction, which the
test client's requests share)."""

from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from orders import services
from orders.services.cart import cart_add, cart_get
from tests.conftest import is_postgres
from tests.factories import AddressFactory, CategoryFactory, add_image, make_product

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone) Mobile Safari", "HTTP_ACCEPT_LANGUAGE": "zh-CN"}
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@pytest.fixture
def world(shop_a, shopper):
    category = CategoryFactory(shop=shop_a, name="上衣")
    product = make_product(shop=shop_a, title="纯棉T恤", category=category, stock=20)
    add_image(product)
    cart_add(cart=cart_get(shop=shop_a, user=shopper, create=True), sku_id=product.skus.get().pk)
    address = AddressFactory(user=shopper)
    services.order_place(shop=shop_a, user=shopper, items=[(product.skus.get().pk, 1)], address_id=address.pk)
    token = Token.objects.create(user=shopper).key
    return {"category": category, "product": product, "token": token}


def tour(client, world, *, signed_in: bool) -> list[str]:
    """Every page and endpoint a shopper browses, twice (cold, then warm); the paths that answered."""
    p, c = world["product"].pk, world["category"].pk
    h5 = ["/s/shop-a/", f"/s/shop-a/c/{c}/", f"/s/shop-a/search/?q={quote('T恤')}", f"/s/shop-a/p/{p}/",
          "/s/shop-a/cart/"] + (["/s/shop-a/orders/", "/s/shop-a/me/"] if signed_in else [])  # fmt: skip
    api = ["/api/v1/shops/shop-a/products/", f"/api/v1/shops/shop-a/products/{p}/"]
    api += ["/api/v1/shops/shop-a/cart/", "/api/v1/shops/shop-a/orders/"] if signed_in else []
    headers = {"HTTP_AUTHORIZATION": f"Token {world['token']}"} if signed_in else {}
    answered = []
    for _ in range(2):
        for path in h5:
            response = client.get(path, **BROWSER)
            assert response.status_code == 200, (path, response.status_code)
            answered.append(path)
        for path in api:
            response = client.get(path, **BROWSER, **headers)
            assert response.status_code == 200, (path, response.status_code)
            answered.append(path)
    return answered


def statements_that_write(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_browsing_sends_no_write_statement(client, world, shopper, signed_in):
    if signed_in:
        client.force_login(shopper)
    cache.clear()  # cold: sessions, users, tokens, pages all read afresh
    with CaptureQueriesContext(connection) as ctx:
        tour(client, world, signed_in=signed_in)
    assert statements_that_write(ctx) == []


def _rows_written() -> int:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables"
        )
        return int(cur.fetchone()[0])


@pytest.mark.postgres
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_postgres_counts_no_row_written_while_browsing(client, world, shopper, signed_in):
    assert is_postgres()
    if signed_in:
        client.force_login(shopper)
    cache.clear()
    before = _rows_written()
    assert before > 0  # the set-up's own rows: the counter does count this transaction
    tour(client, world, signed_in=signed_in)
    assert _rows_written() - before == 0
