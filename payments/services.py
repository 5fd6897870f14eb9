"""Refunds: reserved in the caller's transaction, sent to the provider after commit."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from payments.models import Refund
from payments.providers import provider_for_order

logger = logging.getLogger(__name__)


def refund_start(*, order, after_sale) -> Refund:
    """Create the refund record (inside the caller's transaction, rows locked)."""
    return Refund.objects.create(
        shop_id=order.shop_id,
        order=order,
        after_sale=after_sale,
        provider=provider_for_order(order).code,
        amount_fen=after_sale.amount_fen,
    )


def refund_submit(*, refund: Refund) -> Refund:
    """Send a pending refund to its provider. Must be called with no row locked (it may do network
    I/O); the outcome is applied in a short transaction of its own."""
    from orders.services import after_sale_refund_result

    refund.refresh_from_db()
    if refund.status != Refund.Status.PENDING:
        return refund
    provider = provider_for_order(refund.order)
    try:
        outcome = provider.refund(
            refund=refund, total_fen=refund.order.paid_fen, reason=refund.after_sale.reason
        )
    except Exception as exc:
        logger.exception("refund %s failed at provider %s", refund.out_refund_no, provider.code)
        outcome_failed = str(exc)[:255]
        with transaction.atomic():
            Refund.objects.filter(pk=refund.pk).update(
                status=Refund.Status.FAILED, failure_reason=outcome_failed
            )
            if refund.after_sale_id:
                after_sale_refund_result(after_sale=refund.after_sale, succeeded=False, detail=outcome_failed)
        refund.refresh_from_db()
        return refund
    with transaction.atomic():
        if not outcome.accepted:
            Refund.objects.filter(pk=refund.pk).update(
                status=Refund.Status.FAILED, failure_reason=outcome.detail[:255]
            )
            if refund.after_sale_id:
                after_sale_refund_result(after_sale=refund.after_sale, succeeded=False, detail=outcome.detail)
        elif outcome.settled:
            Refund.objects.filter(pk=refund.pk).update(
                status=Refund.Status.SUCCEEDED, provider_refund_id=outcome.provider_refund_id,
                succeeded_at=timezone.now(),
            )  # fmt: skip
            if refund.after_sale_id:
                after_sale_refund_result(after_sale=refund.after_sale, succeeded=True)
        else:
            Refund.objects.filter(pk=refund.pk).update(
                status=Refund.Status.PROCESSING, provider_refund_id=outcome.provider_refund_id
            )
    refund.refresh_from_db()
    return refund
