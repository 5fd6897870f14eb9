from celery import shared_task

from orders import services


@shared_task(name="orders.tasks.expire_unpaid_orders")
def expire_unpaid_orders() -> int:
    return services.orders_expire_due()


@shared_task(name="orders.tasks.auto_complete_orders")
def auto_complete_orders() -> int:
    return services.orders_auto_complete_due()


@shared_task(name="orders.tasks.reconcile_payments")
def reconcile_payments() -> int:
    from payments.services import payments_reconcile

    return payments_reconcile()


@shared_task(name="orders.tasks.close_abandoned_payments")
def close_abandoned_payments() -> int:
    from payments.services import payments_close_abandoned

    return payments_close_abandoned()
