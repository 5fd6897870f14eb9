"""Paying for real through the wechatpayv3 client against the local simulator (live server):
prepay, the payment sheet, the signed notification, and the query path."""

from datetime import timedelta

import pytest

from devtools.wechatpay_sim.models import SimulatedTransaction
from orders import services as order_services
from orders.models import OrderStatus
from payments import services
from payments.models import PaymentAttempt
from payments.wechat import provider as wechat
from tests.factories import AddressFactory, ShopperFactory, make_product

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def simulated(settings, live_server, pay_config):
    settings.WECHATPAY_SIMULATOR = True
    settings.WECHATPAY_SIMULATOR_URL = f"{live_server.url}/wechatpay-sim"
    return live_server


@pytest.fixture
def order(shop_a):
    user = ShopperFactory(username="payer")
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    return order_services.order_place(
        shop=shop_a, user=user, items=[(sku.pk, 1)], address_id=AddressFactory(user=user).pk
    )


@pytest.mark.parametrize("scene", ["jsapi", "native", "h5", "miniprogram"])
def test_prepay_in_every_scene(simulated, order, scene):
    attempt = services.payment_start(order=order, scene=scene, notify_url=f"{simulated.url}/payments/wechat/notify/shop-a/",
                                     openid="o-test", client_ip="1.2.3.4")  # fmt: skip
    assert attempt.status == PaymentAttempt.Status.PENDING and attempt.amount_fen == order.total_fen
    if scene in ("jsapi", "miniprogram"):
        assert attempt.prepay_id.startswith("wx")
    elif scene == "native":  # the simulator's code is its own sheet, where WeChat's is weixin://…
        assert attempt.code_url.startswith(f"{simulated.url}/wechatpay-sim/pay/wx")
    else:  # H5: the merchant appends &redirect_url=…
        assert attempt.h5_url.startswith("/wechatpay-sim/pay/wx") and "?prepay_id=" in attempt.h5_url
    again = services.payment_start(order=order, scene=scene, notify_url="http://unused/", openid="o-test")
    assert again.pk == attempt.pk  # no second prepay for the same scene


def test_client_invoke_parameters_are_signed_with_the_merchant_key(pay_config):
    from payments.wechat import crypto

    params = wechat.client_invoke_params(pay_config, appid=pay_config.appid, prepay_id="wx123")
    message = (
        f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n".encode()
    )
    public = crypto.load_private_key(pay_config.merchant_private_key).public_key()
    assert params["signType"] == "RSA" and params["package"] == "prepay_id=wx123"
    assert crypto.verify(public, message, params["paySign"])


def test_sheet_confirm_sends_a_notification_that_marks_the_order_paid(simulated, order, client):
    attempt = services.payment_start(order=order, scene="jsapi", notify_url=f"{simulated.url}/payments/wechat/notify/shop-a/",
                                     openid="o-test")  # fmt: skip
    import requests

    page = requests.get(f"{simulated.url}/wechatpay-sim/pay/{attempt.prepay_id}/", timeout=10)
    assert page.status_code == 200 and "确认支付" in page.text
    csrf = page.cookies["csrftoken"]
    requests.post(
        f"{simulated.url}/wechatpay-sim/pay/{attempt.prepay_id}/", data={"action": "pay", "csrfmiddlewaretoken": csrf},
        cookies={"csrftoken": csrf}, headers={"Referer": simulated.url}, timeout=10,
    )  # fmt: skip
    order.refresh_from_db()
    attempt.refresh_from_db()
    assert order.status == OrderStatus.PAID and attempt.status == PaymentAttempt.Status.SUCCEEDED
    assert order.events.filter(type="paid").count() == 1


def pay_on_sheet(base_url: str, prepay_id: str) -> None:
    import requests

    page = requests.get(f"{base_url}/wechatpay-sim/pay/{prepay_id}/", timeout=10)
    csrf = page.cookies["csrftoken"]
    requests.post(
        f"{base_url}/wechatpay-sim/pay/{prepay_id}/", data={"action": "pay", "csrfmiddlewaretoken": csrf},
        cookies={"csrftoken": csrf}, headers={"Referer": base_url}, timeout=10,
    )  # fmt: skip


def test_a_payment_arriving_after_cancellation_is_refunded(simulated, order):
    from payments.models import Refund

    attempt = services.payment_start(order=order, scene="jsapi", notify_url=f"{simulated.url}/payments/wechat/notify/shop-a/",
                                     openid="o-test")  # fmt: skip
    order_services.order_cancel(order=order, actor=None, actor_kind="system", reason="超时未支付")
    pay_on_sheet(simulated.url, attempt.prepay_id)  # the shopper still had the sheet open
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    refund = Refund.objects.get(order=order)
    assert refund.status == Refund.Status.SUCCEEDED and refund.amount_fen == attempt.amount_fen
    assert (
        SimulatedTransaction.objects.get(out_trade_no=attempt.out_trade_no).refunded_fen == attempt.amount_fen
    )


def test_query_path_finds_a_payment_whose_notification_was_lost(simulated, order):
    attempt = services.payment_start(
        order=order, scene="native", notify_url="http://127.0.0.1:9/lost/", openid=""
    )
    SimulatedTransaction.objects.filter(out_trade_no=attempt.out_trade_no).update(
        trade_state="SUCCESS", transaction_id="4200000001"
    )
    from django.utils import timezone

    SimulatedTransaction.objects.filter(out_trade_no=attempt.out_trade_no).update(success_time=timezone.now())
    assert services.payment_refresh(order=order) is True
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_a_tampered_simulator_response_is_refused(simulated, pay_config, order, settings):
    """The client verifies WeChat's response signature: a platform key we don't trust fails."""
    from payments.wechat import crypto

    attempt = services.payment_start(
        order=order, scene="native", notify_url="http://127.0.0.1:9/x/", openid=""
    )
    pay_config.platform_public_key = crypto.public_pem(crypto.new_private_key().public_key())
    pay_config.save()
    with pytest.raises(Exception, match="signature"):
        wechat.query(config=pay_config, out_trade_no=attempt.out_trade_no)


def test_after_sale_refund_result_comes_from_the_refund_notification(simulated, order):
    from orders.models import AfterSale, OrderEvent
    from payments.models import Refund

    attempt = services.payment_start(order=order, scene="jsapi", notify_url=f"{simulated.url}/payments/wechat/notify/shop-a/",
                                     openid="o-test")  # fmt: skip
    pay_on_sheet(simulated.url, attempt.prepay_id)
    order.refresh_from_db()
    request = order_services.after_sale_request(
        order=order, user=order.user, kind="refund_only", reason="不想要了", amount_fen=1000
    )
    order_services.after_sale_approve(shop=order.shop, after_sale_no=request.after_sale_no, actor=None)
    request.refresh_from_db()
    order.refresh_from_db()
    refund = Refund.objects.get(after_sale=request)
    assert (
        refund.status == Refund.Status.SUCCEEDED
        and refund.provider == "wechat"
        and refund.provider_refund_id.startswith("5030")
    )
    assert request.status == AfterSale.Status.REFUNDED and order.refunded_fen == 1000
    assert order.events.filter(type=OrderEvent.Type.REFUNDED).count() == 1
    assert SimulatedTransaction.objects.get(out_trade_no=attempt.out_trade_no).refunded_fen == 1000


def test_jobs_close_abandoned_payments_and_reconcile_lost_ones(simulated, order, shop_a):
    from django.utils import timezone

    attempt = services.payment_start(
        order=order, scene="native", notify_url="http://127.0.0.1:9/lost/", openid=""
    )
    order_services.order_cancel(order=order, actor=None, actor_kind="system", reason="超时")
    assert services.payments_close_abandoned() == 1
    assert SimulatedTransaction.objects.get(out_trade_no=attempt.out_trade_no).trade_state == "CLOSED"

    user = ShopperFactory(username="second")
    sku = make_product(shop=shop_a, title="另一件", stock=3).skus.get()
    other = order_services.order_place(
        shop=shop_a, user=user, items=[(sku.pk, 1)], address_id=AddressFactory(user=user).pk
    )
    lost = services.payment_start(
        order=other, scene="native", notify_url="http://127.0.0.1:9/lost/", openid=""
    )
    SimulatedTransaction.objects.filter(out_trade_no=lost.out_trade_no).update(
        trade_state="SUCCESS", transaction_id="4200000002", success_time=timezone.now()
    )
    PaymentAttempt.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert services.payments_reconcile() == 1
    other.refresh_from_db()
    assert other.status == OrderStatus.PAID


def test_mini_program_gets_request_payment_parameters(simulated, order):
    from rest_framework.test import APIClient

    from payments.models import WeChatPayConfig
    from payments.wechat import crypto

    api = APIClient()
    api.force_authenticate(order.user)
    response = api.post(
        f"/api/v1/shops/shop-a/orders/{order.order_no}/payment/", {"scene": "miniprogram"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    params = body["request_payment"]
    config = WeChatPayConfig.objects.get()
    assert params["appId"] == config.miniprogram_appid and params["package"].startswith("prepay_id=wx")
    message = (
        f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n".encode()
    )
    assert crypto.verify(
        crypto.load_private_key(config.merchant_private_key).public_key(), message, params["paySign"]
    )
    assert body["amount_fen"] == order.total_fen
    order_services.order_cancel(order=order, actor=None, actor_kind="system")
    again = api.post(
        f"/api/v1/shops/shop-a/orders/{order.order_no}/payment/", {"scene": "native"}, format="json"
    )
    assert again.status_code == 409 and again.json()["code"] == "order_not_payable"


DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36"
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
)
WECHAT = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.47"


@pytest.mark.parametrize(("agent", "scene"), [(DESKTOP, "native"), (PHONE, "h5"), (WECHAT, "jsapi")])
def test_pay_page_picks_the_scene_from_the_browser(simulated, order, client, agent, scene):
    """The pay page speaks WeChat Pay's protocol whatever the account's mode; the simulator answers
    with its own sheet: the Native code is a link to it, H5 redirects to it, and inside WeChat the
    page's WeixinJSBridge (the simulator's, playing WeChat's browser) opens it."""
    client.force_login(order.user)
    page = client.get(f"/s/shop-a/orders/{order.order_no}/pay/", HTTP_USER_AGENT=agent)
    assert PaymentAttempt.objects.get(order=order).scene == scene
    if scene == "h5":
        assert page.status_code == 302 and page["Location"].startswith("/wechatpay-sim/pay/wx")
        assert "&redirect_url=http%3A//testserver/s/shop-a/orders/" in page["Location"]
        return
    html = page.content.decode()
    assert page.status_code == 200
    assert ("<svg" in html) == (scene == "native")  # desktops get a QR code to scan
    if scene == "native":
        assert 'id="pay-now" href="http://' in html and "/wechatpay-sim/pay/" in html
    else:
        assert 'id="pay-params"' in html and "prepay_id=wx" in html
        assert '<script src="/wechatpay-sim/bridge.js" defer></script>' in html


def test_the_sheet_returns_the_shopper_to_the_merchant(simulated, order, client):
    """Like WeChat, the sheet leads back to the merchant: H5's redirect_url (this site only), else
    the order the transaction pays."""
    attempt = services.payment_start(order=order, scene="jsapi", notify_url="http://unused/", openid="o-test")
    sheet = f"/wechatpay-sim/pay/{attempt.prepay_id}/"
    order_page = f"/s/shop-a/orders/{order.order_no}/"
    SimulatedTransaction.objects.filter(prepay_id=attempt.prepay_id).update(trade_state="SUCCESS")
    assert f'href="{order_page}"' in client.get(sheet).content.decode()
    back = client.get(sheet, {"redirect_url": f"http://testserver{order_page}?from=h5"}).content.decode()
    assert f'href="http://testserver{order_page}?from=h5"' in back
    elsewhere = client.get(sheet, {"redirect_url": "https://evil.example/"}).content.decode()
    assert "evil.example" not in elsewhere and f'href="{order_page}"' in elsewhere


def test_qr_page_status_turns_paid_by_itself(simulated, order, client):
    client.force_login(order.user)
    client.get(f"/s/shop-a/orders/{order.order_no}/pay/", HTTP_USER_AGENT=DESKTOP)
    status_url = f"/s/shop-a/orders/{order.order_no}/pay/status/"
    assert client.get(status_url).json() == {"paid": False}
    attempt = PaymentAttempt.objects.get(order=order)
    pay_on_sheet(simulated.url, SimulatedTransaction.objects.get(out_trade_no=attempt.out_trade_no).prepay_id)
    assert client.get(status_url).json() == {"paid": True}


def test_someone_elses_order_cannot_be_paid_here(simulated, order, client):
    client.force_login(ShopperFactory(username="stranger"))
    assert client.get(f"/s/shop-a/orders/{order.order_no}/pay/").status_code == 404
    assert not PaymentAttempt.objects.exists()


def _request_payment(api, order) -> dict:
    response = api.post(
        f"/api/v1/shops/shop-a/orders/{order.order_no}/payment/", {"scene": "miniprogram"}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["request_payment"]


def test_the_phone_pays_what_the_api_signed_and_nothing_else(simulated, order, client, settings):
    """``wx.requestPayment`` played by the simulator (``device/pay``, used by the mini-program's
    end-to-end test): a tampered signature, another appid or a cancel moves no money; the genuine
    parameters pay once and the verified notification turns the order paid."""
    from rest_framework.test import APIClient

    settings.PUBLIC_URL = simulated.url  # WeChat's notification reaches this server
    api = APIClient()
    api.force_authenticate(order.user)
    params = _request_payment(api, order)
    device = "/wechatpay-sim/device/pay"

    def pay(body: dict) -> str:
        return client.post(device, body, content_type="application/json").json()["errMsg"]

    assert (
        pay({**params, "paySign": params["paySign"][:-4] + "AAAA"})
        == "requestPayment:fail paySign does not verify"
    )
    assert pay({**params, "appId": "wx8888888888888888"}).startswith("requestPayment:fail appId")
    assert pay({**params, "package": "prepay_id=wxnope"}) == "requestPayment:fail prepay_id is unknown"
    assert pay({**params, "action": "cancel"}) == "requestPayment:fail cancel"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert SimulatedTransaction.objects.get().trade_state == "NOTPAY"

    assert pay(params) == "requestPayment:ok"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert pay(params) == "requestPayment:fail the order is not payable"  # a second tap pays nothing
    assert SimulatedTransaction.objects.get().trade_state == "SUCCESS"
