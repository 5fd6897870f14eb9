"""The commission settle job as a Celery task (Celery beat's schedule: ``CELERY_BEAT_SCHEDULE``;
``manage.py run_jobs`` runs the same service, registered in ``DistributionConfig.ready()``, which
also imports this module so a worker knows the task)."""

from celery import shared_task

from distribution import services


@shared_task(name="distribution.tasks.commissions_settle")
def commissions_settle() -> int:
    return services.commissions_settle_due()
