"""WeChat Pay failing in every way we know of — an answer signed by a key we do not trust (a wrong or
rotated platform key), a timeout, a refused connection, an answer that is not JSON — is the
documented ``503 payment_provider_unavailable`` on the API, a Chinese error on the pay page, and a
reason the merchant can read on the WeChat Pay config page. Never a 500."""

from __future__ import annotations

import socket

import pytest
from rest_framework.test import APIClient

from devtools.wechatpay_sim.models import SimulatedTransaction
from orders import services as order_services
from orders.models import AfterSale, OrderStatus
from payments import services
from payments.models import PaymentAttempt, Refund, WeChatPayConfig
from tests.factories import AddressFactory, ShopperFactory, make_product
from tests.payments.test_pay_flow import pay_on_sheet

pytestmark = pytest.mark.django_db(transaction=True)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def simulated(settings, live_server, pay_config):
    settings.WECHATPAY_SIMULATOR = True
    settings.WECHATPAY_SIMULATOR_URL = f"{live_server.url}/wechatpay-sim"
    settings.WECHATPAY_SIMULATOR_FAULT = ""
    return live_server


@pytest.fixture
def order(shop_a):
    user = ShopperFactory(username="payer")
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    return order_services.order_place(
        shop=shop_a, user=user, items=[(sku.pk, 1)], address_id=AddressFactory(user=user).pk
    )


def break_wechat(settings, simulated, how: str) -> str:
    """Make the simulator (WeChat's side) fail in one way; returns what the merchant should read."""
    if how == "refused":
        settings.WECHATPAY_SIMULATOR_URL = f"http://127.0.0.1:{closed_port()}/wechatpay-sim"
        return "无法连接微信支付"
    if how == "timeout":
        settings.WECHATPAY_TIMEOUT = (3, 0.5)
        settings.WECHATPAY_SIMULATOR_DELAY = 2
        settings.WECHATPAY_SIMULATOR_FAULT = "slow"
        return "没有应答"
    settings.WECHATPAY_SIMULATOR_FAULT = how
    return "签名无法验证" if how == "wrong_key" else "应答无法识别"


FAILURES = ["wrong_key", "timeout", "refused", "html", "bad_gateway"]


@pytest.mark.parametrize("how", FAILURES)
def test_payment_api_answers_503_and_the_merchant_sees_why(
    simulated, order, settings, how, merchant_a, client
):
    expected = break_wechat(settings, simulated, how)
    api = APIClient()
    api.force_authenticate(order.user)
    response = api.post(
        f"/api/v1/shops/shop-a/orders/{order.order_no}/payment/", {"scene": "miniprogram"}, format="json"
    )
    assert response.status_code == 503, response.content
    body = response.json()
    assert body["code"] == "payment_provider_unavailable" and "微信支付暂时不可用" in body["message"]
    config = WeChatPayConfig.objects.get()
    assert expected in config.last_error and config.last_error_at is not None
    # the merchant reads it on the config page in admin
    client.force_login(merchant_a)
    page = client.get(f"/admin/payments/wechatpayconfig/{config.pk}/change/")
    assert page.status_code == 200 and expected in page.content.decode()
    # nothing half-made: trying again once WeChat is back works, on the same attempt
    settings.WECHATPAY_SIMULATOR_FAULT = ""
    settings.WECHATPAY_SIMULATOR_URL = f"{simulated.url}/wechatpay-sim"
    again = api.post(
        f"/api/v1/shops/shop-a/orders/{order.order_no}/payment/", {"scene": "miniprogram"}, format="json"
    )
    assert again.status_code == 200 and PaymentAttempt.objects.count() == 1


@pytest.mark.parametrize("how", FAILURES)
def test_pay_page_shows_a_chinese_error(simulated, order, settings, how, client):
    break_wechat(settings, simulated, how)
    client.force_login(order.user)
    page = client.get(f"/s/shop-a/orders/{order.order_no}/pay/")
    assert page.status_code == 503
    assert "微信支付暂时不可用，请稍后再试。" in page.content.decode()


@pytest.mark.parametrize("how", ["wrong_key", "refused", "html"])
def test_qr_status_poll_keeps_answering_while_wechat_is_down(simulated, order, settings, how, client):
    client.force_login(order.user)
    assert client.get(f"/s/shop-a/orders/{order.order_no}/pay/").status_code == 200  # a QR code
    break_wechat(settings, simulated, how)
    response = client.get(f"/s/shop-a/orders/{order.order_no}/pay/status/")
    assert response.status_code == 200 and response.json() == {"paid": False}


def test_jobs_survive_an_untrusted_answer(simulated, order, settings):
    """Reconcile and close-abandoned go on to the next payment: no crash, nothing changed."""
    from datetime import timedelta

    from django.utils import timezone

    attempt = services.payment_start(order=order, scene="native", notify_url="http://127.0.0.1:9/lost/")
    PaymentAttempt.objects.filter(pk=attempt.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    settings.WECHATPAY_SIMULATOR_FAULT = "wrong_key"
    assert services.payments_reconcile() == 0
    order_services.order_cancel(order=order, actor=None, actor_kind="system", reason="超时")
    assert services.payments_close_abandoned() == 0
    attempt.refresh_from_db()
    assert attempt.status == PaymentAttempt.Status.PENDING


def test_refund_whose_answer_times_out_after_the_notification_stays_succeeded(simulated, order, settings):
    """WeChat's refund notification arrives (settling it), then our request times out: the
    refund, the after-sale and the order stay refunded."""
    attempt = services.payment_start(
        order=order,
        scene="jsapi",
        notify_url=f"{simulated.url}/payments/wechat/notify/shop-a/",
        openid="o-test",
    )
    pay_on_sheet(simulated.url, attempt.prepay_id)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    request = order_services.after_sale_request(
        order=order, user=order.user, kind="refund_only", reason="不想要了", amount_fen=order.total_fen
    )
    break_wechat(settings, simulated, "timeout")
    order_services.after_sale_approve(shop=order.shop, after_sale_no=request.after_sale_no, actor=None)
    refund = Refund.objects.get(after_sale=request)
    assert refund.status == Refund.Status.SUCCEEDED and refund.failure_reason == ""
    request.refresh_from_db()
    order.refresh_from_db()
    assert request.status == AfterSale.Status.REFUNDED and order.status == OrderStatus.CLOSED
    assert SimulatedTransaction.objects.get(out_trade_no=attempt.out_trade_no).refunded_fen == order.total_fen


def test_refund_that_cannot_reach_wechat_waits_instead_of_failing(simulated, order, settings):
    attempt = services.payment_start(
        order=order,
        scene="jsapi",
        notify_url=f"{simulated.url}/payments/wechat/notify/shop-a/",
        openid="o-test",
    )
    pay_on_sheet(simulated.url, attempt.prepay_id)
    request = order_services.after_sale_request(
        order=order, user=order.user, kind="refund_only", reason="不想要了", amount_fen=1000
    )
    break_wechat(settings, simulated, "refused")
    order_services.after_sale_approve(shop=order.shop, after_sale_no=request.after_sale_no, actor=None)
    refund = Refund.objects.get(after_sale=request)
    request.refresh_from_db()
    assert refund.status == Refund.Status.PROCESSING and request.status == AfterSale.Status.REFUNDING
    assert "无法连接微信支付" in refund.events.get(to_status=Refund.Status.PROCESSING).data["detail"]
    # WeChat is back: the reconcile job asks, learns WeChat never got it, and sends it again
    from datetime import timedelta

    from django.utils import timezone

    settings.WECHATPAY_SIMULATOR_URL = f"{simulated.url}/wechatpay-sim"
    Refund.objects.filter(pk=refund.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    services.payments_reconcile()
    refund.refresh_from_db()
    request.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED and request.status == AfterSale.Status.REFUNDED
    assert SimulatedTransaction.objects.get(out_trade_no=attempt.out_trade_no).refunded_fen == 1000
    services.payments_reconcile()  # again: nothing more is refunded
    assert SimulatedTransaction.objects.get(out_trade_no=attempt.out_trade_no).refunded_fen == 1000


def test_refund_result_is_sent_to_our_public_notify_url(simulated, order, settings):
    """The payment's own notification went astray; the refund names our notify URL itself, so
    its result still arrives."""
    from django.utils import timezone

    settings.PUBLIC_URL = simulated.url
    attempt = services.payment_start(order=order, scene="native", notify_url="http://127.0.0.1:9/lost/")
    SimulatedTransaction.objects.filter(out_trade_no=attempt.out_trade_no).update(
        trade_state="SUCCESS", transaction_id="4200000077", success_time=timezone.now()
    )
    assert services.payment_refresh(order=order) is True
    request = order_services.after_sale_request(
        order=order, user=order.user, kind="refund_only", reason="不想要了", amount_fen=1000
    )
    order_services.after_sale_approve(shop=order.shop, after_sale_no=request.after_sale_no, actor=None)
    refund = Refund.objects.get(after_sale=request)
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.events.get(to_status=Refund.Status.SUCCEEDED).actor_kind == "provider"
