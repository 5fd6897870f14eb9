"""Order messages (the notifications app): queued with the order event, sent after commit in the
background by wechat's outbox, once per event and channel, retried on failure, never retried after
a refusal."""

from __future__ import annotations

import pytest
from django.utils import timezone

from devtools.wechat_sim import views as simulator
from devtools.wechat_sim.models import SimulatorRecord
from orders import services as order_services
from orders.models import Shipment
from tests.concurrency import run_at_once
from tests.devtools import hooks
from tests.factories import AddressFactory, ShopperFactory, make_product
from tests.wechat.conftest import APPID, MP_APPID
from wechat import notifications
from wechat.models import Follower, Notification, WeChatIdentity

pytestmark = pytest.mark.django_db(transaction=True)

OA_OPENID, MP_OPENID = "oAccountOpenid", "oMiniOpenid"


@pytest.fixture
def order(shop_a, account):
    shopper = ShopperFactory()
    WeChatIdentity.objects.create(user=shopper, kind="account", appid=APPID, openid=OA_OPENID)
    WeChatIdentity.objects.create(user=shopper, kind="miniprogram", appid=MP_APPID, openid=MP_OPENID)
    subscribe(shopper, shop_a, ["MP_PAID", "MP_SHIPPED", "MP_DELIVERED", "MP_REFUNDED"])
    sku = make_product(shop=shop_a, title="羊毛围巾", price_fen=5900, stock=5).skus.get()
    return order_services.order_place(shop=shop_a, user=shopper, items=[(sku.pk, 1)],
                                      address_id=AddressFactory(user=shopper).pk)  # fmt: skip


def subscribe(shopper, shop, templates: list[str]) -> None:
    """The shopper taps “允许” in the mini-program; it reports the result to our API."""
    simulator.accept_subscriptions(appid=MP_APPID, openid=MP_OPENID, template_ids=templates)
    notifications.subscriptions_record(
        shop_id=shop.pk, user=shopper, results=dict.fromkeys(templates, "accept")
    )


def sent(kind: str) -> list[dict]:
    return [r.data for r in SimulatorRecord.objects.filter(kind=kind).order_by("pk")]


def test_paid_is_sent_on_both_channels_exactly_once(sim, order):
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    rows = Notification.objects.filter(order=order)
    assert {(n.channel, n.status) for n in rows} == {("account", "pending"), ("miniprogram", "pending")}
    assert sent("template_message") == sent("subscribe_message") == []  # nothing inside the request

    assert notifications.notifications_send_due() == 2
    assert notifications.notifications_send_due() == 0  # the job runs again: nothing twice
    (template,) = sent("template_message")
    (subscribe,) = sent("subscribe_message")
    assert template["touser"] == OA_OPENID and template["template_id"] == "TPL_PAID"
    assert subscribe["touser"] == MP_OPENID and subscribe["template_id"] == "MP_PAID"
    assert subscribe["page"].endswith(order.order_no) and subscribe["miniprogram_state"] == "formal"
    assert template["data"]["character_string1"]["value"] == order.order_no
    assert (
        template["data"]["thing2"]["value"] == "羊毛围巾" and template["data"]["amount3"]["value"] == "¥59.00"
    )
    assert set(rows.values_list("status", flat=True)) == {"sent"}


@pytest.mark.postgres  # real row locks (SQLite locks the whole table)
def test_two_workers_racing_send_once(sim, order):
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    pk = Notification.objects.get(order=order, channel="account").pk
    results = run_at_once(lambda: notifications.notification_send(notification_id=pk), [()] * 4)
    assert sorted(results) == ["", "", "", "sent"]
    assert len(sent("template_message")) == 1


def test_shipped_tells_carrier_and_tracking_number(sim, order, shop_a):
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    order_services.order_ship(shop=shop_a, order_no=order.order_no, carrier="sf", tracking_no="sf1234567890",
                              actor=None)  # fmt: skip
    notifications.notifications_send_due()
    shipped = next(m for m in sent("template_message") if m["template_id"] == "TPL_SHIPPED")
    assert shipped["data"]["thing2"]["value"] == "顺丰速运"
    assert shipped["data"]["character_string3"]["value"] == "SF1234567890"


def test_delivered_and_refunded_are_notified(sim, order, shop_a):
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    order_services.order_ship(
        shop=shop_a, order_no=order.order_no, carrier="sf", tracking_no="SF100001", actor=None
    )
    order_services.tracking_event_add(shipment=Shipment.objects.get(order=order), occurred_at=timezone.now(),
                                      description="已签收", is_signed=True, source="push")  # fmt: skip
    refund = order_services.after_sale_request(order=order, user=order.user, kind="refund_only", reason="有瑕疵",
                                               amount_fen=1000)  # fmt: skip
    order_services.after_sale_approve(shop=shop_a, after_sale_no=refund.after_sale_no, actor=None)
    notifications.notifications_send_due()
    events = {n.event for n in Notification.objects.filter(order=order, status="sent", channel="account")}
    assert events == {"paid", "shipped", "delivered", "refunded"}
    refunded = next(m for m in sent("template_message") if m["template_id"] == "TPL_REFUNDED")
    assert refunded["data"]["amount2"]["value"] == "¥10.00"


def test_a_refused_subscription_is_recorded_and_not_retried(sim, order):
    hooks.refuse_messages(MP_OPENID)
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    notifications.notifications_send_due()
    refused = Notification.objects.get(order=order, channel="miniprogram")
    assert refused.status == "refused" and "43101" in refused.last_error and refused.attempts == 1
    Notification.objects.filter(pk=refused.pk).update(next_attempt_at=timezone.now())
    notifications.notifications_send_due()
    refused.refresh_from_db()
    assert refused.attempts == 1 and sent("subscribe_message") == []


def test_a_failed_send_is_retried_later_and_then_succeeds(sim, order):
    hooks.fail_next_message(OA_OPENID)
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    notifications.notifications_send_due()
    failed = Notification.objects.get(order=order, channel="account")
    assert failed.status == "pending" and failed.attempts == 1 and failed.next_attempt_at > failed.updated_at
    assert notifications.notifications_send_due() == 0  # not due yet: back-off
    Notification.objects.filter(pk=failed.pk).update(next_attempt_at=timezone.now())
    assert notifications.notifications_send_due() == 1
    assert len(sent("template_message")) == 1


def test_nothing_is_queued_for_unfollowed_accounts_or_unset_templates(sim, order, account):
    Follower.objects.create(shop=account.shop, openid=OA_OPENID, is_subscribed=False)
    account.mp_tpl_paid = ""
    account.save()
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    assert not Notification.objects.filter(order=order).exists()


@pytest.mark.django_db  # inside the test's transaction, so that "after commit" can be watched
def test_sending_happens_after_commit(order, django_capture_on_commit_callbacks, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a broker runs: each row goes to a worker after commit
    from wechat import tasks

    queued = []
    monkeypatch.setattr(tasks.send_notification, "delay", queued.append)  # the broker's side
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    assert queued == []  # nothing leaves before commit
    for callback in callbacks:
        callback()
    assert sorted(queued) == sorted(Notification.objects.filter(order=order).values_list("pk", flat=True))
    assert len(queued) == 2


def test_each_acceptance_allows_one_subscribe_message(sim, order, shop_a):
    """Accepted once for "paid": the first paid order is notified in the mini-program, the second
    one is not (no acceptance left); the account's template message needs none."""
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    sku = order.lines.get().sku
    second = order_services.order_place(shop=shop_a, user=order.user, items=[(sku.pk, 1)],
                                        address_id=AddressFactory(user=order.user).pk)  # fmt: skip
    order_services.order_mark_paid(order=second, amount_fen=second.total_fen)
    assert set(Notification.objects.filter(order=second).values_list("channel", flat=True)) == {"account"}
    notifications.notifications_send_due()
    assert len(sent("subscribe_message")) == 1 and len(sent("template_message")) == 2


def test_an_acceptance_wechat_does_not_know_is_refused(sim, order, shop_a):
    """Our count says yes, WeChat says 43101 (e.g. the shopper turned messages off since)."""
    from devtools.wechat_sim.models import SimulatorRecord

    SimulatorRecord.objects.filter(kind="acceptance").delete()
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    notifications.notifications_send_due()
    assert Notification.objects.get(order=order, channel="miniprogram").status == "refused"
