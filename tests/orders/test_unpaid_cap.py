"""A shopper may hold only a few unpaid orders in a shop at once: an unpaid order holds its stock
until it expires, so without a cap one account could hold a whole stock (or a flash sale) with
orders it never pays."""

from __future__ import annotations

import pytest

from catalog.models import SKU
from core.errors import ApplicationError
from orders import services
from orders.models import Order, OrderStatus
from tests.concurrency import run_at_once
from tests.factories import AddressFactory, make_product

pytestmark = pytest.mark.django_db


def _place(shop, address, sku):
    return services.order_place(shop=shop, user=address.user, items=[(sku.pk, 1)], address_id=address.pk)


def test_the_sixth_unpaid_order_is_refused_and_reserves_nothing(shop_a, shop_b):
    address = AddressFactory()
    sku = make_product(shop=shop_a, stock=50).skus.get()
    orders = [_place(shop_a, address, sku) for _ in range(5)]
    with pytest.raises(ApplicationError) as refused:
        _place(shop_a, address, sku)
    assert (refused.value.code, refused.value.http_status) == ("too_many_unpaid_orders", 409)
    assert "5 笔待付款订单" in refused.value.message
    assert Order.objects.filter(user=address.user).count() == 5
    assert SKU.objects.get(pk=sku.pk).stock == 45
    # another shop counts on its own; a cancelled (or paid) order frees a place
    _place(shop_b, address, make_product(shop=shop_b, stock=5).skus.get())
    services.order_cancel(order=orders[0], actor=address.user, actor_kind="shopper")
    assert _place(shop_a, address, sku).status == OrderStatus.PENDING_PAYMENT


def test_the_cap_is_a_setting(shop_a, settings):
    settings.WEISHOP_MAX_UNPAID_ORDERS = 1
    address = AddressFactory()
    sku = make_product(shop=shop_a, stock=5).skus.get()
    _place(shop_a, address, sku)
    with pytest.raises(ApplicationError, match="1 笔待付款订单"):
        _place(shop_a, address, sku)


def test_the_api_answers_409_with_the_code(client, shop_a, settings):
    settings.WEISHOP_MAX_UNPAID_ORDERS = 1
    address = AddressFactory()
    sku = make_product(shop=shop_a, stock=5).skus.get()
    _place(shop_a, address, sku)
    client.force_login(address.user)
    response = client.post(
        "/api/v1/shops/shop-a/orders/",
        {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address.pk},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "too_many_unpaid_orders"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_of_one_shopper_stop_at_the_cap(shop_a):
    address = AddressFactory()
    sku = make_product(shop=shop_a, stock=50).skus.get()
    results = run_at_once(_place, [(shop_a, address, sku)] * 12)
    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(placed) == 5 and len(refused) == 7, results
    assert {r.code for r in refused} == {"too_many_unpaid_orders"}
    assert Order.objects.filter(user=address.user).count() == 5
    assert SKU.objects.get(pk=sku.pk).stock == 45
