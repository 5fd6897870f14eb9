"""analytics' job as a Celery task (Celery beat's schedule: ``CELERY_BEAT_SCHEDULE``;
``manage.py run_jobs`` runs the same service, registered in ``AnalyticsConfig.ready()``, which also
imports this module so a worker knows the task)."""

from celery import shared_task

from analytics import services


@shared_task(name="analytics.tasks.figures_rollup")
def figures_rollup() -> int:
    return services.figures_rollup()
