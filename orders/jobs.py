"""Periodic order and payment jobs. Celery beat runs them in production (orders/tasks.py and the
tasks.py of each app that registers jobs here); `manage.py run_jobs` runs them in-process where
there is no Redis (``make run``). Both call the same services, which are safe to run from several
workers at once."""

from __future__ import annotations

import logging
from collections.abc import Callable

from accounts.services import photo_uploads_purge_due
from orders.services.lifecycle import orders_auto_complete_due, orders_expire_due
from orders.services.returns import (
    after_sales_auto_approve_due,
    after_sales_auto_receive_due,
    after_sales_close_unreturned_due,
)

logger = logging.getLogger(__name__)

# name -> job, run in this order. Apps above orders add theirs in ``AppConfig.ready()``
# (``job_register``): payments its reconcile (first: a paid order must not expire) and
# abandoned-attempt jobs, wechat its notification sender.
JOBS: dict[str, Callable[[], int]] = {
    "expire_unpaid_orders": orders_expire_due,
    "auto_complete_orders": orders_auto_complete_due,
    # the after-sale deadlines (docs/after-sales.md#refunds-and-returns)
    "after_sales_auto_approve": after_sales_auto_approve_due,
    "after_sales_close_unreturned": after_sales_close_unreturned_due,
    "after_sales_auto_receive": after_sales_auto_receive_due,
    # the photos a shopper uploaded for a review, after-sale or complaint form never sent
    "photo_uploads_purge": photo_uploads_purge_due,
}


def job_register(name: str, job: Callable[[], int], *, first: bool = False) -> None:
    """Add a periodic job (``first``: before every job registered so far)."""
    JOBS.pop(name, None)
    if first:
        items = {name: job, **JOBS}
        JOBS.clear()
        JOBS.update(items)
    else:
        JOBS[name] = job


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
