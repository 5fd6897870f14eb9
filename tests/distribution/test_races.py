"""The ledger's races, on PostgreSQL with real concurrent connections (tests/concurrency.py):
withdrawals at once never take more than the balance; the settle job run twice at once settles
once; a refund racing the settlement leaves the ledger exact either way."""

from __future__ import annotations

from functools import partial

import pytest

from core.errors import ApplicationError
from distribution import services
from distribution.models import Commission, LedgerEntry, Withdrawal
from tests.concurrency import run_at_once
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
from tests.distribution.test_withdrawals import earn

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def promoter(shop_a):
    enable(shop_a, min_withdraw_fen=1000)
    promoter = make_promoter(shop_a)
    earn(shop_a, promoter)  # ¥100
    return promoter


def withdraw(promoter, amount_fen):
    return services.withdrawal_request(shop=promoter.shop, user=promoter.user, amount_fen=amount_fen)


def test_two_withdrawals_of_the_whole_balance_at_once_give_one(promoter):
    results = run_at_once(withdraw, [(promoter, 10000), (promoter, 10000)])
    made = [r for r in results if isinstance(r, Withdrawal)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(made) == 1 and [r.code for r in refused] == ["withdraw_exceeds_balance"], results
    assert balances(promoter) == (0, 0)


def test_twenty_withdrawals_at_once_never_exceed_the_balance(promoter):
    results = run_at_once(withdraw, [(promoter, 3000)] * 20)
    made = [r for r in results if isinstance(r, Withdrawal)]
    assert len(made) == 3, results
    assert {r.code for r in results if isinstance(r, ApplicationError)} == {"withdraw_exceeds_balance"}
    assert balances(promoter) == (0, 1000)
    assert Withdrawal.objects.count() == 3


def test_the_settle_job_twice_at_once_settles_once(shop_a):
    enable(shop_a)
    promoter = make_promoter(shop_a)
    orders = [complete(pay(place(shop_a, buyer(f"b{i}"), attribution=via(promoter)))) for i in range(5)]
    later = after_window(orders[-1])
    results = run_at_once(lambda: services.commissions_settle_due(now=later), [(), (), ()])
    assert sum(results) == 5, results
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.SETTLE_IN).count() == 5
    assert balances(promoter) == (0, 5000)


def test_a_refund_racing_the_settlement_leaves_the_ledger_exact(shop_a):
    """The refund's request is open, so the settlement must wait for it; whichever wins the order's
    lock, the settlement never slips in between the refund's steps."""
    enable(shop_a)
    promoter = make_promoter(shop_a)
    for i in range(6):
        order = complete(pay(place(shop_a, buyer(f"r{i}"), attribution=via(promoter))))
        from orders import services as order_services
        from orders.models import AfterSale

        request = order_services.after_sale_request(
            order=order,
            user=order.user,
            kind=AfterSale.Kind.REFUND_ONLY,
            reason="坏了",
            amount_fen=order.paid_fen,
        )
        commission = Commission.objects.get(order=order)
        # the settle job runs for a time after the window while the merchant approves the refund
        later = after_window(order)
        settle = partial(services.commission_settle, commission_id=commission.pk, now=later)
        approve = partial(order_services.after_sale_approve, shop=shop_a, after_sale_no=request.after_sale_no,
                          actor=None)  # fmt: skip
        results = run_at_once(lambda job: job(), [(settle,), (approve,)])
        assert not [r for r in results if isinstance(r, Exception)], results
    assert balances(promoter) == (0, 0)  # every commission refunded in full, settled or not
    assert sum(LedgerEntry.objects.values_list("amount_fen", flat=True)) == 0


def test_approve_and_cancel_at_once_one_wins_and_the_ledger_agrees(promoter, shop_a):
    from payments.models import Transfer, WeChatPayConfig

    WeChatPayConfig.objects.filter(shop=shop_a).update(transfer_scene_id="1005")
    for _round in range(5):
        withdrawal = withdraw(promoter, 1000)
        results = run_at_once(
            lambda job: job(),
            [
                (partial(services.withdrawal_approve, shop=shop_a, withdrawal_id=withdrawal.pk, actor=None),),
                (partial(services.withdrawal_approve, shop=shop_a, withdrawal_id=withdrawal.pk, actor=None),),
                (
                    partial(
                        services.withdrawal_cancel,
                        shop=shop_a,
                        user=promoter.user,
                        withdrawal_id=withdrawal.pk,
                    ),
                ),
            ],
        )
        winners = [r for r in results if isinstance(r, Withdrawal)]
        assert len(winners) == 1, results
        assert {r.code for r in results if isinstance(r, ApplicationError)} == {"withdrawal_not_open"}
        withdrawal.refresh_from_db()
        reversals = LedgerEntry.objects.filter(
            withdrawal=withdrawal, kind=LedgerEntry.Kind.WITHDRAWAL_REVERSAL
        )
        if withdrawal.status == Withdrawal.Status.CANCELLED:
            assert reversals.count() == 1 and not Transfer.objects.filter(
                reference=f"withdrawal:{withdrawal.pk}"
            )
        else:
            assert withdrawal.status == Withdrawal.Status.TRANSFERRING and not reversals.exists()
            assert Transfer.objects.filter(reference=f"withdrawal:{withdrawal.pk}").count() == 1
    found = services.promoter_balances(promoter=promoter)
    assert found.balance_fen + found.withdrawing_fen + found.withdrawn_fen == 10000
