"""The mini-program's buying flow through /api/v1/: cart, addresses, checkout, orders, after-sales."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from catalog.models import SKU
from orders import services
from orders.models import Order, OrderStatus
from tests.factories import AddressFactory, ShopperFactory, make_product

API = "/api/v1"


@pytest.fixture
def shopper(db):
    return ShopperFactory(username="buyer")


@pytest.fixture
def api(shopper):
    client = APIClient()
    client.force_authenticate(shopper)
    return client


@pytest.fixture
def address_id(api):
    response = api.post(
        f"{API}/addresses/",
        {"recipient": "李四", "phone": "13912345678", "province_code": "330000", "city_code": "330100",
         "district_code": "330106", "detail": "文三路 1 号"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["is_default"] is True  # the first address is the default
    return response.json()["id"]


def test_address_book_validates_mobile_numbers(api):
    response = api.post(
        f"{API}/addresses/",
        {"recipient": "x", "phone": "12345", "province_code": "310000", "city_code": "310100", "detail": "y"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert "phone" in response.json()["fields"]


def test_cart_add_update_remove_and_stock_limits(api, shop_a):
    sku = make_product(shop=shop_a, price_fen=5900, stock=3).skus.get()
    body = api.post(
        f"{API}/shops/shop-a/cart/items/", {"sku_id": sku.pk, "quantity": 2}, format="json"
    ).json()
    assert body["goods_fen"] == 11800 and body["items"][0]["quantity"] == 2
    item_id = body["items"][0]["id"]
    response = api.post(f"{API}/shops/shop-a/cart/items/", {"sku_id": sku.pk, "quantity": 2}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "quantity_exceeds_stock"
    assert "只剩 3 件" in response.json()["message"]
    body = api.patch(f"{API}/shops/shop-a/cart/items/{item_id}/", {"quantity": 3}, format="json").json()
    assert body["items"][0]["quantity"] == 3
    assert (
        api.patch(f"{API}/shops/shop-a/cart/items/{item_id}/", {"quantity": 0}, format="json").status_code
        == 400
    )
    assert api.delete(f"{API}/shops/shop-a/cart/items/{item_id}/").json()["items"] == []


def test_checkout_ignores_any_price_the_client_sends(api, shop_a, address_id):
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    payload = {"items": [{"sku_id": sku.pk, "quantity": 2, "price_fen": 1}], "address_id": address_id,
               "total_fen": 1, "shipping_fen": 0}  # fmt: skip
    preview = api.post(f"{API}/shops/shop-a/checkout/preview/", payload, format="json").json()
    assert preview["goods_fen"] == 11800 and preview["total_fen"] == 11800 + preview["shipping_fen"]
    order = api.post(f"{API}/shops/shop-a/orders/", payload, format="json").json()
    assert order["total_fen"] == preview["total_fen"] and order["lines"][0]["unit_price_fen"] == 5900


def test_place_order_from_the_cart_with_an_idempotency_key(api, shop_a, address_id):
    sku = make_product(shop=shop_a, price_fen=1000, stock=5).skus.get()
    api.post(f"{API}/shops/shop-a/cart/items/", {"sku_id": sku.pk, "quantity": 2}, format="json")
    first = api.post(f"{API}/shops/shop-a/orders/", {"address_id": address_id, "remark": "放门口"}, format="json",
                     HTTP_IDEMPOTENCY_KEY="key-1")  # fmt: skip
    assert first.status_code == 201
    order = first.json()
    assert order["status"] == "pending_payment" and order["remark"] == "放门口"
    assert [e["type"] for e in order["timeline"]] == ["placed"]
    assert api.get(f"{API}/shops/shop-a/cart/").json()["items"] == []  # bought lines leave the cart
    again = api.post(f"{API}/shops/shop-a/orders/", {"address_id": address_id, "remark": "放门口"}, format="json",
                     HTTP_IDEMPOTENCY_KEY="key-1")  # fmt: skip
    # the cart is empty now: the retry finds the same order and does not buy again
    assert again.status_code == 200 and again.json()["order_no"] == order["order_no"]
    retry = api.post(
        f"{API}/shops/shop-a/orders/", {"items": [{"sku_id": sku.pk, "quantity": 2}], "address_id": address_id,
                                        "remark": "放门口"},
        format="json", HTTP_IDEMPOTENCY_KEY="key-2",
    )  # fmt: skip
    same = api.post(
        f"{API}/shops/shop-a/orders/", {"items": [{"sku_id": sku.pk, "quantity": 2}], "address_id": address_id,
                                        "remark": "放门口"},
        format="json", HTTP_IDEMPOTENCY_KEY="key-2",
    )  # fmt: skip
    assert (retry.status_code, same.status_code) == (201, 200)
    assert retry.json()["order_no"] == same.json()["order_no"]
    conflict = api.post(
        f"{API}/shops/shop-a/orders/", {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address_id},
        format="json", HTTP_IDEMPOTENCY_KEY="key-2",
    )  # fmt: skip
    assert conflict.status_code == 409 and conflict.json()["code"] == "idempotency_conflict"
    sku.refresh_from_db()
    assert sku.stock == 1


def test_my_orders_tabs_cancel_confirm_and_after_sales(api, shop_a, shopper, address_id):
    sku = make_product(shop=shop_a, price_fen=1000, stock=10).skus.get()

    def place():
        body = {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address_id}
        return api.post(f"{API}/shops/shop-a/orders/", body, format="json").json()["order_no"]

    unpaid, shipped = place(), place()
    order = Order.objects.get(order_no=shipped)
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    services.order_ship(shop=shop_a, order_no=shipped, carrier="zto", tracking_no="ZT123456789", actor=None)

    def tab(name):
        return [
            o["order_no"] for o in api.get(f"{API}/shops/shop-a/orders/", {"tab": name}).json()["results"]
        ]

    assert tab("pending_payment") == [unpaid] and tab("to_receive") == [shipped] and tab("to_ship") == []
    assert api.get(f"{API}/shops/shop-a/orders/", {"tab": "nope"}).status_code == 400

    assert api.post(f"{API}/shops/shop-a/orders/{unpaid}/cancel/").json()["status"] == "cancelled"
    response = api.post(f"{API}/shops/shop-a/orders/{shipped}/cancel/")
    assert response.status_code == 409 and response.json()["code"] == "illegal_transition"

    detail = api.get(f"{API}/shops/shop-a/orders/{shipped}/").json()
    assert (
        detail["shipment"]["carrier_name"] == "中通快递"
        and detail["shipment"]["tracking_no"] == "ZT123456789"
    )
    assert [e["type"] for e in detail["timeline"]] == ["placed", "paid", "shipped"]

    line = [{"line_id": detail["lines"][0]["id"], "quantity": 1}]
    after = api.post(
        f"{API}/shops/shop-a/orders/{shipped}/after-sales/",
        {"kind": "return_refund", "reason": "尺码不合适", "amount_fen": 500}, format="json",
    )  # fmt: skip
    assert after.status_code == 400 and after.json()["code"] == "return_lines_required"  # what comes back?
    after = api.post(
        f"{API}/shops/shop-a/orders/{shipped}/after-sales/",
        {"kind": "return_refund", "reason": "尺码不合适", "lines": line, "amount_fen": detail["paid_fen"] + 1},
        format="json",
    )  # fmt: skip
    assert after.status_code == 400 and after.json()["code"] == "refund_amount_invalid"
    after = api.post(
        f"{API}/shops/shop-a/orders/{shipped}/after-sales/",
        {"kind": "return_refund", "reason": "尺码不合适", "lines": line, "amount_fen": 500}, format="json",
    )  # fmt: skip
    assert after.status_code == 201 and after.json()["after_sales"][0]["status"] == "requested"
    assert tab("after_sale") == [shipped]
    assert (
        api.post(f"{API}/shops/shop-a/orders/{shipped}/confirm-receipt/").json()["status"]
        == OrderStatus.COMPLETED
    )


def test_other_shoppers_get_404_on_every_order_route(shop_a, address_id, api):
    sku = make_product(shop=shop_a, stock=5).skus.get()
    order_no = api.post(
        f"{API}/shops/shop-a/orders/", {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address_id},
        format="json",
    ).json()["order_no"]  # fmt: skip
    item = api.post(f"{API}/shops/shop-a/cart/items/", {"sku_id": sku.pk}, format="json").json()["items"][0][
        "id"
    ]
    stranger = APIClient()
    stranger.force_authenticate(ShopperFactory(username="stranger"))
    routes = [
        ("get", f"/shops/shop-a/orders/{order_no}/"),
        ("post", f"/shops/shop-a/orders/{order_no}/cancel/"),
        ("post", f"/shops/shop-a/orders/{order_no}/confirm-receipt/"),
        ("post", f"/shops/shop-a/orders/{order_no}/after-sales/"),
        ("get", f"/addresses/{address_id}/"),
        ("patch", f"/addresses/{address_id}/"),
        ("delete", f"/addresses/{address_id}/"),
        ("patch", f"/shops/shop-a/cart/items/{item}/"),
        ("delete", f"/shops/shop-a/cart/items/{item}/"),
    ]
    body = {"kind": "refund_only", "reason": "x", "amount_fen": 1, "quantity": 1, "recipient": "x"}
    for method, route in routes:
        response = getattr(stranger, method)(f"{API}{route}", body, format="json")
        assert response.status_code == 404, (method, route, response.content)
    assert stranger.get(f"{API}/shops/shop-a/orders/").json()["results"] == []
    assert stranger.get(f"{API}/addresses/").json() == []
    assert Order.objects.get(order_no=order_no).status == OrderStatus.PENDING_PAYMENT
    # the same order through another shop's URL is not found either
    assert api.get(f"{API}/shops/shop-b/orders/{order_no}/").status_code == 404


def test_anonymous_requests_are_refused(db, shop_a):
    client = APIClient()
    for url in ("/shops/shop-a/cart/", "/shops/shop-a/orders/", "/addresses/"):
        response = client.get(f"{API}{url}")
        assert response.status_code in (401, 403) and response.json()["code"] in (
            "not_authenticated",
            "permission_denied",
        )


def test_order_list_queries_do_not_grow(api, shop_a, shopper, address_id, settings):
    settings.WEISHOP_MAX_UNPAID_ORDERS = 50  # twenty unpaid orders of one shopper, on purpose
    sku = make_product(shop=shop_a, stock=500).skus.get()
    counts = []
    for total in (1, 20):
        while Order.objects.filter(user=shopper).count() < total:
            services.order_place(shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=address_id)
        api.get(f"{API}/shops/shop-a/orders/?page_size=50")  # warm the shop lookup cache
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(f"{API}/shops/shop-a/orders/?page_size=50").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    assert SKU.objects.get(pk=sku.pk).stock == 480


def test_order_counts_are_my_badges_per_tab_in_one_query(api, shop_a, shop_b, shopper, address_id):
    sku = make_product(shop=shop_a, price_fen=1000, stock=20).skus.get()

    def place():
        return services.order_place(shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=address_id)

    url = f"{API}/shops/shop-a/orders/counts/"
    assert api.get(url).json() == {"pending_payment": 0, "to_ship": 0, "to_receive": 0, "after_sale": 0}
    place(), place()  # two unpaid
    paid = place()
    services.order_mark_paid(order=paid, amount_fen=paid.total_fen)
    shipped = place()
    services.order_mark_paid(order=shipped, amount_fen=shipped.total_fen)
    services.order_ship(
        shop=shop_a, order_no=shipped.order_no, carrier="zto", tracking_no="ZT123456789", actor=None
    )
    line_id = shipped.lines.get().pk
    response = api.post(
        f"{API}/shops/shop-a/orders/{shipped.order_no}/after-sales/",
        {"kind": "refund_only", "reason": "不想要了", "lines": [{"line_id": line_id, "quantity": 1}]}, format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    # another shopper's orders and another shop's are not counted
    stranger = ShopperFactory(username="stranger")
    address = AddressFactory(user=stranger)
    services.order_place(shop=shop_a, user=stranger, items=[(sku.pk, 1)], address_id=address.pk)
    api.get(url)  # warm the shop lookup cache
    with CaptureQueriesContext(connection) as ctx:
        body = api.get(url).json()
    assert body == {"pending_payment": 2, "to_ship": 1, "to_receive": 1, "after_sale": 1}
    assert len([q for q in ctx.captured_queries if '"orders_order"' in q["sql"]]) == 1
    assert api.get(f"{API}/shops/shop-b/orders/counts/").json()["pending_payment"] == 0
    assert APIClient().get(url).status_code in (401, 403)
