"""The channel landing for the mini-program: GET /api/v1/shops/<shop>/channels/<code>/ gives the
target and the signed ch code to send back, counts the visit, and knows nothing of other shops."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from core.attribution import attribution_verify
from marketing import selectors
from marketing.models import Channel
from orders.models import Order
from tests.factories import AddressFactory, make_product
from tests.marketing.conftest import make_channel

URL = "/api/v1/shops/shop-a/channels/{}/"


def test_the_landing_gives_the_target_and_the_signed_code(shop_a, channel):
    response = APIClient().get(URL.format("pyq-1212"))
    assert response.status_code == 200
    data = response.json()
    assert (data["code"], data["target"], data["product_id"], data["path"]) == (
        "pyq-1212",
        "home",
        None,
        "/s/shop-a/",
    )
    assert attribution_verify(kind="ch", code=data["ch"], shop_slug="shop-a") == (shop_a.pk, "pyq-1212")
    assert data["header"] == f"ch={data['ch']}"
    assert data["url"].startswith("http://testserver/s/shop-a/?ch=")


def test_a_product_channel_and_the_orders_that_follow_it(shop_a, shopper):
    sku = make_product(shop=shop_a, stock=5).skus.get()
    make_channel(
        shop=shop_a, code="ad-1", kind=Channel.Kind.AD, target=Channel.Target.PRODUCT, product=sku.product
    )
    api = APIClient()
    api.force_authenticate(shopper)
    data = api.get(URL.format("ad-1")).json()
    assert (data["target"], data["product_id"], data["path"]) == (
        "product",
        sku.product_id,
        f"/s/shop-a/p/{sku.product_id}/",
    )
    body = {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": AddressFactory(user=shopper).pk}
    response = api.post(
        "/api/v1/shops/shop-a/orders/", body, format="json", HTTP_X_WEISHOP_ATTRIBUTION=data["header"]
    )
    assert response.status_code == 201, response.content
    assert Order.objects.get().channel_code == "ad-1"


def test_visits_are_counted_per_visitor_without_a_database_write(shop_a, channel, shopper):
    api = APIClient()
    api.get(URL.format("pyq-1212"))  # warm the shop and its channels
    with CaptureQueriesContext(connection) as queries:
        api.get(URL.format("pyq-1212"), HTTP_X_WEISHOP_VISITOR="phone-aaaa-1111")
        api.get(URL.format("pyq-1212"), HTTP_X_WEISHOP_VISITOR="phone-aaaa-1111")
        api.get(URL.format("pyq-1212"), HTTP_X_WEISHOP_VISITOR="phone-bbbb-2222")
    assert len(queries) == 0, [q["sql"] for q in queries]
    api.force_authenticate(shopper)
    api.get(URL.format("pyq-1212"), HTTP_X_WEISHOP_VISITOR="phone-aaaa-1111")  # a shopper counts as themself
    today = timezone.localdate()
    # the anonymous first call (by client IP), two phones, the shopper
    assert selectors.live_counts([channel.pk], [today]) == {(channel.pk, today): (5, 4)}


def test_unknown_switched_off_and_foreign_channels_are_not_found(shop_a, shop_b, channel):
    api = APIClient()
    off = make_channel(shop=shop_a, code="off-1", is_active=False)
    make_channel(shop=shop_b, code="b-only")
    for url in (
        URL.format("nope"),
        URL.format(off.code),
        URL.format("b-only"),
        "/api/v1/shops/shop-b/channels/pyq-1212/",
    ):
        response = api.get(url)
        assert response.status_code == 404 and response.json()["code"] == "channel_not_found", url
    assert api.get("/api/v1/shops/nope/channels/pyq-1212/").json()["code"] == "shop_not_found"
    assert api.post(URL.format("pyq-1212")).status_code == 405
