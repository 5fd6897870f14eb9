"""A WeChat Pay notification is believed only when everything checks out, and only once."""

import json

import pytest
from django.db import connection

from devtools.wechatpay_sim import keys as simulator
from orders.models import OrderEvent, OrderStatus
from payments.models import PaymentAttempt, PaymentNotification, Refund, WeChatPayConfig
from payments.wechat import crypto
from tests.devtools import hooks
from tests.payments.conftest import APIV3_KEY

URL = "/payments/wechat/notify/shop-a/"


def post(client, headers, body):
    extra = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    return client.post(URL, body, content_type="application/json", **extra)


def nothing_changed(attempt):
    attempt.refresh_from_db()
    attempt.order.refresh_from_db()
    return (
        attempt.status == PaymentAttempt.Status.PENDING
        and attempt.order.status == OrderStatus.PENDING_PAYMENT
        and not attempt.order.events.filter(type=OrderEvent.Type.PAID).exists()
    )


@pytest.mark.parametrize("use_certificate", [False, True], ids=["public-key mode", "certificate mode"])
def test_valid_notification_marks_the_order_paid(client, attempt, pay_config, use_certificate):
    headers, body = simulator.notification(
        pay_config, hooks.transaction_resource(attempt, pay_config), use_certificate=use_certificate
    )
    response = post(client, headers, body)
    assert response.status_code == 204 and response.content == b""
    attempt.refresh_from_db()
    order = attempt.order
    order.refresh_from_db()
    assert attempt.status == PaymentAttempt.Status.SUCCEEDED and attempt.transaction_id.startswith("4200")
    assert order.status == OrderStatus.PAID and order.paid_fen == order.total_fen
    assert order.events.filter(type=OrderEvent.Type.PAID).count() == 1


def forged(pay_config, attempt):
    headers, body = simulator.notification(pay_config, hooks.transaction_resource(attempt, pay_config))
    other = crypto.new_private_key()
    headers["Wechatpay-Signature"] = crypto.sign(
        other,
        crypto.callback_message(headers["Wechatpay-Timestamp"], headers["Wechatpay-Nonce"], body).decode(),
    )
    return headers, body


def replayed(pay_config, attempt):
    import time

    return simulator.notification(
        pay_config, hooks.transaction_resource(attempt, pay_config), timestamp=int(time.time()) - 301
    )


def wrong_amount(pay_config, attempt):
    resource = hooks.transaction_resource(attempt, pay_config)
    resource["amount"]["total"] = attempt.amount_fen - 1
    return simulator.notification(pay_config, resource)


def unknown_order(pay_config, attempt):
    return simulator.notification(
        pay_config, hooks.transaction_resource(attempt, pay_config, out_trade_no="NOSUCHORDER01")
    )


def wrong_mchid(pay_config, attempt):
    return simulator.notification(
        pay_config, hooks.transaction_resource(attempt, pay_config, mchid="1234567890")
    )


def wrong_appid(pay_config, attempt):
    return simulator.notification(pay_config, hooks.transaction_resource(attempt, pay_config, appid="wxevil"))


def not_success(pay_config, attempt):
    return simulator.notification(
        pay_config, hooks.transaction_resource(attempt, pay_config, trade_state="NOTPAY")
    )


def malformed(pay_config, attempt):
    body = b'{"id": "x", "resource": "not an object"'
    return simulator.signed_headers(body), body


def wrong_apiv3_key(pay_config, attempt):
    other = WeChatPayConfig(mchid=pay_config.mchid, appid=pay_config.appid, apiv3_key="v" * 32)
    return simulator.notification(other, hooks.transaction_resource(attempt, pay_config))


def missing_header(pay_config, attempt):
    headers, body = simulator.notification(pay_config, hooks.transaction_resource(attempt, pay_config))
    del headers["Wechatpay-Signature"]
    return headers, body


def unknown_serial(pay_config, attempt):
    headers, body = simulator.notification(pay_config, hooks.transaction_resource(attempt, pay_config))
    headers["Wechatpay-Serial"] = "PUB_KEY_ID_0000000000000000000000000000NOPE"
    return headers, body


def unexpected_event(pay_config, attempt):
    return simulator.notification(
        pay_config, hooks.transaction_resource(attempt, pay_config), event_type="TRANSACTION.CLOSED"
    )


@pytest.mark.parametrize(
    ("make", "status"),
    [
        (forged, 401), (replayed, 401), (wrong_amount, 400), (unknown_order, 404), (wrong_mchid, 400),
        (wrong_appid, 400), (not_success, 400), (malformed, 400), (wrong_apiv3_key, 400), (missing_header, 401),
        (unknown_serial, 401), (unexpected_event, 400),
    ],
)  # fmt: skip
def test_untrustworthy_notifications_are_refused_and_change_nothing(
    client, attempt, pay_config, make, status
):
    headers, body = make(pay_config, attempt)
    response = post(client, headers, body)
    assert response.status_code == status
    assert response.json()["code"] == "FAIL" and response.json()["message"]
    assert nothing_changed(attempt)
    assert not PaymentNotification.objects.exists()


def test_sixteen_deliveries_mark_paid_once(client, attempt, pay_config):
    headers, body = simulator.notification(pay_config, hooks.transaction_resource(attempt, pay_config))
    for _ in range(16):
        assert post(client, headers, body).status_code == 204
    attempt.order.refresh_from_db()
    assert attempt.order.events.filter(type=OrderEvent.Type.PAID).count() == 1
    assert PaymentAttempt.objects.filter(status=PaymentAttempt.Status.SUCCEEDED).count() == 1
    assert PaymentNotification.objects.count() == 1


def test_a_second_notification_for_a_paid_order_changes_nothing(client, attempt, pay_config):
    resource = hooks.transaction_resource(attempt, pay_config)
    for _ in range(2):  # two different notification ids for the same transaction
        assert post(client, *simulator.notification(pay_config, resource)).status_code == 204
    attempt.order.refresh_from_db()
    assert attempt.order.events.filter(type=OrderEvent.Type.PAID).count() == 1


def test_payment_for_a_cancelled_order_starts_a_refund(client, attempt, pay_config):
    """(The refund itself goes through the simulator: tests/payments/test_pay_flow.py.)"""
    from orders.services import order_cancel

    order_cancel(order=attempt.order, actor=None, actor_kind="system", reason="超时")
    headers, body = simulator.notification(pay_config, hooks.transaction_resource(attempt, pay_config))
    assert post(client, headers, body).status_code == 204
    attempt.order.refresh_from_db()
    assert attempt.order.status == OrderStatus.CANCELLED and attempt.order.paid_fen == 0
    refund = Refund.objects.get(order=attempt.order)
    assert refund.amount_fen == attempt.amount_fen and refund.after_sale is None
    assert attempt.order.events.filter(type=OrderEvent.Type.NOTE, message__contains="退回").exists()


def test_secrets_are_encrypted_at_rest(pay_config):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT apiv3_key, merchant_private_key FROM payments_wechatpayconfig WHERE id = %s",
            [pay_config.pk],
        )
        apiv3, private = cursor.fetchone()
    assert apiv3.startswith("fernet:") and APIV3_KEY not in apiv3
    assert "PRIVATE KEY" not in private
    assert WeChatPayConfig.objects.get(pk=pay_config.pk).apiv3_key == APIV3_KEY


def test_notification_body_is_what_wechat_sends(pay_config, attempt):
    headers, body = simulator.notification(pay_config, hooks.transaction_resource(attempt, pay_config))
    envelope = json.loads(body)
    assert set(envelope) == {"id", "create_time", "event_type", "resource_type", "summary", "resource"}
    assert envelope["resource"]["algorithm"] == "AEAD_AES_256_GCM"
    assert set(headers) >= {
        "Wechatpay-Timestamp",
        "Wechatpay-Nonce",
        "Wechatpay-Signature",
        "Wechatpay-Serial",
    }


def test_a_superscript_timestamp_is_refused_not_crashing(client, attempt, pay_config):
    headers, body = simulator.notification(pay_config, hooks.transaction_resource(attempt, pay_config))
    headers["Wechatpay-Timestamp"] = "²"
    assert post(client, headers, body).status_code == 401
    assert nothing_changed(attempt)


@pytest.mark.parametrize(
    "header",
    [
        "Wechatpay-Timestamp",
        "Wechatpay-Nonce",
        "Wechatpay-Signature",
        "Wechatpay-Serial",
        "Wechatpay-Signature-Type",
    ],
)
@pytest.mark.parametrize("event", ["payment", "refund"])
def test_every_header_wechat_sends_is_required(client, attempt, pay_config, header, event):
    """A notification missing any of WeChat's headers (Signature-Type too) is a 401 that changes
    nothing, for payments and refunds alike (they share the path)."""
    if event == "payment":
        resource = hooks.transaction_resource(attempt, pay_config)
        headers, body = simulator.notification(pay_config, resource)
    else:
        resource = {"mchid": pay_config.mchid, "out_trade_no": attempt.out_trade_no, "out_refund_no": "R1",
                    "refund_status": "SUCCESS", "amount": {"refund": 1, "total": attempt.amount_fen}}  # fmt: skip
        headers, body = simulator.notification(pay_config, resource, event_type="REFUND.SUCCESS")
    del headers[header]
    response = post(client, headers, body)
    assert response.status_code == 401
    assert response.json()["code"] == "FAIL" and header in response.json()["message"]
    assert nothing_changed(attempt)
    assert not PaymentNotification.objects.exists() and not Refund.objects.exists()


@pytest.mark.parametrize("value", ["WECHATPAY2-SHA256-RSA1024", "wechatpay2-sha256-rsa2048", " ", "NONE"])
def test_a_wrong_signature_type_is_refused(client, attempt, pay_config, value):
    headers, body = simulator.notification(pay_config, hooks.transaction_resource(attempt, pay_config))
    headers["Wechatpay-Signature-Type"] = value
    response = post(client, headers, body)
    assert response.status_code == 401 and response.json()["code"] == "FAIL"
    assert nothing_changed(attempt) and not PaymentNotification.objects.exists()
