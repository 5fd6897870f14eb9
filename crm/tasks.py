"""crm's jobs as Celery tasks (Celery beat's schedule: ``CELERY_BEAT_SCHEDULE``; ``manage.py
run_jobs`` runs the same services, registered with ``orders.jobs.job_register`` in each area's
``ready()``, which also imports this module so a worker knows the tasks)."""

from celery import shared_task

from crm.services import campaigns


@shared_task(name="crm.tasks.campaigns_send")
def campaigns_send() -> int:
    return campaigns.campaigns_run()
