"""What a shopper and a merchant read after paying: the order row read back, the QR page polled
twice, a second payment of an order already paid refunded for that reason (and from that payment)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.utils.dateparse import parse_datetime

from devtools.wechatpay_sim import keys as simulator
from devtools.wechatpay_sim.models import SimulatedTransaction
from orders import services as order_services
from orders.models import OrderEvent, OrderStatus
from payments import services
from payments.models import PaymentAttempt, Refund
from tests.ast_parse import parse
from tests.devtools import hooks
from tests.factories import AddressFactory, ShopperFactory, make_product
from tests.payments.test_notifications import post
from tests.payments.test_pay_flow import DESKTOP, pay_on_sheet

ROOT = Path(__file__).resolve().parents[2]
STAMPS = {"paid_at", "shipped_at", "delivered_at", "completed_at", "cancelled_at"}


def test_notification_saves_paid_at(client, attempt, pay_config):
    resource = hooks.transaction_resource(attempt, pay_config)
    assert post(client, *simulator.notification(pay_config, resource)).status_code == 204
    order = attempt.order
    order.refresh_from_db()
    attempt.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.paid_at == parse_datetime(resource["success_time"])
    assert attempt.paid_at == order.paid_at


def test_every_transition_saves_its_stamp(attempt, pay_config):
    """Paid, shipped, delivered, completed: each stamp is on the row read back."""
    from django.utils import timezone

    order = attempt.order
    services.payment_apply_success(
        shop=order.shop, config=pay_config, resource=hooks.transaction_resource(attempt, pay_config)
    )
    shipment = order_services.order_ship(
        shop=order.shop, order_no=order.order_no, carrier="sf", tracking_no="SF1234567890", actor=None
    )
    order_services.tracking_event_add(
        shipment=shipment, occurred_at=timezone.now(), description="已签收", is_signed=True
    )
    order_services.order_confirm_receipt(order=order, user=order.user)
    order.refresh_from_db()
    assert None not in (order.paid_at, order.shipped_at, order.delivered_at, order.completed_at)
    assert order.paid_at <= order.shipped_at <= order.delivered_at <= order.completed_at


def test_no_code_outside_the_transition_assigns_an_order_stamp():
    """``orders/state.py`` owns every status timestamp: no other module assigns one to an order
    (``order.paid_at = …``) or writes one through ``Order.objects…update(paid_at=…)``."""
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "bench/")) or "/migrations/" in relative:
            continue
        if relative == "orders/state.py":
            continue
        tree = parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else []
            offenders.extend(
                f"{relative}:{node.lineno}"
                for target in targets
                if isinstance(target, ast.Attribute)
                and target.attr in STAMPS
                and isinstance(target.value, ast.Name)
                and "order" in target.value.id.lower()
            )
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "update"
            ):
                chain = ast.unparse(node.func.value)
                if chain.startswith("Order.") and any(k.arg in STAMPS for k in node.keywords):
                    offenders.append(f"{relative}:{node.lineno}")
    assert offenders == []


def test_no_code_outside_payments_state_moves_a_payment_or_refund():
    """``payments/state.py`` is the only writer of ``PaymentAttempt.status`` / ``Refund.status``
    and their stamps (``paid_at``, ``succeeded_at``)."""
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "bench/")) or "/migrations/" in relative:
            continue
        if relative in ("payments/state.py", "payments/simulator_views.py"):
            continue
        for node in ast.walk(parse(path.read_text(), str(path))):
            if isinstance(node, ast.Assign):
                offenders.extend(
                    f"{relative}:{node.lineno}"
                    for target in node.targets
                    if isinstance(target, ast.Attribute)
                    and target.attr in ("status", "paid_at", "succeeded_at")
                    and isinstance(target.value, ast.Name)
                    and any(word in target.value.id.lower() for word in ("attempt", "refund", "payment"))
                )
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "update"
            ):
                chain = ast.unparse(node.func.value)
                if chain.startswith(("PaymentAttempt.", "Refund.")) and any(
                    k.arg in ("status", "paid_at", "succeeded_at") for k in node.keywords
                ):
                    offenders.append(f"{relative}:{node.lineno}")
    assert offenders == []


# ---------------------------------------------------------------- end to end, through the simulator


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


@pytest.mark.django_db(transaction=True)
def test_qr_page_answers_paid_on_every_poll(simulated, order, client):
    client.force_login(order.user)
    client.get(f"/s/shop-a/orders/{order.order_no}/pay/", HTTP_USER_AGENT=DESKTOP)
    attempt = PaymentAttempt.objects.get(order=order)
    pay_on_sheet(simulated.url, SimulatedTransaction.objects.get(out_trade_no=attempt.out_trade_no).prepay_id)
    status_url = f"/s/shop-a/orders/{order.order_no}/pay/status/"
    assert client.get(status_url).json() == {"paid": True}
    assert client.get(status_url).json() == {"paid": True}
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.paid_at is not None


@pytest.mark.django_db(transaction=True)
def test_qr_page_answers_paid_on_every_poll_when_the_query_found_it(simulated, order, client):
    """The notification was lost: the first poll's query marks it paid, the second still says so."""
    from django.utils import timezone

    client.force_login(order.user)
    attempt = services.payment_start(
        order=order, scene="native", notify_url="http://127.0.0.1:9/lost/", openid=""
    )
    SimulatedTransaction.objects.filter(out_trade_no=attempt.out_trade_no).update(
        trade_state="SUCCESS", transaction_id="4200000009", success_time=timezone.now()
    )
    status_url = f"/s/shop-a/orders/{order.order_no}/pay/status/"
    assert client.get(status_url).json() == {"paid": True}
    assert client.get(status_url).json() == {"paid": True}
    order.refresh_from_db()
    assert order.paid_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_second_payment_of_a_paid_order_is_refunded_as_a_duplicate(simulated, order):
    notify = f"{simulated.url}/payments/wechat/notify/shop-a/"
    first = services.payment_start(order=order, scene="jsapi", notify_url=notify, openid="o-test")
    second = services.payment_start(order=order, scene="native", notify_url=notify)
    pay_on_sheet(simulated.url, first.prepay_id)  # paid on the phone …
    code_url_id = second.code_url.rstrip("/").rsplit("/", 1)[-1]  # the simulator's sheet, /pay/<prepay_id>/
    pay_on_sheet(simulated.url, code_url_id)  # … and again by scanning the desktop QR code
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.paid_fen == order.total_fen
    assert order.events.filter(type=OrderEvent.Type.PAID).count() == 1
    refund = Refund.objects.get(order=order)
    assert refund.payment_id == second.pk and refund.after_sale is None
    assert "重复支付" in refund.reason and "取消" not in refund.reason
    assert refund.status == Refund.Status.SUCCEEDED
    note = order.events.get(type=OrderEvent.Type.NOTE)
    assert "重复支付" in note.message and "取消" not in note.message
    # the money goes back from the second payment, never from the one that paid the order
    sims = {tx.out_trade_no: tx.refunded_fen for tx in SimulatedTransaction.objects.all()}
    assert sims == {first.out_trade_no: 0, second.out_trade_no: second.amount_fen}
    second.refresh_from_db()
    assert second.status == PaymentAttempt.Status.SUCCEEDED and "重复支付" in second.note
    from payments.models import PaymentEvent

    assert PaymentEvent.objects.filter(refund=refund, to_status=Refund.Status.SUCCEEDED).count() == 1

    # a later after-sale refund goes back through the payment that paid the order
    request = order_services.after_sale_request(
        order=order, user=order.user, kind="refund_only", reason="不想要了", amount_fen=1000
    )
    order_services.after_sale_approve(shop=order.shop, after_sale_no=request.after_sale_no, actor=None)
    later = Refund.objects.get(after_sale=request)
    assert later.payment_id == first.pk and later.status == Refund.Status.SUCCEEDED
    assert SimulatedTransaction.objects.get(out_trade_no=first.out_trade_no).refunded_fen == 1000


@pytest.mark.django_db(transaction=True)
def test_a_payment_for_a_cancelled_order_is_refunded_as_cancelled(simulated, order):
    attempt = services.payment_start(order=order, scene="jsapi", notify_url=f"{simulated.url}/payments/wechat/notify/shop-a/",
                                     openid="o-test")  # fmt: skip
    order_services.order_cancel(order=order, actor=None, actor_kind="system", reason="超时未支付")
    pay_on_sheet(simulated.url, attempt.prepay_id)
    refund = Refund.objects.get(order=order)
    assert refund.payment_id == attempt.pk and "取消" in refund.reason
    assert refund.status == Refund.Status.SUCCEEDED


def test_merchant_reads_the_payment_events_in_admin(client, attempt, pay_config, merchant_a):
    resource = hooks.transaction_resource(attempt, pay_config)
    assert post(client, *simulator.notification(pay_config, resource)).status_code == 204
    client.force_login(merchant_a)
    page = client.get(f"/admin/payments/paymentattempt/{attempt.pk}/change/").content.decode()
    assert "状态变更记录" in page and "微信支付" in page and "已支付" in page
    assert "succeeded" not in page.split("状态变更记录", 1)[1]  # labels, not raw values
