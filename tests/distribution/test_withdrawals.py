"""Withdrawals: above the shop's minimum, within the balance, the amount held by a ledger entry
while pending, given back by a reversal entry when rejected, cancelled or not paid."""

from __future__ import annotations

import pytest

from core.errors import ApplicationError
from distribution import services
from distribution.models import LedgerEntry, Promoter, Withdrawal
from tests.distribution.helpers import (
    after_window,
    balances,
    buyer,
    complete,
    enable,
    make_promoter,
    pay,
    place,
    via,
)

W = Withdrawal.Status
K = LedgerEntry.Kind


def withdraw_all(promoter: Promoter) -> Withdrawal:
    promoter.refresh_from_db()
    _pending, balance = balances(promoter)
    return services.withdrawal_request(shop=promoter.shop, user=promoter.user, amount_fen=balance)


def earn(shop, promoter, *, price_fen: int = 100000, name: str = "b") -> None:
    """Settle a commission of 10% of ``price_fen`` into the promoter's balance."""
    order = complete(pay(place(shop, buyer(name), attribution=via(promoter), price_fen=price_fen)))
    services.commissions_settle_due(now=after_window(order))


@pytest.fixture
def promoter(shop_a):
    enable(shop_a, min_withdraw_fen=1000)
    promoter = make_promoter(shop_a)
    earn(shop_a, promoter)  # ¥100 in the balance
    return promoter


def request(promoter, amount_fen):
    return services.withdrawal_request(shop=promoter.shop, user=promoter.user, amount_fen=amount_fen)


def refused(promoter, amount_fen) -> str:
    with pytest.raises(ApplicationError) as err:
        request(promoter, amount_fen)
    return err.value.code


def test_a_request_holds_its_amount_at_once(promoter):
    withdrawal = request(promoter, 3000)
    assert withdrawal.status == W.REQUESTED
    assert LedgerEntry.objects.filter(withdrawal=withdrawal).values_list("bucket", "kind", "amount_fen").get() == (
        "balance", K.WITHDRAWAL, -3000,
    )  # fmt: skip
    found = services.promoter_balances(promoter=promoter)
    assert (found.balance_fen, found.withdrawing_fen, found.withdrawn_fen) == (7000, 3000, 0)


def test_below_the_minimum_above_the_balance_and_odd_amounts_are_refused(promoter):
    assert refused(promoter, 999) == "withdraw_below_minimum"
    assert refused(promoter, 10001) == "withdraw_exceeds_balance"
    for odd in (0, -5, True, "100", 10.0):
        assert refused(promoter, odd) == "invalid"
    request(promoter, 6000)
    assert refused(promoter, 4001) == "withdraw_exceeds_balance"  # what is held is not there
    request(promoter, 4000)
    assert balances(promoter) == (0, 0)


def test_one_withdrawal_stays_below_the_real_name_threshold(shop_a, promoter):
    earn(shop_a, promoter, price_fen=3000000, name="big")  # ¥3,000 more
    assert refused(promoter, 200000) == "withdraw_above_maximum"
    request(promoter, 199999)


def test_only_an_approved_promoter_withdraws_and_only_in_their_shop(shop_a, shop_b, promoter):
    enable(shop_b)
    with pytest.raises(ApplicationError) as err:
        services.withdrawal_request(shop=shop_b, user=promoter.user, amount_fen=1000)
    assert err.value.code == "promoter_not_approved"
    Promoter.objects.filter(pk=promoter.pk).update(status=Promoter.Status.DISABLED)
    assert refused(promoter, 1000) == "promoter_not_approved"


def test_without_a_wechat_identity_there_is_nowhere_to_pay(shop_a, promoter):
    from payments.models import WeChatPayConfig

    WeChatPayConfig.objects.filter(shop=shop_a).update(
        mode=WeChatPayConfig.Mode.LIVE
    )  # no simulator stand-in
    assert refused(promoter, 1000) == "withdraw_needs_wechat"


def test_cancel_and_reject_give_the_amount_back_by_a_reversal_entry(shop_a, promoter, merchant_a):
    first = request(promoter, 2000)
    second = request(promoter, 3000)
    services.withdrawal_cancel(shop=shop_a, user=promoter.user, withdrawal_id=first.pk)
    with pytest.raises(ApplicationError) as err:
        services.withdrawal_reject(shop=shop_a, withdrawal_id=second.pk, actor=merchant_a, reason=" ")
    assert err.value.code == "reason_required"
    services.withdrawal_reject(shop=shop_a, withdrawal_id=second.pk, actor=merchant_a, reason="信息不符")
    kinds = list(
        LedgerEntry.objects.filter(withdrawal__isnull=False).order_by("pk").values_list("kind", "amount_fen")
    )
    assert kinds == [(K.WITHDRAWAL, -2000), (K.WITHDRAWAL, -3000), (K.WITHDRAWAL_REVERSAL, 2000),
                     (K.WITHDRAWAL_REVERSAL, 3000)]  # fmt: skip
    assert balances(promoter) == (0, 10000)
    second.refresh_from_db()
    assert (second.status, second.reason, second.handled_by) == (W.REJECTED, "信息不符", merchant_a)
    for attempt in (
        lambda: services.withdrawal_cancel(shop=shop_a, user=promoter.user, withdrawal_id=first.pk),
        lambda: services.withdrawal_reject(shop=shop_a, withdrawal_id=first.pk, actor=None, reason="再拒"),
    ):
        with pytest.raises(ApplicationError) as err:
            attempt()
        assert err.value.code == "withdrawal_not_open"
    assert balances(promoter) == (0, 10000)


def test_another_promoter_or_shop_never_reaches_a_withdrawal(shop_a, shop_b, promoter, merchant_b):
    withdrawal = request(promoter, 2000)
    other = make_promoter(shop_a, "other")
    for attempt in (
        lambda: services.withdrawal_cancel(shop=shop_a, user=other.user, withdrawal_id=withdrawal.pk),
        lambda: services.withdrawal_reject(
            shop=shop_b, withdrawal_id=withdrawal.pk, actor=merchant_b, reason="x"
        ),
        lambda: services.withdrawal_approve(shop=shop_b, withdrawal_id=withdrawal.pk, actor=merchant_b),
    ):
        with pytest.raises(ApplicationError) as err:
            attempt()
        assert err.value.code == "withdrawal_not_found"
    withdrawal.refresh_from_db()
    assert withdrawal.status == W.REQUESTED


@pytest.fixture
def transfers_on(shop_a):
    from payments.models import WeChatPayConfig

    WeChatPayConfig.objects.filter(shop=shop_a).update(transfer_scene_id="1005")


def approve(withdrawal, merchant=None) -> Withdrawal:
    """The merchant approves; the transfer is created (and, after commit, sent: not here)."""
    services.withdrawal_approve(shop=withdrawal.shop, withdrawal_id=withdrawal.pk, actor=merchant)
    withdrawal.refresh_from_db()
    return withdrawal


def wechat_says(withdrawal, state: str, **fields) -> str:
    """WeChat's word on the withdrawal's transfer (its notification or our query), applied by payments."""
    from payments import transfers
    from payments.models import WeChatPayConfig
    from tests.devtools import hooks

    config = WeChatPayConfig.objects.get(shop=withdrawal.shop)
    resource = hooks.transfer_resource(withdrawal.transfer, config, state=state, **fields)
    return transfers.transfer_apply_result(shop=withdrawal.shop, config=config, resource=resource)


def test_approval_creates_the_transfer_to_the_promoters_wechat(promoter, merchant_a, transfers_on):
    withdrawal = approve(request(promoter, 2000), merchant_a)
    transfer = withdrawal.transfer
    assert (withdrawal.status, withdrawal.handled_by) == (W.TRANSFERRING, merchant_a)
    assert (transfer.amount_fen, transfer.reference) == (2000, f"withdrawal:{withdrawal.pk}")
    assert (transfer.openid, transfer.appid) == (f"o-dev-{promoter.user_id}", withdrawal.appid)
    assert transfer.remark == "推广佣金提现"
    with pytest.raises(ApplicationError) as err:
        services.withdrawal_approve(shop=promoter.shop, withdrawal_id=withdrawal.pk, actor=merchant_a)
    assert err.value.code == "withdrawal_not_open"


def test_no_transfer_scene_no_approval(promoter, merchant_a):
    withdrawal = request(promoter, 2000)
    with pytest.raises(ApplicationError) as err:
        approve(withdrawal, merchant_a)
    assert err.value.code == "transfer_not_configured"
    withdrawal.refresh_from_db()
    assert withdrawal.status == W.REQUESTED and withdrawal.transfer is None


def test_a_paid_transfer_keeps_the_amount_out(promoter, transfers_on):
    withdrawal = approve(request(promoter, 2000))
    wechat_says(withdrawal, "WAIT_USER_CONFIRM", package_info="pkg-1")
    from distribution import payouts

    withdrawal.refresh_from_db()
    assert payouts.confirm_params(withdrawal=withdrawal)["package"] == "pkg-1"
    assert wechat_says(withdrawal, "SUCCESS") == "succeeded"
    assert wechat_says(withdrawal, "SUCCESS") == "unchanged"  # told twice
    withdrawal.refresh_from_db()
    assert withdrawal.status == W.PAID and withdrawal.finished_at is not None
    found = services.promoter_balances(promoter=promoter)
    assert (found.balance_fen, found.withdrawing_fen, found.withdrawn_fen) == (8000, 0, 2000)


@pytest.mark.parametrize(("state", "status"), [("FAIL", W.FAILED), ("CANCELLED", W.CANCELLED)])
def test_a_failed_or_cancelled_transfer_gives_the_amount_back_once(promoter, transfers_on, state, status):
    withdrawal = approve(request(promoter, 2000))
    wechat_says(withdrawal, state)
    wechat_says(withdrawal, "SUCCESS")  # too late: a final state is final
    withdrawal.refresh_from_db()
    assert withdrawal.status == status
    if state == "FAIL":
        assert "收款用户账户收款受限" in withdrawal.reason
    assert balances(promoter) == (0, 10000)
    assert LedgerEntry.objects.filter(withdrawal=withdrawal, kind=K.WITHDRAWAL_REVERSAL).count() == 1


def test_another_apps_transfer_or_a_foreign_reference_changes_nothing(shop_a, promoter, transfers_on):
    from payments import transfers

    withdrawal = request(promoter, 2000)
    stranger = transfers.transfer_create(
        shop=shop_a, openid="o-x", amount_fen=2000, remark="别的", reference=f"withdrawal:{withdrawal.pk}"
    )  # takes our withdrawal's reference, but is not its transfer
    Withdrawal.objects.filter(pk=withdrawal.pk).update(status=W.TRANSFERRING)
    services.withdrawal_transfer_result(transfer=stranger, withdrawal_id=withdrawal.pk, outcome="failed")
    withdrawal.refresh_from_db()
    assert withdrawal.status == W.TRANSFERRING and balances(promoter) == (0, 8000)


def test_the_ledger_always_balances(shop_a, promoter, merchant_a, transfers_on):
    """Everything earned = what is pending + the balance + what is on its way + what was paid."""
    earn(shop_a, promoter, price_fen=50000, name="c")
    a, b, c = request(promoter, 3000), request(promoter, 4000), request(promoter, 1500)
    services.withdrawal_reject(shop=shop_a, withdrawal_id=a.pk, actor=merchant_a, reason="重复")
    wechat_says(approve(b), "SUCCESS")
    approve(c)
    pay(place(shop_a, buyer("d"), attribution=via(promoter), price_fen=20000))  # ¥20 pending
    found = services.promoter_balances(promoter=promoter)
    earned = 10000 + 5000 + 2000
    assert found.pending_fen + found.balance_fen + found.withdrawing_fen + found.withdrawn_fen == earned
    assert (found.withdrawing_fen, found.withdrawn_fen) == (1500, 4000)
