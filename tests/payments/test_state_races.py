"""Payment attempts and refunds under concurrency, on PostgreSQL with real connections: starts
numbered without collisions, a refund's timeout never overwriting its success."""

from __future__ import annotations

import pytest

from orders import services as order_services
from orders.models import AfterSale
from payments import services
from payments.models import PaymentAttempt, PaymentEvent, Refund
from payments.providers import RefundOutcome
from tests.concurrency import run_at_once
from tests.devtools import hooks
from tests.factories import AddressFactory, ShopperFactory, make_product

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def simulated(settings, live_server, pay_config):
    settings.WECHATPAY_SIMULATOR = True
    settings.WECHATPAY_SIMULATOR_URL = f"{live_server.url}/wechatpay-sim"
    return live_server


@pytest.fixture
def order(shop_a):
    user = ShopperFactory(username="payer")
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    return order_services.order_place(
        shop=shop_a, user=user, items=[(sku.pk, 1)], address_id=AddressFactory(user=user).pk
    )


def test_concurrent_starts_number_attempts_without_collision(simulated, order):
    def start(scene):
        return services.payment_start(
            order=order,
            scene=scene,
            notify_url=f"{simulated.url}/payments/wechat/notify/shop-a/",
            openid="o-test",
        )

    results = run_at_once(start, [("jsapi",), ("native",), ("h5",), ("jsapi",), ("native",), ("h5",)])
    assert [r for r in results if not isinstance(r, PaymentAttempt)] == []  # no IntegrityError
    numbers = sorted(PaymentAttempt.objects.filter(order=order).values_list("out_trade_no", flat=True))
    assert numbers == [f"{order.order_no}P0{n}" for n in (1, 2, 3)]
    by_scene = {a.scene: a.pk for a in PaymentAttempt.objects.filter(order=order)}
    assert {r.pk for r in results} == set(by_scene.values())
    assert all(by_scene[r.scene] == r.pk for r in results)  # same scene, same attempt
    assert PaymentEvent.objects.filter(payment__order=order, from_status="").count() == 3


@pytest.fixture
def refund(attempt, pay_config):
    """A paid order with an approved after-sale whose refund is waiting for WeChat's answer."""
    services.payment_apply_success(
        shop=attempt.shop, config=pay_config, resource=hooks.transaction_resource(attempt, pay_config)
    )
    order = attempt.order
    request = order_services.after_sale_request(
        order=order, user=order.user, kind="refund_only", reason="不想要了", amount_fen=1000
    )
    # approved, the refund reserved; its submission to WeChat is what races below
    AfterSale.objects.filter(pk=request.pk).update(status=AfterSale.Status.REFUNDING)
    return services.refund_start(order=order, after_sale=AfterSale.objects.get(pk=request.pk))


def _success(refund, pay_config):
    return {
        "mchid": pay_config.mchid, "out_refund_no": refund.out_refund_no, "refund_id": "50300000001",
        "refund_status": "SUCCESS", "amount": {"refund": refund.amount_fen, "total": 5900},
    }  # fmt: skip


def test_a_timeout_racing_the_refund_notification_never_fails_a_succeeded_refund(refund, pay_config):
    def notified():
        return services.refund_apply_result(
            shop=refund.shop, config=pay_config, resource=_success(refund, pay_config)
        )

    def timed_out():
        return services.refund_record_answer(refund_id=refund.pk, outcome=None, detail="Read timed out")

    results = run_at_once(lambda f: f(), [(notified,), (timed_out,)] * 8)
    assert [r for r in results if isinstance(r, Exception)] == []
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED and refund.failure_reason == ""
    assert refund.events.filter(to_status=Refund.Status.SUCCEEDED).count() == 1
    assert not refund.events.filter(to_status=Refund.Status.FAILED).exists()
    after_sale = AfterSale.objects.get(pk=refund.after_sale_id)
    assert after_sale.status == AfterSale.Status.REFUNDED
    refund.order.refresh_from_db()
    assert refund.order.refunded_fen == 1000


def test_a_refusal_racing_the_refund_notification_settles_it_once(refund, pay_config):
    """Whichever answer is applied first wins; the other changes nothing, and the refund, the
    after-sale and the order agree."""

    def notified():
        return services.refund_apply_result(
            shop=refund.shop, config=pay_config, resource=_success(refund, pay_config)
        )

    def refused():
        return services.refund_record_answer(
            refund_id=refund.pk,
            outcome=RefundOutcome(accepted=False, settled=False, detail="400 PARAM_ERROR"),
        )

    results = run_at_once(lambda f: f(), [(notified,), (refused,)] * 8)
    assert [r for r in results if isinstance(r, Exception)] == []
    refund.refresh_from_db()
    final = refund.events.exclude(to_status__in=(Refund.Status.PENDING, Refund.Status.PROCESSING))
    assert final.count() == 1 and final.get().to_status == refund.status
    after_sale = AfterSale.objects.get(pk=refund.after_sale_id)
    refund.order.refresh_from_db()
    if refund.status == Refund.Status.SUCCEEDED:
        assert after_sale.status == AfterSale.Status.REFUNDED and refund.order.refunded_fen == 1000
    else:
        assert after_sale.status == AfterSale.Status.FAILED and refund.order.refunded_fen == 0
