"""商家转账 under concurrency, on PostgreSQL with real connections: notifications and queries racing,
sends racing, creates of one reference racing, a cancel racing the payee — the final state is
recorded once and the result listener hears it once."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from devtools.wechatpay_sim import keys as simulator
from devtools.wechatpay_sim.models import SimulatedTransfer
from payments import transfers
from payments.models import Transfer, TransferEvent
from tests.concurrency import run_at_once
from tests.devtools import hooks
from tests.payments.test_notifications import URL

T = Transfer.State
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def pay(shop, reference="withdrawal:9") -> Transfer:
    with transaction.atomic():
        transfer = transfers.transfer_create(
            shop=shop, openid="o-promoter", amount_fen=880, remark="推广佣金提现", reference=reference
        )
    transfer.refresh_from_db()
    return transfer


def test_notifications_and_queries_racing_settle_once(
    transfers_simulated, shop_a, transfer_config, transfer_results
):
    transfer = pay(shop_a)
    assert transfer.state == T.WAITING
    SimulatedTransfer.objects.filter(out_bill_no=transfer.out_bill_no).update(notify_url="")
    hooks.confirm_transfer(transfer.out_bill_no)  # WeChat: SUCCESS; its notifications come below
    resource = hooks.transfer_resource(transfer, transfer_config, state="SUCCESS")
    # eight deliveries of one notification and four of another id (WeChat's retries), and four queries
    first = simulator.notification(transfer_config, resource, event_type="MCHTRANSFER.BILL.FINISHED")
    second = simulator.notification(transfer_config, resource, event_type="MCHTRANSFER.BILL.FINISHED")

    def deliver(headers, body):
        extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        return Client().post(URL, body, content_type="application/json", **extra).status_code

    def query():
        return transfers.transfer_query(transfer=Transfer.objects.get(pk=transfer.pk)).state

    calls = [(deliver, first)] * 8 + [(deliver, second)] * 4 + [(query, ())] * 4
    results = run_at_once(lambda fn, args: fn(*args), calls)
    assert results[:12] == [204] * 12 and results[12:] == [T.SUCCEEDED] * 4
    transfer.refresh_from_db()
    assert transfer.state == T.SUCCEEDED
    assert TransferEvent.objects.filter(transfer=transfer, to_state=T.SUCCEEDED).count() == 1
    assert transfer_results == [(T.SUCCEEDED, "withdrawal:9")]


def test_a_failure_notified_and_queried_at_once_is_announced_once(
    transfers_simulated, shop_a, transfer_config, transfer_results
):
    transfer = pay(shop_a)
    SimulatedTransfer.objects.filter(out_bill_no=transfer.out_bill_no).update(notify_url="")
    hooks.fail_next_transfer("1900000109")
    hooks.confirm_transfer(transfer.out_bill_no)
    resource = hooks.transfer_resource(transfer, transfer_config, state="FAIL")

    def apply():
        return transfers.transfer_apply_result(shop=shop_a, config=transfer_config, resource=resource)

    results = run_at_once(apply, [()] * 10)
    assert sorted(results) == [T.FAILED] + ["unchanged"] * 9
    assert transfer_results == [(T.FAILED, "withdrawal:9")]


def test_sends_racing_make_one_bill(transfers_simulated, shop_a, transfer_config, transfer_results):
    transfer = Transfer.objects.create(
        shop=shop_a,
        appid=transfer_config.appid,
        openid="o-promoter",
        amount_fen=880,
        remark="推广佣金提现",
        scene_id="1005",
        reference="withdrawal:10",
    )  # fmt: skip — made directly: no send after commit, the racing sends below are the only ones

    def send():
        return transfers.transfer_send(transfer=Transfer.objects.get(pk=transfer.pk)).state

    assert run_at_once(send, [()] * 6) == [T.WAITING] * 6
    assert SimulatedTransfer.objects.count() == 1
    assert TransferEvent.objects.filter(transfer=transfer, to_state=T.WAITING).count() == 1
    assert transfer_results == []


def test_creates_of_one_reference_racing_make_one_transfer(transfers_simulated, shop_a):
    def create():
        return pay(shop_a, reference="withdrawal:11").pk

    results = run_at_once(create, [()] * 8)
    assert len(set(results)) == 1 and all(isinstance(r, int) for r in results), results
    assert Transfer.objects.count() == 1 and SimulatedTransfer.objects.count() == 1
    assert Transfer.objects.get().state == T.WAITING


def test_a_cancel_racing_the_payee_ends_one_way(transfers_simulated, shop_a, transfer_results):
    transfer = pay(shop_a)

    def cancel():
        try:
            return transfers.transfer_cancel(transfer=Transfer.objects.get(pk=transfer.pk)).state
        except Exception as exc:  # the payee was first
            return getattr(exc, "code", repr(exc))

    def confirm():
        return hooks.confirm_transfer(transfer.out_bill_no).state

    results = run_at_once(lambda fn: fn(), [(cancel,), (confirm,)])
    transfer.refresh_from_db()
    wechat = SimulatedTransfer.objects.get().state
    assert {"SUCCESS": T.SUCCEEDED, "CANCELLED": T.CANCELLED}[wechat] == transfer.state, results
    assert transfer_results == [(transfer.state, "withdrawal:9")]
