"""payments' implementations of the orders ports (orders/ports.py), registered in
``PaymentsConfig.ready()``."""

from __future__ import annotations

from payments.models import Refund
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
