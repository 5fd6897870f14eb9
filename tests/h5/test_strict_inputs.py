"""H5 forms and query strings take ASCII whole numbers only: "５", "٣", "1_0", " 2 ", "1.0" are
refused with a Chinese message, never read as a number or replaced by a default that would be wrong
(another address, another quantity)."""

import pytest

from orders import services
from orders.models import CartItem, Order
from tests.factories import AddressFactory, ShopperFactory, make_product

BAD = ["５", "٣", "1_0", " 2 ", "1.0", "2.5", "true", "abc", "-1", "0x10", "1e1", "9" * 30]


@pytest.fixture
def sku(shop_a):
    return make_product(shop=shop_a, title="纯棉T恤", price_fen=5900, stock=50).skus.get()


@pytest.fixture
def shopper(client, db):
    user = ShopperFactory(username="buyer")
    client.force_login(user)
    return user


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.mark.parametrize("value", BAD)
def test_cart_add_refuses_odd_numbers(client, shopper, sku, value):
    response = client.post("/s/shop-a/cart/add/", {"sku_id": sku.pk, "quantity": value}, follow=True)
    assert "数量" in messages_of(response) and "整数" in messages_of(response)
    response = client.post("/s/shop-a/cart/add/", {"sku_id": value, "quantity": 1}, follow=True)
    assert "商品" in messages_of(response)
    assert not CartItem.objects.exists()


def test_cart_add_without_a_quantity_adds_one(client, shopper, sku):
    client.post("/s/shop-a/cart/add/", {"sku_id": sku.pk})
    assert CartItem.objects.get().quantity == 1


@pytest.mark.parametrize("value", [*BAD, ""])
def test_cart_update_refuses_odd_numbers(client, shopper, sku, value):
    client.post("/s/shop-a/cart/add/", {"sku_id": sku.pk, "quantity": 3})
    item = CartItem.objects.get()
    response = client.post(f"/s/shop-a/cart/items/{item.pk}/", {"quantity": value}, follow=True)
    assert "整数" in messages_of(response) or "数量" in messages_of(response)
    assert CartItem.objects.get().quantity == 3


@pytest.mark.parametrize("value", BAD)
def test_buy_now_refuses_odd_numbers(client, shopper, sku, value):
    AddressFactory(user=shopper)
    response = client.get("/s/shop-a/checkout/", {"sku": sku.pk, "qty": value}, follow=True)
    assert "整数" in messages_of(response)
    assert "提交订单" not in response.content.decode()
    response = client.get("/s/shop-a/checkout/", {"sku": value, "qty": 1}, follow=True)
    assert "提交订单" not in response.content.decode()


@pytest.mark.parametrize("value", BAD)
def test_checkout_never_sends_to_another_address(client, shopper, sku, value):
    AddressFactory(user=shopper)  # the default address: a wrong guess for a mistyped id
    form = {"token": "t" * 32, "sku": sku.pk, "qty": 1, "address_id": value}
    response = client.post("/s/shop-a/checkout/", form, follow=True)
    assert "地址" in messages_of(response)
    assert not Order.objects.exists()


@pytest.mark.parametrize("value", BAD)
def test_address_actions_refuse_odd_ids(client, shop_a, shopper, value):
    address = AddressFactory(user=shopper)
    response = client.post("/s/shop-a/addresses/", {"action": "delete", "address_id": value})
    assert response.status_code == 200 and "地址" in response.content.decode()
    assert shopper.addresses.filter(pk=address.pk).exists()


@pytest.mark.parametrize("value", BAD)
def test_list_pages_refuse_odd_page_numbers(client, db, shop_a, value):
    make_product(shop=shop_a, title="纯棉T恤")
    category = shop_a.categories.create(name="上衣")
    for url in (f"/s/shop-a/c/{category.pk}/", "/s/shop-a/search/"):
        response = client.get(url, {"q": "T恤", "page": value})
        assert response.status_code == 404, (url, value)
        assert "页码" in response.content.decode()


def test_list_pages_still_page(client, db, shop_a):
    make_product(shop=shop_a, title="纯棉T恤")
    for page in ("1", "2", "99"):  # past the end: the last page, as before
        response = client.get("/s/shop-a/search/", {"q": "T恤", "page": page})
        assert response.status_code == 200 and "纯棉T恤" in response.content.decode()
    assert client.get("/s/shop-a/search/", {"q": "T恤"}).status_code == 200


def test_a_cart_line_past_the_cap_is_refused_in_h5(client, shopper, sku):
    services.cart_add(
        cart=services.cart_get(shop=sku.shop, user=shopper, create=True), sku_id=sku.pk, quantity=30
    )
    response = client.post("/s/shop-a/cart/add/", {"sku_id": sku.pk, "quantity": 980}, follow=True)
    assert "999" in messages_of(response)
    assert CartItem.objects.get().quantity == 30


@pytest.mark.parametrize("value", ["５", "٣", "1_0", "1e1", "0x10", "10.5.1", "١٠.٠٠"])
def test_money_fields_take_ascii_yuan_only(value):
    from core.money import YuanFormField

    field = YuanFormField()
    with pytest.raises(Exception) as exc:
        field.clean(value)
    assert exc.value.__class__.__name__ == "ValidationError"
    assert field.clean("10.50") == 1050 and field.clean("3") == 300


@pytest.mark.parametrize("value", ["５", "1_0", "1e1"])
def test_after_sale_amount_refuses_odd_numbers(client, shopper, sku, value):
    from orders.models import AfterSale

    order = services.order_place(
        shop=sku.shop, user=shopper, items=[(sku.pk, 1)], address_id=AddressFactory(user=shopper).pk
    )
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    response = client.post(
        f"/s/shop-a/orders/{order.order_no}/after-sale/",
        {"kind": "refund_only", "amount_fen": value, "reason": "不想要了"},
    )
    assert response.status_code == 200 and not AfterSale.objects.exists()
