"""Duplicate notifications at once, and a notification racing the query path, on PostgreSQL."""

import pytest
from django.test import Client

from devtools.wechatpay_sim import keys as simulator
from orders.models import OrderEvent, OrderStatus
from payments import services
from payments.models import PaymentAttempt
from tests.devtools import hooks
from tests.orders.test_concurrency import run_at_once
from tests.payments.test_notifications import URL

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_sixteen_notifications_at_once_mark_paid_once(attempt, pay_config):
    headers, body = simulator.notification(pay_config, hooks.transaction_resource(attempt, pay_config))
    extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}

    def deliver():
        return Client().post(URL, body, content_type="application/json", **extra).status_code

    assert run_at_once(deliver, [()] * 16) == [204] * 16
    attempt.order.refresh_from_db()
    assert attempt.order.status == OrderStatus.PAID
    assert attempt.order.events.filter(type=OrderEvent.Type.PAID).count() == 1


def test_notification_racing_the_query_path_gives_one_transition(attempt, pay_config):
    resource = hooks.transaction_resource(attempt, pay_config)

    def apply():
        return services.payment_apply_success(shop=attempt.shop, config=pay_config, resource=resource)

    results = run_at_once(apply, [(), ()])
    assert sorted(results) == ["already_paid", "paid"]
    assert PaymentAttempt.objects.get().status == PaymentAttempt.Status.SUCCEEDED
    assert attempt.order.events.filter(type=OrderEvent.Type.PAID).count() == 1
