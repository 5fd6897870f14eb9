"""The payment provider interface. Orders never know which provider moved the money.

A provider turns our ``Refund`` (and, from the payments issue on, payments) into calls to its
service. ``LocalProvider`` settles at once and stands in until WeChat Pay is configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from payments.models import Refund


@dataclass(frozen=True)
class RefundOutcome:
    accepted: bool  # the provider took the request
    settled: bool  # the money has moved (else a notification or query will tell later)
    provider_refund_id: str = ""
    detail: str = ""


class PaymentProvider(Protocol):
    code: str

    def refund(self, *, refund: Refund, total_fen: int, reason: str) -> RefundOutcome: ...


class LocalProvider:
    """For development and tests before a real provider is configured: every refund succeeds."""

    code = "local"

    def refund(self, *, refund: Refund, total_fen: int, reason: str) -> RefundOutcome:
        return RefundOutcome(accepted=True, settled=True, provider_refund_id=f"LOCAL-{refund.out_refund_no}")


_PROVIDERS: dict[str, PaymentProvider] = {"local": LocalProvider()}


def get_provider(code: str) -> PaymentProvider:
    return _PROVIDERS[code]


def register_provider(provider: PaymentProvider) -> None:
    _PROVIDERS[provider.code] = provider


def provider_for_order(order) -> PaymentProvider:
    """The provider that took the order's payment: WeChat Pay when a WeChat payment succeeded,
    the local provider otherwise (development data)."""
    from payments.models import PaymentAttempt

    paid = (
        PaymentAttempt.objects.filter(order=order, status=PaymentAttempt.Status.SUCCEEDED)
        .values_list("provider", flat=True)
        .first()
    )
    if paid == "wechat":
        from payments.wechat.provider import WeChatPayProvider

        return WeChatPayProvider()
    return get_provider(paid or "local")
