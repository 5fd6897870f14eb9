"""The periodic order jobs run the same way from Celery beat and from `manage.py run_jobs`."""

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from config.celery import app
from orders import services, tasks
from orders.models import Order, OrderStatus
from tests.factories import AddressFactory, make_product


def overdue_order(shop):
    address = AddressFactory()
    sku = make_product(shop=shop, stock=3).skus.get()
    order = services.order_place(shop=shop, user=address.user, items=[(sku.pk, 1)], address_id=address.pk)
    Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(minutes=1))
    return order, sku


def test_run_jobs_command_expires_overdue_orders(shop_a):
    order, sku = overdue_order(shop_a)
    out = StringIO()
    call_command("run_jobs", stdout=out)
    assert "expire_unpaid_orders=1" in out.getvalue()
    order.refresh_from_db()
    sku.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and sku.stock == 3


def test_celery_tasks_and_beat_schedule(shop_a):
    order, _sku = overdue_order(shop_a)
    assert tasks.expire_unpaid_orders() == 1
    assert tasks.auto_complete_orders() == 0
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert scheduled == {
        "orders.tasks.expire_unpaid_orders", "orders.tasks.auto_complete_orders", "orders.tasks.reconcile_payments",
        "orders.tasks.close_abandoned_payments", "wechat.tasks.send_due_notifications",
        "promotions.tasks.flash_sessions_sync", "payments.tasks.sync_transfers",
        "marketing.tasks.channel_stats_flush", "groupbuy.tasks.groups_sync",
        "distribution.tasks.commissions_settle", "crm.tasks.campaigns_send",
        "orders.tasks.after_sales_auto_approve", "orders.tasks.after_sales_close_unreturned",
        "orders.tasks.after_sales_auto_receive", "orders.tasks.photo_uploads_purge",
        "crm.tasks.points_unfreeze", "crm.tasks.points_expire",
        "analytics.tasks.figures_rollup",
    }  # fmt: skip
    app.loader.import_default_modules()  # what a worker does at start: autodiscover every app's tasks
    assert set(scheduled) <= set(app.tasks.keys())
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
