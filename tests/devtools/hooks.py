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
