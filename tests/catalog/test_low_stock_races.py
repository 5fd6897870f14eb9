"""Low-stock alerts under real concurrency (PostgreSQL, one connection per thread): ten orders
taking a SKU across its threshold at once give exactly one alert and one message."""

from __future__ import annotations

import pytest

from catalog import services as catalog_services
from catalog.models import SKU, LowStockAlert, StaffNotice
from core.errors import ApplicationError
from orders import services as order_services
from orders.models import Order
from tests.concurrency import run_at_once
from tests.factories import AddressFactory, ShopperFactory, make_product

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _buyers(n: int, prefix: str):
    return [AddressFactory(user=ShopperFactory(username=f"{prefix}{i}")) for i in range(n)]


def _buy(shop, sku, quantity):
    def buy(address):
        return order_services.order_place(
            shop=shop, user=address.user, items=[(sku.pk, quantity)], address_id=address.pk
        )

    return buy


def test_ten_orders_crossing_at_once_make_one_alert(shop_a):
    sku = make_product(shop=shop_a, title="爆款", stock=14).skus.get()
    sku = catalog_services.sku_update(sku=sku, low_stock_threshold=10)
    results = run_at_once(_buy(shop_a, sku, 1), [(a,) for a in _buyers(10, "lsr")])
    assert all(isinstance(r, Order) for r in results), results
    assert SKU.objects.get(pk=sku.pk).stock == 4
    alert = LowStockAlert.objects.get()  # exactly one, made by the order that took 11 to 10
    assert (alert.sku_id, alert.stock, alert.threshold, alert.resolved_at) == (sku.pk, 10, 10, None)
    assert StaffNotice.objects.filter(kind="low_stock").count() == 1


def test_ten_orders_each_crossing_from_above_make_one_alert(shop_a):
    """Every order would cross on its own (6 units, threshold 5, each buys 2): the ones that get
    stock see it only after the one before them committed, so one alert, the others sold out."""
    sku = make_product(shop=shop_a, title="限量款", stock=6).skus.get()
    sku = catalog_services.sku_update(sku=sku, low_stock_threshold=5)
    results = run_at_once(_buy(shop_a, sku, 2), [(a,) for a in _buyers(10, "lsx")])
    orders = [r for r in results if isinstance(r, Order)]
    assert len(orders) == 3
    assert {r.code for r in results if isinstance(r, ApplicationError)} == {"out_of_stock"}
    assert LowStockAlert.objects.count() == 1 and LowStockAlert.objects.get().stock == 4
    assert StaffNotice.objects.filter(kind="low_stock").count() == 1


def test_a_refill_racing_orders_leaves_at_most_one_open_alert(shop_a):
    sku = make_product(shop=shop_a, title="补货款", stock=12).skus.get()
    sku = catalog_services.sku_update(sku=sku, low_stock_threshold=10)

    def act(kind, address):
        if kind == "refill":
            return catalog_services.skus_bulk_update(shop=shop_a, sku_ids=[sku.pk], stock_delta=20)
        return _buy(shop_a, sku, 1)(address)

    buyers = _buyers(8, "lsy")
    results = run_at_once(
        act, [("order", a) for a in buyers[:4]] + [("refill", None)] + [("order", a) for a in buyers[4:]]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert LowStockAlert.objects.filter(resolved_at__isnull=True).count() <= 1
    stock = SKU.objects.get(pk=sku.pk).stock
    assert stock == 12 + 20 - 8
