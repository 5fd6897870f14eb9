"""Reconciling WeChat's daily trade bill with our records."""

import re
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from payments.bill import bill_reconcile
from payments.models import PaymentAttempt

HEADER = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"


def row(no: str, yuan: str, state: str = "SUCCESS", mchid: str = "1900000109") -> str:
    day = timezone.localdate().isoformat()
    values = [f"{day} 10:00:00", "wx8888888888888888", mchid, "0", "", "4200000001", no, "o-x", "JSAPI", state, "OTHERS",
              "CNY", yuan, "0.00", "0", "0", "0.00", "0.00", "", "", "商品", "", "0.01", "0.60%", yuan, "0.00", ""]  # fmt: skip
    return ",".join(f"`{v}" for v in values)


def bill(*rows: str) -> str:
    return "\n".join([HEADER, *rows, "总交易单数,应结订单总金额", "`1,`59.00"]) + "\n"


def test_reconcile_reports_every_kind_of_difference(attempt, pay_config):
    paid_ok = attempt
    PaymentAttempt.objects.filter(pk=paid_ok.pk).update(status="succeeded", paid_at=timezone.now())
    pending = PaymentAttempt.objects.create(
        shop=attempt.shop, order=attempt.order, out_trade_no="PENDING01", scene="native", amount_fen=100
    )
    wrong = PaymentAttempt.objects.create(shop=attempt.shop, order=attempt.order, out_trade_no="WRONG0001", scene="native",
                                          amount_fen=200, status="succeeded", paid_at=timezone.now())  # fmt: skip
    ours_only = PaymentAttempt.objects.create(shop=attempt.shop, order=attempt.order, out_trade_no="OURSONLY1", scene="h5",
                                              amount_fen=300, status="succeeded", paid_at=timezone.now())  # fmt: skip
    text = bill(
        row(paid_ok.out_trade_no, f"{paid_ok.amount_fen / 100:.2f}"),
        row(pending.out_trade_no, "1.00"),
        row(wrong.out_trade_no, "2.50"),
        row("STRANGER1", "9.99"),
        row("CLOSED001", "1.00", state="CLOSED"),
        row("OTHERMCH1", "1.00", mchid="1999999999"),
    )
    report = bill_reconcile(shop=attempt.shop, text=text, mchid=pay_config.mchid)
    kinds = {(p["kind"], p["out_trade_no"]) for p in report.problems}
    assert kinds == {
        ("not_marked_paid", "PENDING01"), ("amount_mismatch", "WRONG0001"), ("missing_locally", "STRANGER1"),
        ("missing_in_bill", ours_only.out_trade_no),
    }  # fmt: skip
    assert report.matched == 1 and report.rows == 6


def test_command_reads_gbk_bills(attempt, pay_config, tmp_path):
    path = tmp_path / "bill.csv"
    path.write_bytes(bill(row("STRANGER1", "9.99")).encode("gbk"))
    out = StringIO()
    call_command("import_wechat_bill", "shop-a", str(path), stdout=out)
    assert "missing_locally" in out.getvalue() and "problems=1" in out.getvalue()


def test_merchant_uploads_the_bill_in_admin(client, merchant_a, attempt, pay_config):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(merchant_a)
    assert "导入微信对账单" in client.get("/admin/payments/paymentattempt/").content.decode()
    upload = SimpleUploadedFile("bill.csv", bill(row("STRANGER1", "9.99")).encode())
    page = client.post("/admin/payments/paymentattempt/bill/", {"file": upload}).content.decode()
    assert "STRANGER1" in page and "本店没有这笔支付记录" in page
    assert "本店无记录" in page and "missing_locally" not in page  # the kind of problem, in Chinese


def test_an_unreadable_bill_is_a_chinese_error(client, merchant_a, pay_config):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(merchant_a)
    for content in ("订单号,金额\n1,2\n".encode(), b"\xff\xfe\x00\x81\xfe"):
        upload = SimpleUploadedFile("bill.csv", content)
        response = client.post("/admin/payments/paymentattempt/bill/", {"file": upload})
        errors = response.context["form"].errors["file"]
        assert errors and all(re.match(r"[\u4e00-\u9fff]", e) for e in errors), errors


def test_with_several_merchant_accounts_the_bill_is_checked_against_the_one_chosen(
    client, operator, attempt, pay_config, shop_b
):
    """An operator (or a merchant of two shops) sees every account: the page asks which one the bill
    is of, instead of checking it against whichever account comes first."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from payments.models import WeChatPayConfig

    other = WeChatPayConfig.objects.get(shop=shop_b)
    client.force_login(operator)
    form_page = client.get("/admin/payments/paymentattempt/bill/").content.decode()
    assert "微信支付商户" in form_page and pay_config.mchid in form_page and other.mchid in form_page
    assert "店铺尚未配置微信支付" not in form_page

    def upload() -> SimpleUploadedFile:
        return SimpleUploadedFile("bill.csv", bill(row("STRANGER1", "9.99")).encode())

    unchosen = client.post("/admin/payments/paymentattempt/bill/", {"file": upload()}).content.decode()
    assert "该字段是必填项" in unchosen and "STRANGER1" not in unchosen
    chosen = client.post(
        "/admin/payments/paymentattempt/bill/", {"file": upload(), "config": pay_config.pk}
    ).content.decode()
    assert "STRANGER1" in chosen and "本店没有这笔支付记录" in chosen
