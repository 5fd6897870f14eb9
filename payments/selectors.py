"""Reads of payments that more than one place needs."""

from __future__ import annotations

from payments.models import PaymentAttempt, Refund


def payment_of_order(*, order_id: int) -> PaymentAttempt | None:
    """The payment that paid the order: its first successful attempt that was not itself given
    back automatically (a second payment of a paid order, a payment that arrived after the order
    was cancelled). After-sales refunds go back through it."""
    given_back = Refund.objects.filter(order_id=order_id, after_sale__isnull=True, payment__isnull=False)
    return (
        PaymentAttempt.objects.filter(order_id=order_id, status=PaymentAttempt.Status.SUCCEEDED)
        .exclude(pk__in=given_back.values("payment_id"))
        .order_by("paid_at", "pk")
        .first()
    )
