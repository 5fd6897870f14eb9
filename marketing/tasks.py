"""marketing's job as a Celery task (Celery beat's schedule: ``CELERY_BEAT_SCHEDULE``;
``manage.py run_jobs`` runs the same service, registered in ``MarketingConfig.ready()``, which
also imports this module so a worker knows the task)."""

from celery import shared_task

from marketing import services


@shared_task(name="marketing.tasks.channel_stats_flush")
def channel_stats_flush() -> int:
    return services.channel_stats_flush()
