"""A withdrawal paid for real through the WeChat Pay simulator on a live server: the merchant's
approval sends the 商家转账 after commit, WeChat waits for the promoter to confirm (推广中心 gets
the confirmation parameters), the promoter confirms, WeChat's signed notification settles it;
a transfer the promoter never confirms is cancelled and the amount comes back."""

from __future__ import annotations

import pytest

from devtools.wechatpay_sim import keys as simulator
from distribution import payouts, services
from distribution.models import LedgerEntry, Withdrawal
from payments.models import Transfer, WeChatPayConfig
from payments.wechat import crypto
from tests.devtools import hooks
from tests.distribution.helpers import balances, enable, make_promoter
from tests.distribution.test_withdrawals import earn

pytestmark = pytest.mark.django_db(transaction=True)
W = Withdrawal.Status


@pytest.fixture
def simulated(settings, live_server, shop_a):
    settings.WECHATPAY_SIMULATOR = True
    settings.WECHATPAY_SIMULATOR_URL = f"{live_server.url}/wechatpay-sim"
    settings.WECHATPAY_SIMULATOR_FAULT = ""
    settings.PUBLIC_URL = live_server.url  # WeChat's notifications come back to this server
    WeChatPayConfig.objects.filter(shop=shop_a).delete()  # replaces the factory's stand-in account
    WeChatPayConfig.objects.create(
        shop=shop_a, mode=WeChatPayConfig.Mode.SIMULATOR, mchid="1900000109", appid="wx8888888888888888",
        merchant_serial_no="5157F09EFDC096DE15EBE81A47057A72",
        merchant_private_key=crypto.private_pem(crypto.new_private_key()), apiv3_key="0123456789abcdefghijklmnopqrstuv",
        transfer_scene_id="1005", **simulator.platform_settings(),
    )  # fmt: skip
    return live_server


@pytest.fixture
def asked(shop_a, simulated):
    enable(shop_a)
    promoter = make_promoter(shop_a)
    earn(shop_a, promoter)  # ¥100
    return services.withdrawal_request(shop=shop_a, user=promoter.user, amount_fen=3000)


def test_approved_confirmed_and_paid(shop_a, asked, merchant_a):
    services.withdrawal_approve(shop=shop_a, withdrawal_id=asked.pk, actor=merchant_a)  # sent after commit
    withdrawal = Withdrawal.objects.select_related("transfer").get(pk=asked.pk)
    assert withdrawal.status == W.TRANSFERRING and withdrawal.transfer.state == Transfer.State.WAITING
    confirm = payouts.confirm_params(withdrawal=withdrawal)
    assert confirm["mchId"] == "1900000109" and confirm["appId"] == withdrawal.appid and confirm["package"]
    hooks.confirm_transfer(withdrawal.transfer.out_bill_no)  # the promoter taps 确认收款; WeChat notifies
    withdrawal.refresh_from_db()
    assert withdrawal.status == W.PAID
    found = services.promoter_balances(promoter=withdrawal.promoter)
    assert (found.balance_fen, found.withdrawing_fen, found.withdrawn_fen) == (7000, 0, 3000)


def test_a_transfer_that_fails_at_wechat_gives_the_amount_back(shop_a, asked):
    hooks.fail_next_transfer("1900000109")
    services.withdrawal_approve(shop=shop_a, withdrawal_id=asked.pk, actor=None)
    withdrawal = Withdrawal.objects.select_related("transfer").get(pk=asked.pk)
    hooks.confirm_transfer(withdrawal.transfer.out_bill_no)
    withdrawal.refresh_from_db()
    assert withdrawal.status == W.FAILED and "转账失败" in withdrawal.reason
    assert balances(withdrawal.promoter) == (0, 10000)
    assert (
        LedgerEntry.objects.filter(withdrawal=withdrawal, kind=LedgerEntry.Kind.WITHDRAWAL_REVERSAL).count()
        == 1
    )


def test_the_promoter_checks_after_confirming_when_no_notification_comes(shop_a, asked, settings):
    settings.PUBLIC_URL = ""  # no notify_url: the result is known by asking
    services.withdrawal_approve(shop=shop_a, withdrawal_id=asked.pk, actor=None)
    withdrawal = Withdrawal.objects.select_related("transfer").get(pk=asked.pk)
    hooks.confirm_transfer(withdrawal.transfer.out_bill_no)
    assert Withdrawal.objects.get(pk=asked.pk).status == W.TRANSFERRING
    payouts.transfer_check(withdrawal=withdrawal)  # 推广中心's 刷新 / the API's withdrawals/check/
    assert Withdrawal.objects.get(pk=asked.pk).status == W.PAID
