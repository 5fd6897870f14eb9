"""Buying on the H5 pages, as a shopper: cart, login, address, checkout, my orders, after-sales."""

import re

import pytest

from accounts.models import User
from orders import services
from orders.models import AfterSale, Order, OrderStatus
from tests.factories import AddressFactory, ShopperFactory, make_product


@pytest.fixture
def sku(shop_a):
    return make_product(shop=shop_a, title="纯棉T恤", price_fen=5900, stock=5).skus.get()


def test_dev_login_exists_only_in_debug(client, settings, db):
    settings.DEBUG = False
    response = client.post("/accounts/login/", {"username": "someone"})
    page = response.content.decode()
    assert "获取验证码" in page and 'name="username"' not in page  # only the phone login is offered
    assert "_auth_user_id" not in client.session and not User.objects.filter(username="someone").exists()
    settings.DEBUG = True
    response = client.post("/accounts/login/?next=/s/shop-a/orders/", {"username": "someone"})
    assert response.status_code == 302 and response.url == "/s/shop-a/orders/"


def test_dev_login_refuses_open_redirects_and_staff_accounts(client, settings, merchant_a):
    settings.DEBUG = True
    response = client.post("/accounts/login/?next=https://evil.example/", {"username": "visitor"})
    assert response.url == "/"
    response = client.post("/accounts/login/", {"username": merchant_a.username})
    assert response.status_code == 200 and "只能用于顾客账号" in response.content.decode()


def test_anonymous_cart_merges_into_the_account_at_login(client, settings, sku):
    client.post("/s/shop-a/cart/add/", {"sku_id": sku.pk, "quantity": 2})
    assert "纯棉T恤" in client.get("/s/shop-a/cart/").content.decode()
    settings.DEBUG = True
    client.post("/accounts/login/", {"username": "buyer"})
    page = client.get("/s/shop-a/cart/").content.decode()
    assert "纯棉T恤" in page and 'value="2"' in page and "¥118" in page


def test_checkout_needs_login(client, sku):
    client.post("/s/shop-a/cart/add/", {"sku_id": sku.pk})
    response = client.get("/s/shop-a/checkout/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/?next=")


def test_buy_now_place_order_and_follow_it(client, sku, shop_a):
    shopper = ShopperFactory(username="buyer")
    AddressFactory(user=shopper)
    client.force_login(shopper)
    response = client.post("/s/shop-a/cart/add/", {"sku_id": sku.pk, "quantity": 2, "buy_now": "1"})
    assert response.status_code == 302 and "/checkout/?sku=" in response.url
    page = client.get(response.url).content.decode()
    assert "¥118" in page and "提交订单" in page
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    form = {
        "token": token,
        "sku": sku.pk,
        "qty": 2,
        "address_id": shopper.addresses.get().pk,
        "remark": "谢谢",
    }
    response = client.post("/s/shop-a/checkout/", form)
    order = Order.objects.get()
    assert response.url == f"/s/shop-a/orders/{order.order_no}/"
    assert client.post("/s/shop-a/checkout/", form).url == response.url  # a double tap does not buy twice
    assert Order.objects.count() == 1 and order.total_fen >= 11800
    page = client.get(response.url).content.decode()
    assert "待付款" in page and "纯棉T恤" in page and "谢谢" in page and "下单" in page
    assert order.order_no in client.get("/s/shop-a/orders/?tab=pending_payment").content.decode()
    assert order.order_no not in client.get("/s/shop-a/orders/?tab=to_ship").content.decode()

    client.post(response.url, {"action": "cancel"})
    order.refresh_from_db()
    sku.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and sku.stock == 5


def test_address_book_and_validation(client, shop_a):
    client.force_login(ShopperFactory(username="buyer"))
    bad = {
        "action": "add",
        "recipient": "王五",
        "phone": "1234",
        "province_code": "110000",
        "city_code": "110100",
        "district_code": "110105",
        "detail": "x",
    }
    assert "手机号" in client.post("/s/shop-a/addresses/", bad).content.decode()
    good = {**bad, "phone": "13700001111"}
    response = client.post(
        "/s/shop-a/addresses/?next=/s/shop-a/checkout/", {**good, "next": "/s/shop-a/checkout/"}
    )
    assert response.status_code == 302 and response.url.startswith("/s/shop-a/checkout/?address=")
    assert "王五" in client.get("/s/shop-a/addresses/").content.decode()


def test_other_shoppers_orders_are_404(client, sku, shop_a):
    owner = ShopperFactory(username="owner")
    order = services.order_place(
        shop=shop_a, user=owner, items=[(sku.pk, 1)], address_id=AddressFactory(user=owner).pk
    )
    client.force_login(ShopperFactory(username="stranger"))
    for url in (f"/s/shop-a/orders/{order.order_no}/", f"/s/shop-a/orders/{order.order_no}/after-sale/"):
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "cancel"}).status_code == 404
    assert order.order_no not in client.get("/s/shop-a/orders/").content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_after_sale_request_and_confirm_receipt(client, sku, shop_a):
    shopper = ShopperFactory(username="buyer")
    order = services.order_place(
        shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=AddressFactory(user=shopper).pk
    )
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    services.order_ship(
        shop=shop_a, order_no=order.order_no, carrier="sf", tracking_no="SF5555555", actor=None
    )
    client.force_login(shopper)
    page = client.get(f"/s/shop-a/orders/{order.order_no}/").content.decode()
    assert "SF5555555" in page and "确认收货" in page and "申请售后" in page
    line = order.lines.get()
    response = client.post(
        f"/s/shop-a/orders/{order.order_no}/after-sale/",
        {"kind": "return_refund", "amount_fen": "10.00", "reason": "尺码偏小"},
    )
    assert response.status_code == 200 and "退货退款请选择要寄回的商品和数量。" in response.content.decode()
    response = client.post(
        f"/s/shop-a/orders/{order.order_no}/after-sale/",
        {"kind": "return_refund", "amount_fen": "10.00", "reason": "尺码偏小", f"line_{line.pk}": "on",
         f"qty_{line.pk}": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    after_sale = AfterSale.objects.get()
    assert (after_sale.amount_fen, after_sale.kind) == (1000, "return_refund")
    page = client.get(f"/s/shop-a/orders/{order.order_no}/").content.decode()
    assert "尺码偏小" in page and "待处理" in page
    client.post(f"/s/shop-a/orders/{order.order_no}/", {"action": "confirm"})
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED


def test_my_orders_page_queries_do_not_grow(client, sku, shop_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    shopper = ShopperFactory(username="buyer")
    address = AddressFactory(user=shopper)
    client.force_login(shopper)
    counts = []
    for total in (1, 4):
        while Order.objects.filter(user=shopper).count() < total:
            services.order_place(shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=address.pk)
        client.get("/s/shop-a/orders/")
        with CaptureQueriesContext(connection) as ctx:
            client.get("/s/shop-a/orders/")
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
