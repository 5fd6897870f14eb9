"""``EncryptedTextField``: secrets (WeChat Pay keys, the APIv3 key) encrypted at rest with Fernet.

The key comes from ``FIELD_ENCRYPTION_KEY`` (a Fernet key; production sets it) or, for
development, is derived from ``SECRET_KEY``. The database only ever holds ciphertext.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models

PREFIX = "fernet:"


def _fernet() -> Fernet:
    key = (
        getattr(settings, "FIELD_ENCRYPTION_KEY", "")
        or base64.urlsafe_b64encode(
            hashlib.sha256(b"weishop-field-encryption|" + settings.SECRET_KEY.encode()).digest()
        ).decode()
    )
    return Fernet(key.encode() if isinstance(key, str) else key)


def encrypt(value: str) -> str:
    return PREFIX + _fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    if not value.startswith(PREFIX):
        return value
    try:
        return _fernet().decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt a secret field: FIELD_ENCRYPTION_KEY changed?") from exc


# Unparameterised on purpose: django-stubs then types each field str or str | None from its null=.
class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Stores ``encrypt(value)``; Python code sees the plain value."""

    def from_db_value(self, value: str | None, expression: object, connection: object) -> str | None:
        return decrypt(value) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
