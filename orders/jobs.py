"""Periodic order and payment jobs. Celery beat runs them in production (orders/tasks.py); `manage.py run_jobs`
runs them in-process where there is no Redis (``make run``). Both call the same services, which
are safe to run from several workers at once."""

from __future__ import annotations

import logging

from orders import services
from payments import services as payments
from wechat import notifications

logger = logging.getLogger(__name__)

JOBS = {
    "reconcile_payments": payments.payments_reconcile,  # first: a paid order must not expire
    "expire_unpaid_orders": services.orders_expire_due,
    "close_abandoned_payments": payments.payments_close_abandoned,
    "auto_complete_orders": services.orders_auto_complete_due,
    "send_notifications": notifications.notifications_send_due,
}


def run_due_jobs() -> dict[str, int]:
    """Run every periodic job once; returns how many orders each changed."""
    done = {}
    for name, job in JOBS.items():
        try:
            done[name] = job()
        except Exception:  # one failing job must not stop the others
            logger.exception("order job %s failed", name)
            done[name] = -1
    return done
