"""The local WeChat Pay simulator's keys and messages.

It signs like WeChat's platform (RSA-SHA256, in public-key mode with a ``PUB_KEY_ID_…`` and in
certificate mode with a certificate serial) and encrypts notification resources with the shop's
APIv3 key (AES-256-GCM), so the demo and the tests exercise our real verification code.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from devtools.wechatpay_sim.models import SimulatorKey
from payments.models import WeChatPayConfig
from payments.wechat import crypto

# One simulator key per database. A fixed id makes a second creation (another process, or a request
# still running from a moment ago) fail on the unique id and read the first one, so every process
# signs with the key the shops were given.
SIMULATOR_KEY_ID = "PUB_KEY_ID_0" + "0" * 29 + "1"


def simulator_key() -> SimulatorKey:
    key = SimulatorKey.objects.order_by("pk").first()
    if key is not None:
        return key
    private = crypto.new_private_key()
    serial, certificate = crypto.self_signed_certificate(private, common_name="WeiShop WeChat Pay simulator")
    try:
        with transaction.atomic():
            return SimulatorKey.objects.create(
                private_key_pem=crypto.private_pem(private),
                public_key_id=SIMULATOR_KEY_ID,
                certificate_serial=serial,
                certificate_pem=certificate,
            )
    except IntegrityError:  # another process made it first
        return SimulatorKey.objects.get(public_key_id=SIMULATOR_KEY_ID)


def platform_settings() -> dict[str, Any]:
    """What a shop's WeChatPayConfig holds to trust the simulator (both modes at once)."""
    key = simulator_key()
    private = crypto.load_private_key(key.private_key_pem)
    return {
        "platform_public_key_id": key.public_key_id,
        "platform_public_key": crypto.public_pem(private.public_key()),
        "platform_certificates": {key.certificate_serial: key.certificate_pem},
    }


def signed_headers(
    body: bytes, *, use_certificate: bool = False, timestamp: int | None = None
) -> dict[str, str]:
    key = simulator_key()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = uuid.uuid4().hex.upper()
    message = crypto.callback_message(ts, nonce, body).decode()
    return {
        "Wechatpay-Timestamp": ts,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": crypto.sign(crypto.load_private_key(key.private_key_pem), message),
        "Wechatpay-Serial": key.certificate_serial if use_certificate else key.public_key_id,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }


def notification(
    config: WeChatPayConfig,
    resource: dict[str, Any],
    *,
    event_type: str = "TRANSACTION.SUCCESS",
    notification_id: str | None = None,
    use_certificate: bool = False,
    timestamp: int | None = None,
) -> tuple[dict[str, str], bytes]:
    """(headers, raw body) of a notification exactly as WeChat would POST it."""
    kind = {"TRANSACTION": "transaction", "MCHTRANSFER": "mch_payment"}.get(
        event_type.split(".")[0], "refund"
    )
    envelope = {
        "id": notification_id or str(uuid.uuid4()),
        "create_time": timezone.localtime().isoformat(timespec="seconds"),
        "event_type": event_type,
        "resource_type": "encrypt-resource",
        "summary": {"transaction": "支付成功", "mch_payment": "商家转账单据终态通知"}.get(
            kind, "退款状态变更"
        ),
        "resource": {
            **crypto.aes_gcm_encrypt(config.apiv3_key, crypto.dumps(resource), associated_data=kind),
            "original_type": kind,
        },
    }
    body = crypto.dumps(envelope).encode()
    return signed_headers(body, use_certificate=use_certificate, timestamp=timestamp), body
