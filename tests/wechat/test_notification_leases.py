"""Claims of notifications are leases: a worker killed mid-send leaves its row ``sending`` only
until the lease runs out; the row is then retried once more, and given up if that send dies too.
The claim locks only notification rows and skips rows other workers hold."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from orders import services as order_services
from orders.models import Order
from shop.models import Shop
from tests.concurrency import run_at_once
from tests.factories import AddressFactory, ShopperFactory, make_product
from tests.notifications.test_order_messages import MP_OPENID, OA_OPENID, sent, subscribe
from tests.wechat.conftest import APPID, MP_APPID
from wechat import notifications
from wechat.models import Notification, WeChatIdentity

pytestmark = pytest.mark.django_db(transaction=True)
S = Notification.Status


@pytest.fixture
def shopper(shop_a, account):
    shopper = ShopperFactory()
    WeChatIdentity.objects.create(user=shopper, kind="account", appid=APPID, openid=OA_OPENID)
    WeChatIdentity.objects.create(user=shopper, kind="miniprogram", appid=MP_APPID, openid=MP_OPENID)
    return shopper


def paid_order(shop, shopper) -> Order:
    subscribe(shopper, shop, ["MP_PAID"])
    sku = make_product(shop=shop, title="羊毛围巾", price_fen=5900, stock=5).skus.first()
    order = order_services.order_place(shop=shop, user=shopper, items=[(sku.pk, 1)],
                                       address_id=AddressFactory(user=shopper).pk)  # fmt: skip
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    return order


def lease_runs_out(notification: Notification) -> None:
    """Time passes beyond the dead worker's lease."""
    Notification.objects.filter(pk=notification.pk).update(lease_until=timezone.now() - timedelta(seconds=1))


def test_a_claim_is_a_lease(sim, shop_a, shopper):
    paid_order(shop_a, shopper)
    (claimed,) = notifications.notifications_claim_due(limit=1)
    row = Notification.objects.get(pk=claimed.pk)
    assert row.status == S.SENDING and row.attempts == 1
    assert timezone.now() < row.lease_until <= timezone.now() + notifications.LEASE


def test_a_killed_send_is_retried_once_when_its_lease_runs_out(sim, shop_a, shopper):
    order = paid_order(shop_a, shopper)
    (killed,) = notifications.notifications_claim_due(limit=1)  # ... and the worker dies here
    assert notifications.notifications_send_due() == 1  # the other row; the claimed one is leased
    assert Notification.objects.get(pk=killed.pk).status == S.SENDING

    lease_runs_out(killed)
    assert notifications.notifications_send_due() == 1
    row = Notification.objects.get(pk=killed.pk)
    assert row.status == S.SENT and row.attempts == 2 and row.lease_until is None
    assert set(Notification.objects.filter(order=order).values_list("status", flat=True)) == {S.SENT}
    assert len(sent("template_message")) == len(sent("subscribe_message")) == 1


def test_a_send_killed_twice_is_given_up(sim, shop_a, shopper):
    paid_order(shop_a, shopper)
    (killed,) = notifications.notifications_claim_due(limit=1)
    lease_runs_out(killed)
    (again,) = notifications.notifications_claim_due(limit=1)  # retried once more ... and killed again
    assert again.pk == killed.pk
    lease_runs_out(killed)
    notifications.notifications_send_due()
    row = Notification.objects.get(pk=killed.pk)
    assert row.status == S.FAILED and row.attempts == 2 and row.last_error
    assert notifications.notifications_send_due() == 0
    assert Notification.objects.get(pk=killed.pk).status == S.FAILED


def test_a_row_stuck_sending_from_before_leases_is_retried(sim, shop_a, shopper):
    order = paid_order(shop_a, shopper)
    Notification.objects.filter(order=order).update(status=S.SENDING, attempts=1, lease_until=None)
    assert notifications.notifications_send_due() == 2
    assert set(Notification.objects.filter(order=order).values_list("attempts", flat=True)) == {2}


def test_a_late_answer_from_a_dead_lease_changes_nothing(sim, shop_a, shopper):
    """The first worker was only slow: its lease ran out, another sent the message, then the
    first one reports a failure. The row stays sent."""
    paid_order(shop_a, shopper)
    (slow,) = notifications.notifications_claim_due(limit=1)
    lease_runs_out(slow)
    assert notifications.notification_send(notification_id=slow.pk) == S.SENT
    assert notifications.notification_finish(notification=slow, error="ReadTimeout", refused=False) == ""
    assert Notification.objects.get(pk=slow.pk).status == S.SENT


@pytest.mark.postgres
def test_two_workers_claim_disjoint_rows(sim, shop_a, shopper):
    for _ in range(3):
        paid_order(shop_a, shopper)  # 3 orders, 2 channels: 6 rows (the account's all due)
    due = set(Notification.objects.filter(status=S.PENDING).values_list("pk", flat=True))
    assert len(due) >= 4
    first, second = run_at_once(lambda: notifications.notifications_claim_due(limit=len(due)), [(), ()])
    mine, theirs = {n.pk for n in first}, {n.pk for n in second}
    assert not mine & theirs and mine | theirs == due

    Notification.objects.filter(pk__in=due).update(status=S.PENDING, lease_until=None, attempts=0)
    results = run_at_once(notifications.notifications_send_due, [(), ()])
    assert sum(results) == len(due)
    assert len(sent("template_message")) + len(sent("subscribe_message")) == len(due)  # each once


def _hold_row_lock(model, pk: int, locked: threading.Event, release: threading.Event) -> None:
    try:
        with transaction.atomic():
            model.objects.select_for_update().get(pk=pk)
            locked.set()
            release.wait(15)
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.parametrize("locked_model", [Order, Shop])
def test_the_claim_does_not_wait_for_a_locked_order_or_shop(sim, shop_a, shopper, locked_model):
    order = paid_order(shop_a, shopper)
    locked, release = threading.Event(), threading.Event()
    pk = order.pk if locked_model is Order else shop_a.pk
    holder = threading.Thread(target=_hold_row_lock, args=(locked_model, pk, locked, release))
    holder.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        claimed = notifications.notifications_claim_due(limit=5)
        elapsed = time.monotonic() - started
    finally:
        release.set()
        holder.join(20)
    assert elapsed < 3
    assert {n.order_id for n in claimed} == {order.pk} and len(claimed) == 2  # not skipped either
