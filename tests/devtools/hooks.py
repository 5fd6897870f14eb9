"""Test hooks into the local simulators (devtools/): what a test does to WeChat's side that no API
of WeChat's offers — a follower who refuses messages, a message that fails once, a token WeChat
expired early — and a transaction resource forged from one of our attempts, to notify with."""

from __future__ import annotations

import secrets
from typing import Any

from django.utils import timezone

from devtools.wechat_sim.models import SimulatorRecord
from payments.models import PaymentAttempt, WeChatPayConfig


def refuse_messages(openid: str) -> None:
    """From now on this person refuses notifications (errcode 43101)."""
    SimulatorRecord.objects.get_or_create(kind="refuse", key=openid)


def fail_next_message(openid: str) -> None:
    """The next message to this person fails with a system error (-1): senders must retry."""
    SimulatorRecord.objects.update_or_create(kind="fail_next", key=openid, defaults={"used_at": None})


def expire_tokens(appid: str) -> None:
    """Expire every access token of ``appid`` early (WeChat then answers 42001)."""
    for record in SimulatorRecord.objects.filter(kind="access_token", appid=appid):
        record.data["expires_at"] = 0
        record.save(update_fields=["data"])


def transaction_resource(
    attempt: PaymentAttempt, config: WeChatPayConfig, *, trade_state: str = "SUCCESS", **overrides: Any
) -> dict[str, Any]:
    resource = {
        "appid": config.appid_for(attempt.scene),
        "mchid": config.mchid,
        "out_trade_no": attempt.out_trade_no,
        "transaction_id": attempt.transaction_id or f"4200{secrets.randbelow(10**24):024d}",
        "trade_type": {"jsapi": "JSAPI", "miniprogram": "JSAPI", "native": "NATIVE", "h5": "MWEB"}.get(
            attempt.scene, "JSAPI"
        ),
        "trade_state": trade_state,
        "trade_state_desc": "支付成功" if trade_state == "SUCCESS" else trade_state,
        "bank_type": "OTHERS",
        "attach": "",
        "success_time": timezone.localtime().isoformat(timespec="seconds"),
        "payer": {"openid": attempt.payer_openid or "o-simulator-openid"},
        "amount": {
            "total": attempt.amount_fen,
            "payer_total": attempt.amount_fen,
            "currency": "CNY",
            "payer_currency": "CNY",
        },
    }
    resource.update(overrides)
    return resource


# ---------------------------------------------------------------- 商家转账 (transfer bills)


def fail_next_transfer(mchid: str, fail_reason: str = "PAYEE_ACCOUNT_ABNORMAL") -> None:
    """The next bill of this merchant that its payee confirms fails (``FAIL`` with ``fail_reason``)."""
    from devtools.wechatpay_sim.models import SimulatorSwitch

    SimulatorSwitch.objects.update_or_create(
        mchid=mchid, kind="transfer_fail_next", defaults={"data": {"fail_reason": fail_reason}}
    )


def refuse_next_transfer(mchid: str, *, code: str = "SYSTEM_ERROR", status: int = 500) -> None:
    """The next transfer request of this merchant is refused (no bill is made)."""
    from devtools.wechatpay_sim.models import SimulatorSwitch

    SimulatorSwitch.objects.update_or_create(
        mchid=mchid, kind="transfer_refuse_next", defaults={"data": {"code": code, "status": status}}
    )


def set_operating_balance(mchid: str, fen: int | None) -> None:
    """The merchant's operating account (运营账户) holds ``fen`` (None: unlimited, the default)."""
    from devtools.wechatpay_sim.models import SimulatorSwitch

    if fen is None:
        SimulatorSwitch.objects.filter(mchid=mchid, kind="balance").delete()
    else:
        SimulatorSwitch.objects.update_or_create(mchid=mchid, kind="balance", defaults={"data": {"fen": fen}})


def operating_balance(mchid: str) -> int | None:
    from devtools.wechatpay_sim.models import SimulatorSwitch

    row = SimulatorSwitch.objects.filter(mchid=mchid, kind="balance").first()
    return None if row is None else int(row.data["fen"])


def confirm_transfer(out_bill_no: str):
    """The payee confirms receipt (what 确认收款 on the simulator's page does): the bill succeeds,
    or fails if ``fail_next_transfer`` was called, and the merchant is notified."""
    from devtools.wechatpay_sim import transfers
    from devtools.wechatpay_sim.models import SimulatedTransfer

    return transfers.confirm(SimulatedTransfer.objects.get(out_bill_no=out_bill_no))


def age_transfer_bill(out_bill_no: str, *, hours: float) -> None:
    """Make WeChat's bill ``hours`` older (an unconfirmed one is cancelled after 24 hours)."""
    from datetime import timedelta

    from devtools.wechatpay_sim.models import SimulatedTransfer

    SimulatedTransfer.objects.filter(out_bill_no=out_bill_no).update(
        created_at=timezone.now() - timedelta(hours=hours)
    )


def transfer_resource(
    transfer, config: WeChatPayConfig, *, state: str = "SUCCESS", **overrides: Any
) -> dict[str, Any]:
    """A ``MCHTRANSFER.BILL.FINISHED`` resource for one of our transfers, to notify with."""
    resource = {
        "mchid": config.mchid,
        "out_bill_no": transfer.out_bill_no,
        "transfer_bill_no": transfer.transfer_bill_no or f"1330{secrets.randbelow(10**36):036d}",
        "state": state,
        "transfer_amount": transfer.amount_fen,
        "openid": transfer.openid,
        "create_time": timezone.localtime(transfer.created_at).isoformat(timespec="seconds"),
        "update_time": timezone.localtime().isoformat(timespec="seconds"),
    }
    if state == "FAIL":
        resource["fail_reason"] = "PAYEE_ACCOUNT_ABNORMAL"
    resource.update(overrides)
    return resource


# ---------------------------------------------------------------- customer-service messages


def follower_interacted(appid: str, openid: str, *, hours_ago: float = 0.0) -> None:
    """The person last wrote to (or followed, or tapped the menu of) the account ``hours_ago``:
    what WeChat's 48-hour rule for customer-service messages reads."""
    import time

    from devtools.wechat_sim.views import follower_interacted as remember

    remember(appid=appid, openid=openid, at=time.time() - hours_ago * 3600, subscribed=True)


def followers_interacted(appid: str, openids: list[str], *, hours_ago: float = 0.0) -> None:
    """``follower_interacted`` for many people at once (one insert)."""
    import time

    at = time.time() - hours_ago * 3600
    SimulatorRecord.objects.bulk_create(
        [
            SimulatorRecord(
                kind="follower",
                key=f"{appid}|{openid}"[:128],
                appid=appid,
                data={"subscribed": True, "last_interaction": at},
            )
            for openid in openids
        ],
        ignore_conflicts=True,
    )


def follower_left(appid: str, openid: str) -> None:
    """The person unfollowed the account (WeChat then answers 43004 to customer-service messages)."""
    from devtools.wechat_sim.views import follower_interacted as remember

    remember(appid=appid, openid=openid, subscribed=False)


def custom_messages(appid: str | None = None) -> list[dict[str, Any]]:
    """The customer-service messages WeChat took, oldest first (their request bodies)."""
    rows = SimulatorRecord.objects.filter(kind="custom_message").order_by("pk")
    if appid:
        rows = rows.filter(appid=appid)
    return [record.data for record in rows]


def subscribe_messages(appid: str | None = None) -> list[dict[str, Any]]:
    rows = SimulatorRecord.objects.filter(kind="subscribe_message").order_by("pk")
    if appid:
        rows = rows.filter(appid=appid)
    return [record.data for record in rows]
