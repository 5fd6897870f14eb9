"""WeChat Pay APIv3 cryptography, exactly as WECHAT.md describes it (``cryptography`` directly).

- a message is signed with RSA-SHA256 (PKCS#1 v1.5) over ``"<ts>\\n<nonce>\\n<body>\\n"`` (callbacks and
  responses) or ``"<METHOD>\\n<path>\\n<ts>\\n<nonce>\\n<body>\\n"`` (our requests), base64;
- a notification's ``resource`` is AES-256-GCM with the APIv3 key, the tag at the end of the
  ciphertext.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID


def sign(private_key: RSAPrivateKey, message: str) -> str:
    return base64.b64encode(private_key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def verify(public_key: RSAPublicKey, message: bytes, signature_b64: str) -> bool:
    try:
        public_key.verify(
            base64.b64decode(signature_b64, validate=True), message, padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def callback_message(timestamp: str, nonce: str, body: bytes) -> bytes:
    return timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"


def aes_gcm_encrypt(
    apiv3_key: str, plaintext: str, *, associated_data: str = "transaction"
) -> dict[str, str]:
    nonce = secrets.token_hex(6)  # WeChat uses 12 printable characters
    ciphertext = AESGCM(apiv3_key.encode()).encrypt(
        nonce.encode(), plaintext.encode(), associated_data.encode()
    )
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ciphertext).decode(),
        "nonce": nonce,
        "associated_data": associated_data,
    }


def aes_gcm_decrypt(apiv3_key: str, resource: dict[str, Any]) -> str | None:
    try:
        data = AESGCM(apiv3_key.encode()).decrypt(
            str(resource["nonce"]).encode(),
            base64.b64decode(resource["ciphertext"]),
            str(resource.get("associated_data") or "").encode(),
        )
    except (InvalidTag, KeyError, ValueError, TypeError):
        return None
    return data.decode()


def new_apiv3_key() -> str:
    """32 printable characters, as WeChat's merchant platform requires."""
    return secrets.token_urlsafe(24)[:32]


def new_private_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(key: RSAPublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_private_key(pem: str) -> RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def load_public_key(pem: str) -> RSAPublicKey:
    """A platform public key (PEM), or the public key of a platform certificate (PEM)."""
    text = pem.strip()
    if "BEGIN CERTIFICATE" in text:
        key = x509.load_pem_x509_certificate(text.encode()).public_key()
    else:
        key = serialization.load_pem_public_key(text.encode())
    if not isinstance(key, RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def self_signed_certificate(key: RSAPrivateKey, *, common_name: str) -> tuple[str, str]:
    """(serial as WeChat writes it: upper-case hex, certificate PEM) — for the simulator's
    certificate mode."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return format(cert.serial_number, "X"), cert.public_bytes(serialization.Encoding.PEM).decode()


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
