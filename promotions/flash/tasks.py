"""The flash-sale job as a Celery task (Celery beat's schedule: ``CELERY_BEAT_SCHEDULE``;
``manage.py run_jobs`` runs the same service, registered in ``PromotionsConfig.ready()``, which
also imports this module so a worker knows the task)."""

from celery import shared_task

from promotions.flash import services


@shared_task(name="promotions.tasks.flash_sessions_sync")
def flash_sessions_sync() -> int:
    return services.flash_sessions_sync()
