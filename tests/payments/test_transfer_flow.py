"""商家转账 end to end against the WeChat Pay simulator on a live server: the real wechatpayv3
client, our real signature checks both ways, the payee's confirmation, notifications (twice, forged,
replayed), cancellation, and every way a send can go wrong — never a second bill, never a transfer
failed while WeChat may still pay it."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.db.models import F
from django.test import Client
from django.utils import timezone

from devtools.wechatpay_sim import keys as simulator
from devtools.wechatpay_sim.models import SimulatedTransfer
from payments import transfers
from payments.models import PaymentNotification, Transfer, WeChatPayConfig
from payments.wechat import crypto
from tests.devtools import hooks
from tests.payments.test_notifications import post

T = Transfer.State
pytestmark = pytest.mark.django_db(transaction=True)


def pay(shop, **overrides) -> Transfer:
    kwargs = {
        "shop": shop, "openid": "o-promoter", "amount_fen": 1250, "remark": "推广佣金提现",
        "reference": "withdrawal:7",
    }  # fmt: skip
    kwargs.update(overrides)
    with transaction.atomic():  # as distribution does: inside the approval's transaction
        transfer = transfers.transfer_create(**kwargs)
    transfer.refresh_from_db()
    return transfer


def bill(transfer) -> SimulatedTransfer:
    return SimulatedTransfer.objects.get(out_bill_no=transfer.out_bill_no)


def sync_now(transfer) -> int:
    """The job, as if the transfer had been quiet for long enough."""
    Transfer.objects.filter(pk=transfer.pk).update(
        checked_at=timezone.now() - timedelta(hours=1), created_at=F("created_at") - timedelta(minutes=5)
    )
    return transfers.transfers_sync()


def test_pay_confirm_and_settle(transfers_simulated, shop_a, transfer_config, transfer_results):
    transfer = pay(shop_a)
    # sent after commit: WeChat waits for the payee, who is shown what their client needs
    assert transfer.state == T.WAITING and transfer.wechat_state == "WAIT_USER_CONFIRM"
    assert transfer.transfer_bill_no.startswith("1330") and transfer.send_count == 1
    wechat = bill(transfer)
    assert (wechat.amount_fen, wechat.openid, wechat.scene_id, wechat.remark) == (
        1250,
        "o-promoter",
        "1005",
        "推广佣金提现",
    )
    params = transfers.transfer_confirm_params(transfer=transfer).for_client()
    assert params == {"mchId": "1900000109", "appId": transfer_config.appid, "package": wechat.package_info}
    # the payee confirms on WeChat's page (what requestMerchantTransfer opens)
    page = Client().get("/wechatpay-sim/transfer/", {"package": params["package"], "back": "/s/shop-a/"})
    assert (
        page.status_code == 200 and "确认收款" in page.content.decode() and "¥12.50" in page.content.decode()
    )
    query = urlencode({"package": params["package"], "back": "/s/shop-a/"})
    done = Client().post(f"/wechatpay-sim/transfer/?{query}", {"action": "confirm"})
    assert "已存入零钱" in done.content.decode()
    transfer.refresh_from_db()
    assert transfer.state == T.SUCCEEDED and transfer.finished_at is not None  # by the notification
    assert transfer_results == [(T.SUCCEEDED, "withdrawal:7")]
    assert PaymentNotification.objects.get().outcome == "transfer_succeeded"
    # the payee's client comes back and we ask: nothing changes, nothing is announced again
    assert transfers.transfer_query(transfer=transfer).state == T.SUCCEEDED
    assert transfer_results == [(T.SUCCEEDED, "withdrawal:7")]


def test_a_transfer_wechat_fails_is_failed_once(transfers_simulated, shop_a, transfer_results):
    transfer = pay(shop_a)
    hooks.fail_next_transfer("1900000109", "DAY_RECEIVED_QUOTA_EXCEED")
    hooks.confirm_transfer(transfer.out_bill_no)
    transfer.refresh_from_db()
    assert transfer.state == T.FAILED and transfer.fail_reason == "超过收款用户单日收款额度"
    assert transfer_results == [(T.FAILED, "withdrawal:7")]


def test_the_same_notification_twice_and_a_query_after_it(
    transfers_simulated, shop_a, transfer_config, transfer_results, client
):
    transfer = pay(shop_a)
    resource = hooks.transfer_resource(transfer, transfer_config, state="SUCCESS")
    headers, body = simulator.notification(transfer_config, resource, event_type="MCHTRANSFER.BILL.FINISHED")
    assert post(client, headers, body).status_code == 204
    assert post(client, headers, body).status_code == 204  # WeChat retries: answered, not applied
    # the same result under another notification id (WeChat's next retry)
    headers, body = simulator.notification(transfer_config, resource, event_type="MCHTRANSFER.BILL.FINISHED")
    assert post(client, headers, body).status_code == 204
    transfer.refresh_from_db()
    assert transfer.state == T.SUCCEEDED and transfer_results == [(T.SUCCEEDED, "withdrawal:7")]
    assert transfer.events.filter(to_state=T.SUCCEEDED).count() == 1
    assert sorted(PaymentNotification.objects.values_list("outcome", flat=True)) == [
        "transfer_succeeded", "transfer_unchanged",
    ]  # fmt: skip


def forged(config, resource):
    headers, body = simulator.notification(config, resource, event_type="MCHTRANSFER.BILL.FINISHED")
    message = crypto.callback_message(
        headers["Wechatpay-Timestamp"], headers["Wechatpay-Nonce"], body
    ).decode()
    headers["Wechatpay-Signature"] = crypto.sign(crypto.new_private_key(), message)
    return headers, body


def replayed(config, resource):
    import time

    return simulator.notification(
        config, resource, event_type="MCHTRANSFER.BILL.FINISHED", timestamp=int(time.time()) - 600
    )


def wrong_apiv3_key(config, resource):
    other = WeChatPayConfig(apiv3_key="z" * 32)
    return simulator.notification(other, resource, event_type="MCHTRANSFER.BILL.FINISHED")


def tampered(config, resource):
    headers, body = simulator.notification(config, resource, event_type="MCHTRANSFER.BILL.FINISHED")
    return headers, body.replace(b"MCHTRANSFER.BILL.FINISHED", b"MCHTRANSFER.BILL.FINISHEE")


@pytest.mark.parametrize("make", [forged, replayed, wrong_apiv3_key, tampered])
def test_a_notification_that_does_not_verify_changes_nothing(
    transfers_simulated, shop_a, transfer_config, transfer_results, client, make
):
    transfer = pay(shop_a)
    headers, body = make(transfer_config, hooks.transfer_resource(transfer, transfer_config, state="FAIL"))
    response = post(client, headers, body)
    assert response.status_code in (400, 401) and response.json()["code"] == "FAIL"
    transfer.refresh_from_db()
    assert transfer.state == T.WAITING and transfer_results == []
    assert not PaymentNotification.objects.exists()


def test_a_notification_for_another_amount_is_refused(transfers_simulated, shop_a, transfer_config, client):
    transfer = pay(shop_a)
    resource = hooks.transfer_resource(transfer, transfer_config, state="SUCCESS", transfer_amount=99999)
    headers, body = simulator.notification(transfer_config, resource, event_type="MCHTRANSFER.BILL.FINISHED")
    assert post(client, headers, body).status_code == 400
    transfer.refresh_from_db()
    assert transfer.state == T.WAITING


def test_cancel_before_the_payee_confirms(transfers_simulated, shop_a, transfer_results, merchant_a):
    transfer = pay(shop_a)
    cancelled = transfers.transfer_cancel(transfer=transfer, actor=merchant_a)
    # WeChat notified 已撤销 before it answered 撤销中: the late answer changes nothing
    assert cancelled.state == T.CANCELLED and bill(transfer).state == "CANCELLED"
    assert transfer_results == [(T.CANCELLED, "withdrawal:7")]
    assert transfer.events.filter(actor=merchant_a).exists()
    page = Client().get("/wechatpay-sim/transfer/", {"package": bill(transfer).package_info})
    assert "商户已撤销这笔转账" in page.content.decode() and "sim-confirm" not in page.content.decode()
    with pytest.raises(Exception) as refused:
        transfers.transfer_cancel(transfer=transfer)
    assert refused.value.code == "transfer_not_cancellable"


def test_a_cancel_that_loses_to_the_payee_is_refused_and_records_the_truth(
    transfers_simulated, shop_a, transfer_results
):
    transfer = pay(shop_a)
    # the payee confirms while the merchant's cancel is on its way, with the notification lost
    SimulatedTransfer.objects.filter(pk=bill(transfer).pk).update(notify_url="")
    hooks.confirm_transfer(transfer.out_bill_no)
    with pytest.raises(Exception) as refused:
        transfers.transfer_cancel(transfer=transfer)
    assert refused.value.code == "transfer_cancel_refused" and "已到账" in refused.value.message
    transfer.refresh_from_db()
    assert transfer.state == T.SUCCEEDED and transfer_results == [(T.SUCCEEDED, "withdrawal:7")]


@pytest.mark.parametrize("fault", ["bad_gateway", "wrong_key", "html"])
def test_no_believable_answer_is_queried_before_sending_again(
    transfers_simulated, shop_a, settings, transfer_results, fault
):
    """WeChat made the bill but its answer was lost: the transfer is not failed, and the job asks
    before it sends — one bill, never two."""
    settings.WECHATPAY_SIMULATOR_FAULT = fault
    transfer = pay(shop_a)
    assert transfer.state == T.CREATED and transfer.last_error and transfer_results == []
    assert SimulatedTransfer.objects.count() == 1  # WeChat has it
    settings.WECHATPAY_SIMULATOR_FAULT = ""
    assert sync_now(transfer) == 0
    transfer.refresh_from_db()
    assert transfer.state == T.WAITING and transfer.package_info == bill(transfer).package_info
    assert transfer.send_count == 1 and SimulatedTransfer.objects.count() == 1
    assert transfer.last_error == ""  # the merchant no longer reads an old problem


def test_a_timeout_is_not_a_failure(transfers_simulated, shop_a, settings):
    settings.WECHATPAY_TIMEOUT = (3, 0.5)
    settings.WECHATPAY_SIMULATOR_DELAY = 1.5
    settings.WECHATPAY_SIMULATOR_FAULT = "slow"
    transfer = pay(shop_a)
    assert transfer.state == T.CREATED and "可信应答" in transfer.last_error
    settings.WECHATPAY_SIMULATOR_FAULT = ""
    sync_now(transfer)
    transfer.refresh_from_db()
    assert transfer.state == T.WAITING and SimulatedTransfer.objects.count() == 1


def test_a_passing_refusal_is_sent_again_under_the_same_number(transfers_simulated, shop_a):
    hooks.refuse_next_transfer("1900000109", code="SYSTEM_ERROR", status=500)
    transfer = pay(shop_a)
    assert transfer.state == T.CREATED and not SimulatedTransfer.objects.exists()
    sync_now(transfer)  # asks first (NOT_FOUND), then sends the same out_bill_no
    transfer.refresh_from_db()
    assert transfer.state == T.WAITING and transfer.send_count == 2
    assert bill(transfer).out_bill_no == transfer.out_bill_no


def test_a_merchant_short_of_funds_pays_once_topped_up(transfers_simulated, shop_a, transfer_config):
    hooks.set_operating_balance("1900000109", 1000)
    transfer = pay(shop_a)  # ¥12.50 > ¥10.00
    assert transfer.state == T.CREATED and "余额不足" in transfer.last_error
    config = WeChatPayConfig.objects.get(pk=transfer_config.pk)
    assert "NOT_ENOUGH" in config.last_error  # the merchant sees it on the WeChat Pay config
    hooks.set_operating_balance("1900000109", 5000)
    sync_now(transfer)
    transfer.refresh_from_db()
    assert transfer.state == T.WAITING and hooks.operating_balance("1900000109") == 3750
    transfers.transfer_cancel(transfer=transfer)
    assert hooks.operating_balance("1900000109") == 5000  # a cancelled bill gives the money back


def test_a_transfer_that_never_gets_through_fails_after_a_day(transfers_simulated, shop_a, transfer_results):
    hooks.set_operating_balance("1900000109", 0)
    transfer = pay(shop_a)
    Transfer.objects.filter(pk=transfer.pk).update(created_at=timezone.now() - timedelta(hours=25))
    sync_now(transfer)
    transfer.refresh_from_db()
    assert transfer.state == T.FAILED and "余额不足" in transfer.fail_reason
    assert transfer_results == [(T.FAILED, "withdrawal:7")] and not SimulatedTransfer.objects.exists()


@pytest.mark.parametrize(("code", "words"), [("NO_AUTH", "没有该转账场景"), ("PARAM_ERROR", "参数有误")])
def test_a_lasting_refusal_fails_the_transfer_once_wechat_says_it_has_no_bill(
    transfers_simulated, shop_a, transfer_results, code, words
):
    hooks.refuse_next_transfer("1900000109", code=code, status=400)
    transfer = pay(shop_a)
    assert transfer.state == T.FAILED and words in transfer.fail_reason and transfer.fail_code == code
    assert transfer_results == [(T.FAILED, "withdrawal:7")]


def test_a_scene_the_merchant_does_not_hold_fails(transfers_simulated, shop_a, transfer_config):
    transfer_config.transfer_scene_id = "1001"
    transfer_config.save()
    transfer = pay(shop_a)
    assert transfer.state == T.FAILED and transfer.fail_code == "INVALID_REQUEST"


def test_sending_twice_makes_one_bill(transfers_simulated, shop_a):
    transfer = pay(shop_a)
    Transfer.objects.filter(pk=transfer.pk).update(state=T.CREATED)  # as if the first answer was lost
    again = transfers.transfer_send(transfer=transfer)
    assert again.state == T.WAITING and SimulatedTransfer.objects.count() == 1
    assert transfers.transfer_send(transfer=again).send_count == 2  # not created: nothing sent


def test_a_payee_who_never_confirms(transfers_simulated, shop_a, transfer_results):
    transfer = pay(shop_a)
    hooks.age_transfer_bill(transfer.out_bill_no, hours=25)
    SimulatedTransfer.objects.filter(pk=bill(transfer).pk).update(notify_url="")  # a lost notification
    assert transfers.transfers_sync() == 0  # a waiting transfer is asked about after 30 quiet minutes
    sync_now(transfer)
    transfer.refresh_from_db()
    assert transfer.state == T.CANCELLED and transfer_results == [(T.CANCELLED, "withdrawal:7")]


def test_without_public_url_the_job_settles_it(transfers_simulated, shop_a, settings, transfer_results):
    settings.PUBLIC_URL = ""
    transfer = pay(shop_a)
    assert bill(transfer).notify_url == ""
    hooks.confirm_transfer(transfer.out_bill_no)
    transfer.refresh_from_db()
    assert transfer.state == T.WAITING  # no notification: the job asks
    sync_now(transfer)
    transfer.refresh_from_db()
    assert transfer.state == T.SUCCEEDED and transfer_results == [(T.SUCCEEDED, "withdrawal:7")]


def test_a_simulator_mode_shop_while_the_simulator_is_off(transfers_simulated, shop_a, settings):
    settings.WECHATPAY_SIMULATOR = False
    transfer = pay(shop_a)
    assert transfer.state == T.CREATED and "本地模拟器未开启" in transfer.last_error


def test_large_transfer_carries_the_encrypted_real_name(transfers_simulated, shop_a):
    transfer = pay(shop_a, amount_fen=250_000, user_name="李四")
    assert transfer.state == T.WAITING and bill(transfer).has_user_name


def test_mini_program_payee(transfers_simulated, shop_a, transfer_config):
    transfer = pay(shop_a, appid=transfer_config.miniprogram_appid)
    assert transfer.state == T.WAITING and bill(transfer).appid == transfer_config.miniprogram_appid
    assert transfers.transfer_confirm_params(transfer=transfer).app_id == transfer_config.miniprogram_appid
