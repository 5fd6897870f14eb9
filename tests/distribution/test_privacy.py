"""A promoter's account deletion (docs/privacy.md): money still theirs (a withdrawal under way,
commission pending, a withdrawable balance) makes it wait; once it goes, the promoter account, its
ledger and withdrawals stay for the merchant's accounts, stopped and without the WeChat openid
they were paid to; a customer's binding stays, naming nobody."""

from __future__ import annotations

import pytest

from accounts import privacy
from core.errors import ApplicationError
from distribution.models import Binding, LedgerEntry, Promoter, Withdrawal
from payments.models import Transfer
from tests.distribution.helpers import balances, buyer, enable, make_promoter, pay, place, via
from tests.distribution.test_withdrawals import approve, earn, request, transfers_on, wechat_says

__all__ = ["transfers_on"]  # the fixture, used below

W = Withdrawal.Status


@pytest.fixture
def promoter(shop_a):
    enable(shop_a, min_withdraw_fen=1000)
    promoter = make_promoter(shop_a, nickname="王推广")
    earn(shop_a, promoter)  # ¥100 in the balance
    return promoter


def blockers(promoter) -> list[str]:
    return privacy.account_erase_blockers(user=promoter.user)


def test_a_withdrawable_balance_blocks(promoter):
    assert blockers(promoter) == ["甲店 还有 ¥100 推广佣金可以提现，请先提现再注销。"]
    with pytest.raises(ApplicationError) as refused:
        privacy.account_erase(user=promoter.user, confirmation="注销")
    assert refused.value.code == "account_erase_blocked"
    promoter.refresh_from_db()
    assert promoter.status == Promoter.Status.APPROVED and promoter.user.is_active


def test_a_withdrawal_under_way_blocks(promoter, transfers_on):
    approve(request(promoter, 10000))
    assert blockers(promoter) == ["甲店 有一笔提现还在处理中，到账或撤销后才能注销。"]


def test_pending_commission_blocks(promoter):
    pay(place(promoter.shop, buyer("late"), attribution=via(promoter), price_fen=20000))
    request(promoter, 10000)  # the balance is asked for: only the pending ¥20 is left
    Withdrawal.objects.update(status=W.REJECTED)  # as if closed (the reversal is not the point here)
    assert "¥20 推广佣金待结算" in blockers(promoter)[0]


def test_a_balance_below_the_minimum_does_not_block(promoter, transfers_on):
    withdrawal = approve(request(promoter, 9500))  # ¥5 left, the minimum is ¥10
    wechat_says(withdrawal, "SUCCESS")
    assert balances(promoter) == (0, 500)
    assert blockers(promoter) == []


def test_deletion_keeps_the_ledger_and_stops_the_promoter(promoter, transfers_on, shop_a):
    withdrawal = approve(request(promoter, 10000))
    wechat_says(withdrawal, "SUCCESS")
    customer = Binding.objects.get(promoter=promoter).customer
    entries = list(LedgerEntry.objects.filter(promoter=promoter).values_list("kind", "amount_fen"))
    privacy.account_erase(user=promoter.user, confirmation="注销")
    promoter.refresh_from_db()
    assert (promoter.status, promoter.note) == (Promoter.Status.DISABLED, "账号已注销")
    assert list(LedgerEntry.objects.filter(promoter=promoter).values_list("kind", "amount_fen")) == entries
    withdrawal.refresh_from_db()
    assert (withdrawal.status, withdrawal.amount_fen, withdrawal.openid) == (W.PAID, 10000, "")
    transfer = Transfer.objects.get(pk=withdrawal.transfer_id)
    assert (transfer.openid, transfer.user_name, transfer.amount_fen) == ("", "", 10000)
    assert promoter.user.__class__.objects.get(pk=promoter.user_id).display_name == "已注销用户"
    # the customer they brought is untouched, and still bound (the merchant's record)
    assert Binding.objects.filter(promoter=promoter, customer=customer).exists()


def test_a_customer_deleting_their_account_keeps_the_binding_anonymous(promoter, client):
    customer = Binding.objects.get(promoter=promoter).customer
    nickname = customer.nickname
    client.force_login(promoter.user)
    assert f"{nickname[0]}**" in client.get("/s/shop-a/promoter/customers/").content.decode()
    privacy.account_erase(user=customer, confirmation="注销")
    page = client.get("/s/shop-a/promoter/customers/").content.decode()
    assert f"{nickname[0]}**" not in page and "**" in page  # still listed, as nobody
