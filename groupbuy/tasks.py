"""The group-buy job as a Celery task (Celery beat's schedule: ``CELERY_BEAT_SCHEDULE``;
``manage.py run_jobs`` runs the same service, registered in ``GroupbuyConfig.ready()``, which also
imports this module so a worker knows the task)."""

from celery import shared_task

from groupbuy import services


@shared_task(name="groupbuy.tasks.groups_sync")
def groups_sync() -> int:
    return services.groupbuy_sync_job()
