"""The payment jobs' Celery tasks live in payments/tasks.py under their old, stable names."""

from config.celery import app
from payments import tasks


def test_payment_tasks_keep_their_names_and_run(db) -> None:
    app.loader.import_default_modules()  # what a worker does at start: autodiscover every app's tasks
    assert app.tasks["orders.tasks.reconcile_payments"].run is tasks.reconcile_payments.run
    assert app.tasks["orders.tasks.close_abandoned_payments"].run is tasks.close_abandoned_payments.run
    assert tasks.reconcile_payments() == 0
    assert tasks.close_abandoned_payments() == 0
