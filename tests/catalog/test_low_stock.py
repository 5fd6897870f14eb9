"""Low-stock alerts (docs/after-sales.md#low-stock-alerts): an order taking a SKU to its threshold
or below makes one alert and one message to the shop's staff, not again until the merchant refills
above it; a merchant's own edit never alerts; the check costs the order path no query unless a
SKU crossed, and a constant number when any did."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import services as catalog_services
from catalog.models import LowStockAlert, StaffNotice, StockSettings
from orders import services as order_services
from tests.factories import AddressFactory, ShopperFactory, make_product


@pytest.fixture
def buyer(db):
    return AddressFactory(user=ShopperFactory(username="lowstock-buyer"))


def buy(shop, buyer, sku, quantity=1):
    return order_services.order_place(
        shop=shop, user=buyer.user, items=[(sku.pk, quantity)], address_id=buyer.pk
    )


def sku_with(shop, *, stock, threshold=None, title="保温杯"):
    sku = make_product(shop=shop, title=title, stock=stock).skus.get()
    if threshold is not None:
        sku = catalog_services.sku_update(sku=sku, low_stock_threshold=threshold)
    return sku


def test_crossing_by_an_order_makes_one_alert_and_one_message(shop_a, buyer):
    sku = sku_with(shop_a, stock=8, threshold=5)
    buy(shop_a, buyer, sku, 2)  # 8 -> 6: above
    assert not LowStockAlert.objects.exists()
    buy(shop_a, buyer, sku, 2)  # 6 -> 4: crossed
    alert = LowStockAlert.objects.get()
    assert (alert.shop_id, alert.sku_id, alert.stock, alert.threshold, alert.resolved_at) == (
        shop_a.pk,
        sku.pk,
        4,
        5,
        None,
    )
    notice = StaffNotice.objects.get()
    assert notice.shop_id == shop_a.pk and notice.kind == "low_stock"
    assert "仅剩 4 件" in notice.title and "保温杯" in notice.title
    assert notice.link == reverse("admin:catalog_lowstockalert_changelist") + "?open=1"
    buy(shop_a, buyer, sku, 1)  # 4 -> 3: still below, no new alert nor message
    assert LowStockAlert.objects.count() == 1 and StaffNotice.objects.count() == 1


def test_not_again_until_refilled_above_the_threshold(shop_a, buyer):
    sku = sku_with(shop_a, stock=6, threshold=5)
    buy(shop_a, buyer, sku)  # 6 -> 5: at the threshold counts
    alert = LowStockAlert.objects.get()
    catalog_services.sku_update(sku=sku, stock=5)  # a refill to the threshold is not above it
    alert.refresh_from_db()
    assert alert.resolved_at is None
    order = buy(shop_a, buyer, sku)
    order_services.order_cancel(
        order=order, actor=buyer.user, actor_kind="shopper"
    )  # stock back to 5: not a refill
    assert LowStockAlert.objects.filter(resolved_at__isnull=True).count() == 1
    catalog_services.sku_update(sku=sku, stock=20)  # the merchant refills
    alert.refresh_from_db()
    assert alert.resolved_at is not None and alert.resolved_stock == 20
    catalog_services.sku_update(sku=sku, stock=6)  # a merchant's own cut never alerts
    assert LowStockAlert.objects.count() == 1
    buy(shop_a, buyer, sku)  # 6 -> 5 by an order: a new alert
    assert LowStockAlert.objects.count() == 2
    assert LowStockAlert.objects.filter(resolved_at__isnull=True).count() == 1
    assert StaffNotice.objects.filter(kind="low_stock").count() == 2


def test_the_shop_default_and_the_sku_override(shop_a, buyer):
    uses_default = sku_with(shop_a, stock=12, title="默认值")
    own = sku_with(shop_a, stock=12, threshold=2, title="单独设置")
    off = sku_with(shop_a, stock=12, threshold=0, title="不提醒")
    catalog_services.stock_settings_save(shop=shop_a, low_stock_threshold=10)
    for sku in (uses_default, own, off):
        buy(shop_a, buyer, sku, 3)  # 12 -> 9
    assert list(LowStockAlert.objects.values_list("sku_id", "threshold")) == [(uses_default.pk, 10)]
    buy(shop_a, buyer, own, 7)  # 9 -> 2
    assert set(LowStockAlert.objects.values_list("sku_id", "threshold")) == {
        (uses_default.pk, 10),
        (own.pk, 2),
    }


def test_without_settings_the_default_is_five(shop_a, buyer):
    assert not StockSettings.objects.filter(shop=shop_a).exists()
    sku = sku_with(shop_a, stock=7)
    buy(shop_a, buyer, sku, 2)
    assert LowStockAlert.objects.get().threshold == 5


def test_lowering_the_threshold_below_the_stock_resolves_the_alert(shop_a, buyer):
    sku = sku_with(shop_a, stock=6, threshold=5)
    buy(shop_a, buyer, sku, 2)
    catalog_services.sku_update(sku=sku, low_stock_threshold=3)  # 4 > 3
    assert LowStockAlert.objects.get().resolved_at is not None


def test_bulk_refill_resolves(shop_a, buyer):
    sku = sku_with(shop_a, stock=6, threshold=5)
    buy(shop_a, buyer, sku, 3)
    catalog_services.skus_bulk_update(shop=shop_a, sku_ids=[sku.pk], stock_delta=10)
    assert LowStockAlert.objects.get().resolved_at is not None


def test_the_check_adds_no_query_unless_a_sku_crossed_and_a_constant_when_many_did(shop_a, buyer):
    def count(skus, quantity):
        with CaptureQueriesContext(connection) as ctx:
            order_services.order_place(
                shop=shop_a, user=buyer.user, items=[(s.pk, quantity) for s in skus], address_id=buyer.pk
            )
        return len(ctx.captured_queries)

    def skus(n, label):
        return [sku_with(shop_a, stock=20, title=f"{label}{i}") for i in range(n)]

    catalog_services.stock_settings_save(shop=shop_a, low_stock_threshold=5)
    one, three = skus(1, "甲"), skus(3, "乙")
    count(skus(1, "热"), 1)  # the shopper's first order in the shop does once-only work (a customer profile)
    quiet_one, quiet_three = count(one, 1), count(three, 1)  # 20 -> 19: nothing crossed
    crossed_one, crossed_three = skus(1, "丙"), skus(3, "丁")
    loud_one, loud_three = count(crossed_one, 16), count(crossed_three, 16)  # 20 -> 4: crossed
    assert LowStockAlert.objects.count() == 4
    # with nothing crossed the reservation is the same single statement per SKU as before
    assert quiet_three - quiet_one == loud_three - loud_one
    assert loud_one - quiet_one <= 4  # open alerts, the SKUs' names, the alerts, the messages


def test_a_merchant_never_sees_another_shops_alerts(client, shop_a, shop_b, merchant_b, buyer):
    sku = sku_with(shop_a, stock=6, threshold=5)
    buy(shop_a, buyer, sku, 3)
    client.force_login(merchant_b)
    response = client.get(reverse("admin:catalog_lowstockalert_changelist"))
    assert response.status_code == 200 and list(response.context["cl"].result_list) == []
    response = client.get(reverse("admin:catalog_staffnotice_changelist"))
    assert list(response.context["cl"].result_list) == []


def test_the_low_stock_list_and_refill_from_admin(client, shop_a, merchant_a, buyer):
    sku = sku_with(shop_a, stock=6, threshold=5)
    buy(shop_a, buyer, sku, 3)
    client.force_login(merchant_a)
    page = client.get(reverse("admin:catalog_lowstockalert_changelist"), {"open": "1"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "待补货" in body and reverse("admin:catalog_sku_change", args=[sku.pk]) in body
    # the merchant refills on the SKU's page, with its own threshold on the same form
    change = reverse("admin:catalog_sku_change", args=[sku.pk])
    form = client.get(change)
    assert 'name="low_stock_threshold"' in form.content.decode()
    response = client.post(
        change, {"code": "", "price_fen": "59.00", "stock": "30", "low_stock_threshold": "5", "is_active": "on",
                 "image": ""},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    alert = LowStockAlert.objects.get()
    assert alert.resolved_at is not None and alert.resolved_stock == 30
    # the message is in the inbox, and opening it marks it read
    notice = StaffNotice.objects.get()
    assert client.get(reverse("admin:catalog_staffnotice_change", args=[notice.pk])).status_code == 200
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_the_shop_default_is_one_settings_row_in_admin(client, shop_a, merchant_a):
    client.force_login(merchant_a)
    add = reverse("admin:catalog_stocksettings_add")
    response = client.post(add, {"low_stock_threshold": "8"})
    assert response.status_code == 302
    assert StockSettings.objects.get(shop=shop_a).low_stock_threshold == 8
    response = client.post(add, {"low_stock_threshold": "-1"})
    assert StockSettings.objects.get(shop=shop_a).low_stock_threshold == 8
