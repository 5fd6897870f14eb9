"""The merchant's order desk in admin."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from orders import services
from orders.models import AfterSale, Order, OrderStatus
from tests.factories import AddressFactory, make_paid_order, make_product


@pytest.fixture
def merchant(client, merchant_a):
    client.force_login(merchant_a)
    return client


def paid_order(shop, phone="13812345678"):
    return make_paid_order(shop=shop, phone=phone, stock=20, title=f"商品{Order.objects.count()}")


def test_list_masks_phones_and_searches_by_phone_and_number(merchant, shop_a):
    order = paid_order(shop_a, phone="13812345678")
    page = merchant.get("/admin/orders/order/").content.decode()
    assert "138****5678" in page and "13812345678" not in page
    for q in (order.order_no, "13812345678"):
        result = merchant.get("/admin/orders/order/", {"q": q}).context["cl"].result_list
        assert [o.pk for o in result] == [order.pk]


def test_ship_one_order(merchant, shop_a):
    order = paid_order(shop_a)
    assert "发货" in merchant.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    response = merchant.post(
        f"/admin/orders/order/{order.pk}/ship/", {"carrier": "sf", "tracking_no": "SF1234567"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED and order.shipment.tracking_no == "SF1234567"
    response = merchant.post(
        f"/admin/orders/order/{order.pk}/ship/", {"carrier": "sf", "tracking_no": "SF7654321"}
    )
    assert response.status_code == 200 and "不能变为" in response.content.decode()  # shipped already


def test_ship_many_from_csv_with_a_per_row_report(merchant, shop_a, shop_b):
    a1, a2 = paid_order(shop_a), paid_order(shop_a)
    unpaid_address = AddressFactory()
    sku = make_product(shop=shop_a, stock=5, title="未付").skus.get()
    unpaid = services.order_place(
        shop=shop_a, user=unpaid_address.user, items=[(sku.pk, 1)], address_id=unpaid_address.pk
    )
    foreign = paid_order(shop_b)
    text = "\n".join([
        "订单号,快递公司,运单号",
        f"{a1.order_no},顺丰,SF100001",
        f"{a2.order_no},火星快递,X1",
        f"{unpaid.order_no},中通,ZT100002",
        f"{foreign.order_no},zto,ZT100003",
        "123,sf",
    ])  # fmt: skip
    upload = SimpleUploadedFile("ship.csv", text.encode("gbk"), content_type="text/csv")
    response = merchant.post("/admin/orders/order/ship-csv/", {"file": upload})
    report = response.context["report"]
    assert [(r["order_no"], r["ok"]) for r in report] == [
        (a1.order_no, True), (a2.order_no, False), (unpaid.order_no, False), (foreign.order_no, False), ("123", False),
    ]  # fmt: skip
    assert "火星快递" in report[1]["message"] and report[3]["message"] == "订单不存在"
    a1.refresh_from_db()
    foreign.refresh_from_db()
    assert a1.status == OrderStatus.SHIPPED and foreign.status == OrderStatus.PAID


def test_manual_tracking_event_marks_delivered(merchant, shop_a):
    order = paid_order(shop_a)
    services.order_ship(
        shop=shop_a, order_no=order.order_no, carrier="yto", tracking_no="YT123456", actor=None
    )
    merchant.post(
        f"/admin/orders/order/{order.pk}/tracking/",
        {
            "occurred_at": "2026-11-25 10:00:00",
            "description": "已签收",
            "location": "上海",
            "is_signed": "on",
        },
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert order.events.filter(type="tracking").exists()


def test_after_sales_queue_approve_and_reject(merchant, shop_a):
    order = paid_order(shop_a)
    first = services.after_sale_request(
        order=order, user=order.user, kind="refund_only", reason="少件", amount_fen=100
    )
    merchant.post("/admin/orders/aftersale/", {"action": "approve", "_selected_action": [first.pk]})
    first.refresh_from_db()
    order.refresh_from_db()
    assert first.status == AfterSale.Status.REFUNDED and order.refunded_fen == 100
    assert order.events.filter(type="refunded").exists()

    second = services.after_sale_request(
        order=order, user=order.user, kind="refund_only", reason="还是不要", amount_fen=50
    )
    page = merchant.post("/admin/orders/aftersale/", {"action": "reject", "_selected_action": [second.pk]})
    assert "拒绝原因" in page.content.decode()
    merchant.post(
        "/admin/orders/aftersale/",
        {"action": "reject", "_selected_action": [second.pk], "apply": "1", "reason": "商品已正常发出"},
    )
    second.refresh_from_db()
    assert second.status == AfterSale.Status.REJECTED and second.reject_reason == "商品已正常发出"


def test_export_masks_phone_numbers(merchant, shop_a):
    order = paid_order(shop_a, phone="13912345678")
    response = merchant.post("/admin/orders/order/", {"action": "export_csv", "_selected_action": [order.pk]})
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "订单号" and rows[1][0] == order.order_no
    assert "139****5678" in text and "13912345678" not in text


def test_region_fees_in_yuan(merchant, shop_a):
    merchant.post("/admin/orders/shippingregionfee/add/", {"province_code": "650000", "fee_fen": "20.00"})
    fee = shop_a.region_fees.get()
    assert fee.fee_fen == 2000 and fee.shop == shop_a
    assert (fee.province_code, fee.province) == ("650000", "新疆维吾尔自治区")


def test_region_fees_pick_the_province_from_the_list_in_chinese(merchant, shop_a):
    from orders.models import ShippingRegionFee

    page = merchant.get("/admin/orders/shippingregionfee/add/").content.decode()
    assert '<option value="650000">新疆维吾尔自治区</option>' in page
    assert '<option value="540000">西藏自治区</option>' in page
    typed = merchant.post(
        "/admin/orders/shippingregionfee/add/", {"province_code": "新疆", "fee_fen": "20.00"}
    )
    assert typed.status_code == 200 and not shop_a.region_fees.exists()  # only a listed province
    merchant.post("/admin/orders/shippingregionfee/add/", {"province_code": "650000", "fee_fen": "20.00"})
    again = merchant.post(
        "/admin/orders/shippingregionfee/add/", {"province_code": "650000", "fee_fen": "9.00"}
    )
    assert again.status_code == 200 and shop_a.region_fees.count() == 1  # one fee per province
    # a row migrated from a name that matched no province says so in the list
    ShippingRegionFee.objects.create(shop=shop_a, province="新彊", fee_fen=900)
    listing = merchant.get("/admin/orders/shippingregionfee/").content.decode()
    assert "新疆维吾尔自治区" in listing and "新彊（未匹配到省份，请重新选择）" in listing


def test_orders_cannot_be_added_or_deleted(merchant, shop_a):
    order = paid_order(shop_a)
    assert merchant.get("/admin/orders/order/add/").status_code == 403
    merchant.post(f"/admin/orders/order/{order.pk}/delete/", {"post": "yes"})
    assert Order.objects.filter(pk=order.pk).exists()


def test_ship_csv_knows_carriers_by_the_names_merchants_write(merchant, shop_a):
    """Same class as the province fees: a carrier written 顺丰快递 or ＳＦ (full width) is the one
    in the list, not an unknown name."""
    orders = [paid_order(shop_a) for _ in range(5)]
    names = ["顺丰快递", "韵达速递", "京东快递", "ＳＦ", " 中通 "]
    text = "\n".join(
        f"{o.order_no},{name},SF10000{n}" for n, (o, name) in enumerate(zip(orders, names, strict=True))
    )
    upload = SimpleUploadedFile("ship.csv", text.encode("utf-8"), content_type="text/csv")
    report = merchant.post("/admin/orders/order/ship-csv/", {"file": upload}).context["report"]
    assert [r["ok"] for r in report] == [True] * 5, report
    carriers = [Order.objects.get(pk=o.pk).shipment.carrier for o in orders]
    assert carriers == ["sf", "yunda", "jd", "sf", "zto"]
