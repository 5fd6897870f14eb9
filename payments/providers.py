"""The payment provider interface. Orders never know which provider moved the money.

A provider turns our ``PaymentAttempt`` and ``Refund`` records into calls to its service:
``create`` (prepay: what the client needs to pay), ``query`` and ``close`` a payment, ``refund``.
Its notifications arrive at a view of its own (``payments/views.py`` for WeChat Pay), which verifies
them and hands a plain result to ``payments.services`` — the same functions the query path uses.
WeChat Pay (and its local simulator) is ``payments.wechat.provider.WeChatPayProvider``; another
provider (Alipay, say) is one more class registered here, with no change to orders.
``LocalProvider`` settles refunds at once, for orders paid without a real provider (development).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from core.errors import ApplicationError
from payments.models import PaymentAttempt, Refund

if TYPE_CHECKING:
    from orders.models import Order


class ProviderError(Exception):
    """The provider refused or could not be reached; the message says why."""


class ProviderUnavailable(ProviderError):
    """No answer we can believe: a timeout, a refused connection, an answer whose signature does
    not verify (a wrong or rotated platform key), or one that is not the JSON the API speaks. What
    happened at the provider is unknown: query before retrying anything that moves money."""


class SimulatorOff(ApplicationError, ProviderUnavailable):
    """A simulator-mode account while the WeChat Pay simulator is off (not installed): code
    ``simulator_off``, raised before any call is made. It is a ``ProviderUnavailable`` too, so that
    jobs and refunds treat that shop like any unreachable provider and carry on with the others."""

    def __init__(self, message: str) -> None:
        super().__init__("simulator_off", message, http_status=503)


@dataclass(frozen=True)
class RefundOutcome:
    accepted: bool  # the provider took the request
    settled: bool  # the money has moved (else a notification or query will tell later)
    provider_refund_id: str = ""
    detail: str = ""


class PaymentProvider(Protocol):
    code: str

    def refund(self, *, refund: Refund, total_fen: int, reason: str) -> RefundOutcome: ...


@runtime_checkable
class OnlinePaymentProvider(PaymentProvider, Protocol):
    """A provider shoppers pay through (WeChat Pay). ``create`` returns the client data (prepay id,
    QR code URL or redirect URL); ``query`` returns the provider's view of the payment in WeChat's
    transaction shape (``trade_state``, ``amount.total``, …)."""

    def create(self, *, attempt: PaymentAttempt, description: str, notify_url: str, openid: str = "",
               client_ip: str = "") -> dict[str, Any]: ...  # fmt: skip

    def query(self, *, attempt: PaymentAttempt) -> dict[str, Any]: ...

    def close(self, *, attempt: PaymentAttempt) -> None: ...

    def query_refund(self, *, refund: Refund) -> dict[str, Any]: ...


class LocalProvider:
    """For development and tests before a real provider is configured: every refund succeeds."""

    code = "local"

    def refund(self, *, refund: Refund, total_fen: int, reason: str) -> RefundOutcome:
        return RefundOutcome(accepted=True, settled=True, provider_refund_id=f"LOCAL-{refund.out_refund_no}")


_PROVIDERS: dict[str, PaymentProvider] = {"local": LocalProvider()}


def get_provider(code: str) -> PaymentProvider:
    if code == "wechat" and code not in _PROVIDERS:
        from payments.wechat.provider import WeChatPayProvider

        register_provider(WeChatPayProvider())
    return _PROVIDERS[code]


def online_provider(code: str) -> OnlinePaymentProvider:
    """The provider a payment attempt or refund was made with, for the calls only a provider that
    shoppers pay through has (prepay, query, close, refund query)."""
    provider = get_provider(code)
    if not isinstance(provider, OnlinePaymentProvider):
        raise ProviderError(f"provider {code!r} takes no payments")
    return provider


def register_provider(provider: PaymentProvider) -> None:
    _PROVIDERS[provider.code] = provider


def provider_for_order(order: Order) -> PaymentProvider:
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
