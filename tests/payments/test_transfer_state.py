"""商家转账 without the network: the state table, what transfer_create accepts, one transfer per
reference, and results recorded once (forward moves only, a final state is final)."""

from __future__ import annotations

import pytest
from django.db import transaction

from core.errors import ApplicationError
from payments import transfers
from payments.models import Transfer, TransferEvent
from payments.state import TRANSFER_TRANSITIONS
from payments.wechat.notify import NotificationRejected
from tests.devtools import hooks

T = Transfer.State
pytestmark = pytest.mark.django_db


def make(shop, **overrides):
    kwargs = {
        "shop": shop, "openid": "o-promoter", "amount_fen": 1000, "remark": "推广佣金提现",
        "reference": "withdrawal:1",
    }  # fmt: skip
    kwargs.update(overrides)
    return transfers.transfer_create(**kwargs)


def test_final_states_are_final_and_nothing_goes_back():
    for state in Transfer.FINAL_STATES:
        assert TRANSFER_TRANSITIONS[state] == frozenset()
    order = [T.CREATED, T.ACCEPTED, T.WAITING, T.TRANSFERING]
    for i, state in enumerate(order):
        assert not TRANSFER_TRANSITIONS[state] & set(order[: i + 1]), state  # never back, never to itself
    assert TRANSFER_TRANSITIONS[T.TRANSFERING] == {T.SUCCEEDED, T.FAILED}  # confirmed: no cancel
    assert set(TRANSFER_TRANSITIONS) == set(T.values)


def test_create_records_a_pending_transfer_and_sends_after_commit(shop_a, transfer_config, monkeypatch):
    sent = []
    monkeypatch.setattr(transfers, "transfer_send", lambda *, transfer: sent.append(transfer.pk))
    with transaction.atomic():
        transfer = make(shop_a)
        assert sent == []  # nothing leaves before the caller's commit
    assert transfer.state == T.CREATED and transfer.scene_id == "1005"
    assert transfer.appid == transfer_config.appid and len(transfer.out_bill_no) <= 32
    assert transfer.out_bill_no.isalnum()
    assert TransferEvent.objects.get(transfer=transfer).to_state == T.CREATED


def test_a_rollback_sends_nothing(shop_a, transfer_config, monkeypatch):
    sent = []
    monkeypatch.setattr(transfers, "transfer_send", lambda *, transfer: sent.append(transfer.pk))
    with pytest.raises(RuntimeError), transaction.atomic():
        make(shop_a)
        raise RuntimeError("the withdrawal's approval failed")
    assert sent == [] and not Transfer.objects.exists()


def test_same_reference_is_the_same_transfer(shop_a, transfer_config, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as first:
        one = make(shop_a)
    with django_capture_on_commit_callbacks() as second:
        again = make(shop_a)
    assert again.pk == one.pk and Transfer.objects.count() == 1
    assert len(first) == 1 and second == []  # sent once
    with pytest.raises(ApplicationError) as refused:
        make(shop_a, amount_fen=2000)
    assert refused.value.code == "transfer_reference_conflict" and refused.value.http_status == 409


def test_references_are_per_shop(shop_a, shop_b, transfer_config):
    from tests.factories import simulator_pay_config

    config_b = simulator_pay_config(shop_b)
    config_b.transfer_scene_id = "1000"
    config_b.save()
    a = make(shop_a)
    b = make(shop_b)
    assert a.pk != b.pk and b.appid == config_b.appid


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount_fen": 9}, "amount_fen"),
        ({"amount_fen": 0}, "amount_fen"),
        ({"amount_fen": -100}, "amount_fen"),
        ({"amount_fen": True}, "amount_fen"),
        ({"remark": ""}, "remark"),
        ({"remark": "字" * 33}, "remark"),
        ({"openid": ""}, "openid"),
        ({"appid": "wx-of-another-shop"}, "appid"),
        ({"amount_fen": 200_000}, "user_name"),
        ({"reference": "x" * 65}, "reference"),
    ],
)
def test_create_refuses_what_wechat_would(shop_a, transfer_config, overrides, field):
    with pytest.raises(ApplicationError) as refused:
        make(shop_a, **overrides)
    assert refused.value.code == "transfer_invalid" and field in refused.value.fields
    assert not Transfer.objects.exists()


def test_large_transfer_with_a_real_name_and_the_mini_program_appid(shop_a, transfer_config):
    transfer = make(shop_a, amount_fen=200_000, user_name="张三", appid=transfer_config.miniprogram_appid)
    transfer.refresh_from_db()
    assert transfer.user_name == "张三" and transfer.appid == transfer_config.miniprogram_appid
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT user_name FROM payments_transfer WHERE id = %s", [transfer.pk])
        assert "张三" not in cursor.fetchone()[0]  # encrypted at rest


def test_no_scene_no_transfer(shop_a, pay_config):
    with pytest.raises(ApplicationError) as refused:
        make(shop_a)
    assert refused.value.code == "transfer_not_configured"


def test_no_wechat_pay_no_transfer(db):
    from tests.factories import ShopFactory

    with pytest.raises(ApplicationError) as refused:
        make(ShopFactory(wechatpay=False))
    assert refused.value.code == "payment_not_configured"


@pytest.fixture
def transfer(shop_a, transfer_config):
    return make(shop_a)


def apply(transfer, config, state, **overrides):
    return transfers.transfer_apply_result(
        shop=transfer.shop,
        config=config,
        resource=hooks.transfer_resource(transfer, config, state=state, **overrides),
    )


def test_results_move_forward_once_and_the_listener_hears_the_end_once(
    transfer, transfer_config, transfer_results
):
    assert apply(transfer, transfer_config, "WAIT_USER_CONFIRM", package_info="PKG") == T.WAITING
    assert apply(transfer, transfer_config, "ACCEPTED") == "unchanged"  # late: never backwards
    assert apply(transfer, transfer_config, "TRANSFERING") == T.TRANSFERING
    assert apply(transfer, transfer_config, "SUCCESS") == T.SUCCEEDED
    assert apply(transfer, transfer_config, "SUCCESS") == "unchanged"
    assert apply(transfer, transfer_config, "FAIL") == "contradicts_final"
    transfer.refresh_from_db()
    assert transfer.state == T.SUCCEEDED and transfer.finished_at is not None
    assert transfer.package_info == "PKG" and "不符" in transfer.last_error
    assert transfer_results == [(T.SUCCEEDED, "withdrawal:1")]
    assert list(transfer.events.values_list("to_state", flat=True)) == [
        T.CREATED, T.WAITING, T.TRANSFERING, T.SUCCEEDED,
    ]  # fmt: skip


def test_a_failure_says_why_in_chinese(transfer, transfer_config, transfer_results):
    assert apply(transfer, transfer_config, "FAIL", fail_reason="ACCOUNT_FROZEN") == T.FAILED
    transfer.refresh_from_db()
    assert transfer.fail_code == "ACCOUNT_FROZEN" and transfer.fail_reason == "收款用户账户已冻结"
    assert transfer_results == [(T.FAILED, "withdrawal:1")]


def test_a_listener_that_raises_rolls_the_result_back(transfer, transfer_config):
    from payments import ports

    def broken(*, transfer):
        raise RuntimeError("the ledger refused")

    ports.transfer_result_register(broken)
    try:
        with pytest.raises(RuntimeError):
            apply(transfer, transfer_config, "FAIL")
    finally:
        ports.transfer_result_unregister(broken)
    transfer.refresh_from_db()
    assert transfer.state == T.CREATED  # WeChat will tell again (or the job will ask): nothing lost


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"mchid": "1900000000"}, "mchid_mismatch"),
        ({"transfer_amount": 999999}, "amount_mismatch"),
        ({"openid": "o-someone-else"}, "openid_mismatch"),
        ({"out_bill_no": "T0000"}, "transfer_unknown"),
        ({"state": "PAID"}, "state_unexpected"),
    ],
)
def test_a_result_that_does_not_match_is_not_believed(
    transfer, transfer_config, transfer_results, overrides, code
):
    with pytest.raises(NotificationRejected) as rejected:
        apply(transfer, transfer_config, overrides.pop("state", "SUCCESS"), **overrides)
    assert rejected.value.code == code
    transfer.refresh_from_db()
    assert transfer.state == T.CREATED and transfer_results == []


def test_another_shops_result_is_not_ours(transfer, transfer_config, shop_b):
    with pytest.raises(NotificationRejected) as rejected:
        transfers.transfer_apply_result(
            shop=shop_b, config=transfer_config, resource=hooks.transfer_resource(transfer, transfer_config)
        )
    assert rejected.value.code == "transfer_unknown"


def test_confirm_params_only_while_waiting(transfer, transfer_config):
    with pytest.raises(ApplicationError) as refused:
        transfers.transfer_confirm_params(transfer=transfer)
    assert refused.value.code == "transfer_not_waiting"
    apply(transfer, transfer_config, "WAIT_USER_CONFIRM", package_info="ABBQO+oYAAABAAAAAAAk")
    params = transfers.transfer_confirm_params(transfer=transfer)
    assert params.for_client() == {
        "mchId": transfer_config.mchid, "appId": transfer_config.appid, "package": "ABBQO+oYAAABAAAAAAAk",
    }  # fmt: skip


def test_cancel_only_before_the_payee_confirms(transfer, transfer_config):
    for state in ("TRANSFERING", "SUCCESS"):
        apply(transfer, transfer_config, state)
        with pytest.raises(ApplicationError) as refused:
            transfers.transfer_cancel(transfer=transfer)
        assert refused.value.code == "transfer_not_cancellable"


def test_created_transfers_cannot_be_cancelled_before_wechat_knows_them(transfer):
    with pytest.raises(ApplicationError) as refused:
        transfers.transfer_cancel(transfer=transfer)
    assert refused.value.code == "transfer_not_cancellable"


def test_payee_comes_from_the_payer_identity_port(shop_a, transfer_config, shopper):
    """The simulator's stand-in identity answers for a simulator-mode shop (wechat's would for a
    shopper signed in through WeChat)."""
    payee = transfers.transfer_payee(shop=shop_a, user=shopper, scene="miniprogram")
    assert payee == transfers.Payee(appid=transfer_config.miniprogram_appid, openid=f"o-dev-{shopper.pk}")
    jsapi = transfers.transfer_payee(shop=shop_a, user=shopper, scene="jsapi")
    assert jsapi.appid == transfer_config.appid
    transfer_config.mode = transfer_config.Mode.LIVE
    transfer_config.save()
    with pytest.raises(ApplicationError) as refused:
        transfers.transfer_payee(shop=shop_a, user=shopper)
    assert refused.value.code == "transfer_payee_unknown"
