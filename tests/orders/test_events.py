"""The order events port (orders/events.py): listeners registered by apps above orders hear every
order event, "in the transaction" ones at once and "after commit" ones only once it committed."""

from __future__ import annotations

import pytest
from django.db import transaction

from orders import events, jobs, services
from orders.models import OrderEvent, OrderStatus
from tests.factories import AddressFactory, make_product


@pytest.fixture
def heard():
    seen: dict[str, list[tuple[str, bool]]] = {"in_transaction": [], "after_commit": []}

    def inside(event: OrderEvent) -> None:
        seen["in_transaction"].append((event.type, transaction.get_connection().in_atomic_block))

    def after(event: OrderEvent) -> None:
        seen["after_commit"].append((event.type, OrderEvent.objects.filter(pk=event.pk).exists()))

    def broken(event: OrderEvent) -> None:
        raise RuntimeError("a listener that fails")

    events.register(inside, in_transaction=True)
    events.register(broken)
    events.register(after)
    yield seen
    for listener in (inside, broken, after):
        events.unregister(listener)


def _place(shop):
    address = AddressFactory()
    sku = make_product(shop=shop, stock=3).skus.get()
    return services.order_place(shop=shop, user=address.user, items=[(sku.pk, 1)], address_id=address.pk)


@pytest.mark.django_db(transaction=True)
def test_listeners_hear_each_event_in_the_transaction_and_after_commit(shop_a, heard):
    order = _place(shop_a)
    services.order_cancel(order=order, actor=order.user, actor_kind="shopper", reason="")
    assert OrderEvent.objects.filter(order=order).count() == 2
    types = list(OrderEvent.objects.filter(order=order).order_by("pk").values_list("type", flat=True))
    assert heard["in_transaction"] == [(t, True) for t in types]
    # a failing after-commit listener registered before did not stop this one, nor undo the event
    assert heard["after_commit"] == [(t, True) for t in types]
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


@pytest.mark.django_db(transaction=True)
def test_after_commit_listeners_never_hear_a_rolled_back_event(shop_a, heard):
    order = _place(shop_a)
    heard["in_transaction"].clear()
    heard["after_commit"].clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.order_cancel(order=order, actor=order.user, actor_kind="shopper", reason="")
        raise RuntimeError("rolled back")
    assert len(heard["in_transaction"]) == 1
    assert heard["after_commit"] == []
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_registering_twice_adds_a_listener_once_and_the_decorator_form_works():
    @events.register(in_transaction=True)
    def listener(event: OrderEvent) -> None: ...

    try:
        events.register(listener, in_transaction=True)
        assert events.order_event_listeners["in_transaction"].count(listener) == 1
    finally:
        events.unregister(listener)
    assert listener not in events.order_event_listeners["in_transaction"]


def test_apps_above_orders_register_in_ready():
    from notifications.services import order_event_listener
    from wechat.notifications import notifications_send_due

    assert order_event_listener in events.order_event_listeners["in_transaction"]
    # the jobs payments and wechat add, in the order they must run (reconcile before expiry)
    assert list(jobs.JOBS) == [
        "reconcile_payments",
        "expire_unpaid_orders",
        "auto_complete_orders",
        "after_sales_auto_approve",  # orders: the after-sale deadlines (orders/services/returns.py)
        "after_sales_close_unreturned",
        "after_sales_auto_receive",
        "photo_uploads_purge",  # accounts: shoppers' photo uploads no form took
        "close_abandoned_payments",
        "sync_transfers",
        "send_notifications",
        "flash_sessions_sync",  # promotions: after expiry, so expired flash orders give back first
        "channel_stats_flush",  # marketing: channel visits from the cache into ChannelDayStat
        "groupbuy_groups_sync",  # groupbuy: failed groups and their automatic refunds
        "commissions_settle",  # distribution: after auto-complete
        "points_unfreeze",  # crm members: frozen points after the after-sales window
        "points_expire",  # crm members: expiry, first in first out
        "campaigns_send",  # crm: marketing messages (after the order messages' outbox)
        "analytics_rollup",  # analytics: visit counters into daily rows, order figures from the orders
    ]
    assert jobs.JOBS["send_notifications"] is notifications_send_due
