"""The payment jobs as Celery tasks (Celery beat's schedule: ``CELERY_BEAT_SCHEDULE``;
``manage.py run_jobs`` runs the same services, registered in ``PaymentsConfig.ready()``).

The task names are still ``orders.tasks.*``: the jobs lived in orders/tasks.py until issue 10, and a
stable name keeps messages already queued under it (and the beat schedule) working across the
deploy that moved them.
"""

from celery import shared_task

from payments import services, transfers


@shared_task(name="orders.tasks.reconcile_payments")
def reconcile_payments() -> int:
    return services.payments_reconcile()


@shared_task(name="orders.tasks.close_abandoned_payments")
def close_abandoned_payments() -> int:
    return services.payments_close_abandoned()


@shared_task(name="payments.tasks.sync_transfers")
def sync_transfers() -> int:
    """商家转账 whose result was lost or never came: query, and send again under the same number."""
    return transfers.transfers_sync()
