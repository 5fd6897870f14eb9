"""crm's periodic jobs as Celery tasks (Celery beat's schedule: ``CELERY_BEAT_SCHEDULE``;
``manage.py run_jobs`` runs the same services, registered with ``orders.jobs.job_register`` in the
areas' ``ready()``, which also import this module so a worker knows the tasks)."""

from celery import shared_task

from crm.services import campaigns, members


@shared_task(name="crm.tasks.campaigns_send")
def campaigns_send() -> int:
    return campaigns.campaigns_run()


@shared_task(name="crm.tasks.points_unfreeze")
def points_unfreeze() -> int:
    """Members: frozen points of orders whose after-sales window has closed become available."""
    return members.points_unfreeze_due()


@shared_task(name="crm.tasks.points_expire")
def points_expire() -> int:
    """Members: points past the shop's validity expire, first in, first out."""
    return members.points_expire_due()
