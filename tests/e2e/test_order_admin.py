"""The order page in admin, in a browser: payments' inlines (added through orders.admin's port)
sit between the order's lines and its after-sales, as before the port."""

from __future__ import annotations

from payments.models import PaymentAttempt, Refund
from tests.e2e.conftest import screenshot
from tests.factories import make_paid_order


def test_order_admin_page_shows_payment_attempts_and_refunds(
    browser, live_server, shop_a, merchant_a
) -> None:
    order = make_paid_order(shop=shop_a, phone="13812345678", stock=20, title="条纹衬衫")
    PaymentAttempt.objects.create(shop=shop_a, order=order, out_trade_no=f"{order.order_no}P01", scene="jsapi",
                                  amount_fen=order.total_fen, status="succeeded", transaction_id="4200000123")  # fmt: skip
    Refund.objects.create(shop=shop_a, order=order, provider="wechat", amount_fen=100, status="succeeded")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "merchant_a")
    page.fill("#id_password", "pass12345")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    groups = page.locator(".inline-group").evaluate_all("nodes => nodes.map(n => n.id)")
    assert groups == [
        "lines-group",
        "discounts-group",
        "payments-group",
        "refunds-group",
        "after_sales-group",
        "events-group",
    ]
    assert "4200000123" in page.inner_text("#payments-group")
    assert "退款成功" in page.inner_text("#refunds-group")
    screenshot(page, "admin-order-page")
    context.close()
