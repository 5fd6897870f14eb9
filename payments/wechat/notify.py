"""Verifying a WeChat Pay notification before anything is believed.

``verify_notification`` accepts a notification only if every header is there (Timestamp, Nonce,
Signature, Serial, and Signature-Type ``WECHATPAY2-SHA256-RSA2048``), its timestamp is
within 300 seconds, its serial names a platform key we hold (certificate or public-key mode), the
RSA signature over the raw body verifies, the body parses, and the AES-256-GCM resource decrypts
with the APIv3 key. Otherwise it raises ``NotificationRejected`` with the HTTP status to answer
(WeChat then retries, which is what we want for anything not our fault).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from payments.wechat.crypto import aes_gcm_decrypt, callback_message, verify

MAX_SKEW_SECONDS = 300
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
#: every header WeChat Pay sends with a notification; each one is required
HEADERS = (
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "Wechatpay-Signature",
    "Wechatpay-Serial",
    "Wechatpay-Signature-Type",
)


class NotificationRejected(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class Notification:
    id: str
    event_type: str
    resource: dict[str, Any]  # the decrypted resource (a transaction or a refund)


def verify_notification(
    *,
    headers: Mapping[str, str],
    body: bytes,
    platform_keys: Mapping[str, RSAPublicKey],
    apiv3_key: str,
    now: float | None = None,
) -> Notification:
    missing = [name for name in HEADERS if not headers.get(name)]
    if missing:
        raise NotificationRejected("header_missing", f"missing header(s): {', '.join(missing)}", 401)
    signature_type = headers["Wechatpay-Signature-Type"]
    if signature_type != SIGNATURE_TYPE:
        raise NotificationRejected("signature_type", f"unsupported signature type {signature_type}", 401)
    timestamp = headers["Wechatpay-Timestamp"]
    if not re.fullmatch(r"[0-9]{1,12}", timestamp):
        raise NotificationRejected("timestamp_invalid", "Wechatpay-Timestamp is not a Unix time", 401)
    if abs((now if now is not None else time.time()) - int(timestamp)) > MAX_SKEW_SECONDS:
        raise NotificationRejected("timestamp_expired", "timestamp is more than 300 seconds from now", 401)
    key = platform_keys.get(headers["Wechatpay-Serial"])
    if key is None:
        raise NotificationRejected("serial_unknown", "no platform key with this serial", 401)
    if not verify(
        key, callback_message(timestamp, headers["Wechatpay-Nonce"], body), headers["Wechatpay-Signature"]
    ):
        raise NotificationRejected("signature_invalid", "signature does not verify", 401)
    try:
        envelope = json.loads(body)
        resource = envelope["resource"]
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise ValueError("resource.algorithm must be AEAD_AES_256_GCM")
        plaintext = aes_gcm_decrypt(apiv3_key, resource)
        if plaintext is None:
            raise ValueError("resource does not decrypt")
        decrypted = json.loads(plaintext)
        return Notification(
            id=str(envelope["id"]), event_type=str(envelope["event_type"]), resource=decrypted
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise NotificationRejected("malformed", f"malformed notification: {exc}", 400) from exc
