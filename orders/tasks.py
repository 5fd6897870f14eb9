"""The order jobs as Celery tasks (Celery beat's schedule: ``CELERY_BEAT_SCHEDULE``); the payment
jobs are payments' (payments/tasks.py)."""

from celery import shared_task

from accounts.services import photo_uploads_purge_due
from orders import services


@shared_task(name="orders.tasks.expire_unpaid_orders")
def expire_unpaid_orders() -> int:
    return services.orders_expire_due()


@shared_task(name="orders.tasks.auto_complete_orders")
def auto_complete_orders() -> int:
    return services.orders_auto_complete_due()


@shared_task(name="orders.tasks.after_sales_auto_approve")
def after_sales_auto_approve() -> int:
    return services.after_sales_auto_approve_due()


@shared_task(name="orders.tasks.after_sales_close_unreturned")
def after_sales_close_unreturned() -> int:
    return services.after_sales_close_unreturned_due()


@shared_task(name="orders.tasks.after_sales_auto_receive")
def after_sales_auto_receive() -> int:
    return services.after_sales_auto_receive_due()


@shared_task(name="orders.tasks.photo_uploads_purge")
def photo_uploads_purge() -> int:
    """Shoppers' photo uploads no form took (accounts.PhotoUpload), deleted with their files."""
    return photo_uploads_purge_due()
