"""Sending text messages (login codes) through a configurable provider.

``send_sms(phone=..., message=...)`` hands the message to the backend class named by
``settings.SMS_BACKEND`` (a dotted path, default ``"accounts.sms.ConsoleBackend"``). Two backends ship:

- ``ConsoleBackend`` (development, ``make run``): prints the message, code included, to stdout and
  logs it, so a developer can read the code in the terminal. Never use it in production: anyone who
  can read the logs can log in as anyone.
- ``LocmemBackend`` (tests): appends ``(phone, message)`` to the module-level ``outbox`` list, like
  Django's locmem e-mail backend. Tests clear it themselves.

A backend is any class with a no-argument constructor and one method ``send(phone, message)`` that
either delivers the message or raises. Adding a real provider (Aliyun SMS, Tencent Cloud SMS):

1. Write a class, e.g. ``accounts/sms_aliyun.py``::

       class AliyunBackend:
           def __init__(self) -> None:
               self.client = ...  # the provider's SDK client, from settings / the environment

           def send(self, phone: str, message: str) -> None:
               ...  # call the provider; raise on failure

   Chinese providers send only pre-approved templates with a registered signature (签名 "微店"):
   register a template such as "您的登录验证码是${code}，5 分钟内有效。请勿告诉他人。", take the six
   digits out of ``message`` (``re.search("[0-9]{6}", message)``) as the template parameter, and keep
   the access keys in environment variables, never in the code or the database.
2. Add its SDK to ``pyproject.toml`` and set ``SMS_BACKEND=accounts.sms_aliyun.AliyunBackend`` in
   the environment (docs/deployment.md).
3. A failure should raise: ``phone_code_send`` then withdraws the code and tells the shopper to try
   again later.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

#: Messages "sent" by ``LocmemBackend``: ``(phone, message)`` tuples, oldest first.
outbox: list[tuple[str, str]] = []


class SmsBackend(Protocol):
    def send(self, phone: str, message: str) -> None: ...


class ConsoleBackend:
    """Development: the message goes to stdout (and the log), never to a phone."""

    def send(self, phone: str, message: str) -> None:
        print(f"[SMS to {phone}] {message}", flush=True)  # stdout on purpose: the developer reads it
        logger.info("SMS to %s: %s", phone, message)


class LocmemBackend:
    """Tests: the message is kept in ``accounts.sms.outbox``."""

    def send(self, phone: str, message: str) -> None:
        outbox.append((phone, message))


def get_backend() -> SmsBackend:
    path = getattr(settings, "SMS_BACKEND", "accounts.sms.ConsoleBackend")
    return import_string(path)()


def send_sms(*, phone: str, message: str) -> None:
    """Send ``message`` to ``phone`` through the configured backend (raises if it fails)."""
    get_backend().send(phone, message)
