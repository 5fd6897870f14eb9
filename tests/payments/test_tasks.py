"""The payment jobs' Celery tasks live in payments/tasks.py under their old, stable names."""

from config.celery import app
from payments import tasks


def test_payment_tasks_keep_their_names_and_run(db) -> None:
    app.loader.import_default_modules()  # what a worker does at start: autodiscover every app's tasks
    assert app.tasks["orders.tasks.reconcile_payments"].run is tasks.reconcile_payments.run
    assert app.tasks["orders.tasks.close_abandoned_payments"].run is tasks.close_abandoned_payments.run
    assert tasks.reconcile_payments() == 0
    assert tasks.close_abandoned_payments() == 0


def test_the_transfer_sync_task_runs_the_job(db) -> None:
    from payments import transfers

    app.loader.import_default_modules()
    assert app.tasks["payments.tasks.sync_transfers"].run is tasks.sync_transfers.run
    assert tasks.sync_transfers() == 0
    assert "payments.tasks.sync_transfers" in {entry["task"] for entry in app.conf.beat_schedule.values()}
    from orders import jobs

    assert jobs.JOBS["sync_transfers"] is transfers.transfers_sync
