"""payments' ports: what it implements for the orders ports (orders/ports.py), registered in
``PaymentsConfig.ready()``; and the ports it offers the apps above it: the payer identity and the
transfer result.

**Payer identity.** JSAPI and mini-program payments need the payer's openid under the paying appid,
which only the WeChat platform app knows (and only it can send a shopper through a WeChat login to
get one). payments never imports it: ``wechat`` registers a ``PayerIdentity`` in its
``AppConfig.ready()``. Several may be registered; they are asked in the order they registered
(INSTALLED_APPS order), and the first that knows the openid, or knows where the shopper gets one,
answers (``payer_resolve``).
"""

from __future__ import annotations

from typing import Protocol

from payments.models import Refund, Transfer, WeChatPayConfig
from payments.services import payment_require_configured, refund_start, refund_submit


class PaymentsRefundGateway:
    """Refunds go back through the payment that paid the order (``payments.services``)."""

    def refund_reserve(self, *, order, after_sale) -> Refund:
        return refund_start(order=order, after_sale=after_sale)

    def refund_send(self, *, refund: Refund) -> None:
        refund_submit(refund=refund)


def payment_checkout_guard(shop) -> None:
    """No order before the shop can be paid (a WeChat Pay account is set up)."""
    payment_require_configured(shop=shop)


class PayerIdentity(Protocol):
    """Who pays, as WeChat knows them."""

    def openid(self, *, user, config: WeChatPayConfig, scene: str) -> str:
        """The user's openid under the appid that pays in ``scene`` for this account
        (``config.appid_for(scene)``), or "" if unknown or the scene needs none."""
        ...

    def login_url(self, *, shop, next_path: str) -> str:
        """Where the shopper signs in through WeChat (so that their openid becomes known) and comes
        back to ``next_path``; "" if this identity cannot do that for this shop."""
        ...


_payer_identities: list[PayerIdentity] = []


def payer_identity_register(identity: PayerIdentity) -> None:
    """Add a payer identity (``AppConfig.ready()``); registering the same one twice is a no-op."""
    if identity not in _payer_identities:
        _payer_identities.append(identity)


def payer_openid(*, user, config: WeChatPayConfig | None, scene: str) -> str:
    """The payer's openid from the first registered identity that knows it; "" if none does."""
    if config is None:
        return ""
    for identity in _payer_identities:
        if openid := identity.openid(user=user, config=config, scene=scene):
            return openid
    return ""


def payer_resolve(
    *, user, config: WeChatPayConfig | None, scene: str, shop, next_path: str
) -> tuple[str, str]:
    """(openid, login URL) for paying in a browser: the first identity that knows the openid or
    knows where the shopper gets one answers; ("", "") if none does."""
    if config is None:
        return "", ""
    for identity in _payer_identities:
        if openid := identity.openid(user=user, config=config, scene=scene):
            return openid, ""
        if url := identity.login_url(shop=shop, next_path=next_path):
            return "", url
    return "", ""


# ---------------------------------------------------------------- transfer result


class TransferResultListener(Protocol):
    """Called once when a 商家转账 reaches a final state (``transfer.state`` is ``succeeded``,
    ``failed`` or ``cancelled``), inside the transaction that records that state, with the
    transfer's row locked. Raising rolls the recording back (WeChat's notification is then answered
    with an error and retried, our query runs again), so a listener must not swallow its own failure
    and must not do network I/O (queue it with ``transaction.on_commit``)."""

    def __call__(self, *, transfer: Transfer) -> None: ...


_transfer_result_listeners: list[TransferResultListener] = []


def transfer_result_register(listener: TransferResultListener) -> None:
    """Listen to transfers' final states (``AppConfig.ready()``: distribution posts the reversal
    of a withdrawal whose transfer failed or was cancelled). Registering the same one twice is a
    no-op. A listener sees every shop's transfers: it looks at ``transfer.reference`` to know
    whether the transfer is one of its own."""
    if listener not in _transfer_result_listeners:
        _transfer_result_listeners.append(listener)


def transfer_result_unregister(listener: TransferResultListener) -> None:
    """For tests."""
    if listener in _transfer_result_listeners:
        _transfer_result_listeners.remove(listener)


def transfer_result_publish(*, transfer: Transfer) -> None:
    """Tell every listener (payments.transfers calls it once per transfer, in the transaction that
    records the final state)."""
    for listener in _transfer_result_listeners:
        listener(transfer=transfer)
