"""The after-sale deadline jobs on PostgreSQL (real row locks, one connection per thread): two
workers running the same job at once move each request once — one approval, one closing, one
receipt and one refund — and a person acting at the deadline races the job with one winner."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError
from orders import services
from orders.models import AfterSale, AfterSaleEvent, Order, OrderEvent
from payments.models import Refund
from tests.concurrency import run_at_once
from tests.orders.test_returns import ask_return, ship_back, shipped_order, sku_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
S = AfterSale.Status
E = OrderEvent.Type


def later(**delta):
    return timezone.now() + timedelta(**delta)


def moves(after_sale: AfterSale, to: str) -> int:
    return AfterSaleEvent.objects.filter(after_sale=after_sale, to_status=to).count()


def test_auto_approval_run_twice_at_once_approves_each_request_once(shop_a):
    refunds = []
    for _ in range(3):
        order = shipped_order(shop_a)
        refunds.append(
            services.after_sale_request(
                order=order, user=order.user, kind="refund_only", reason="少发", amount_fen=1000
            )
        )
    returns = [ask_return(shipped_order(shop_a)) for _ in range(3)]
    results = run_at_once(lambda: services.after_sales_auto_approve_due(now=later(hours=49)), [(), ()])
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 6  # each request moved by one worker or the other
    for asked in refunds:
        asked.refresh_from_db()
        assert asked.status == S.REFUNDED and moves(asked, S.REFUNDING) == 1
        assert Refund.objects.filter(after_sale=asked).count() == 1
        assert Order.objects.get(pk=asked.order_id).refunded_fen == 1000
    for asked in returns:
        asked.refresh_from_db()
        assert asked.status == S.AWAITING_RETURN and moves(asked, S.AWAITING_RETURN) == 1
        assert not Refund.objects.filter(after_sale=asked).exists()
        assert Order.objects.get(pk=asked.order_id).events.filter(type=E.RETURN_APPROVED).count() == 1


def test_closing_unreturned_run_twice_at_once_closes_once(shop_a):
    approved = [
        services.after_sale_approve(
            shop=shop_a, after_sale_no=ask_return(shipped_order(shop_a)).after_sale_no, actor=None
        )
        for _ in range(4)
    ]
    results = run_at_once(lambda: services.after_sales_close_unreturned_due(now=later(days=8)), [(), ()])
    assert sorted(results) in ([0, 4], [1, 3], [2, 2]), results
    for asked in approved:
        asked.refresh_from_db()
        assert asked.status == S.CLOSED and moves(asked, S.CLOSED) == 1
        assert Order.objects.get(pk=asked.order_id).events.filter(type=E.AFTER_SALE_CLOSED).count() == 1


def test_auto_receipt_run_twice_at_once_refunds_once(shop_a):
    sent = []
    for _ in range(3):
        order = shipped_order(shop_a)
        sent.append(ship_back(services.after_sale_approve(shop=shop_a, after_sale_no=ask_return(order).after_sale_no,
                                                          actor=None)))  # fmt: skip
    stocks = {asked.pk: sku_of(Order.objects.get(pk=asked.order_id)).stock for asked in sent}
    results = run_at_once(lambda: services.after_sales_auto_receive_due(now=later(days=11)), [(), ()])
    assert sum(results) == 3, results
    for asked in sent:
        asked.refresh_from_db()
        order = Order.objects.get(pk=asked.order_id)
        assert asked.status == S.REFUNDED and moves(asked, S.REFUNDING) == 1
        assert Refund.objects.filter(after_sale=asked).count() == 1 and order.refunded_fen == order.paid_fen
        assert order.events.filter(type=E.RETURN_RECEIVED).count() == 1
        assert sku_of(order).stock == stocks[asked.pk]  # nothing restocked, and not twice


def close_job() -> int:
    return services.after_sales_close_unreturned_due(now=later(minutes=1))


def receive_job() -> int:
    return services.after_sales_auto_receive_due(now=later(days=11))


def call(fn, *args):
    return fn(*args)


def test_the_shopper_entering_the_parcel_at_the_deadline_races_the_closing_job(shop_a):
    for _ in range(4):
        asked = services.after_sale_approve(
            shop=shop_a, after_sale_no=ask_return(shipped_order(shop_a)).after_sale_no, actor=None
        )
        # the deadline is a moment away: the job (told it is past) and the shopper (still in time) race
        AfterSale.objects.filter(pk=asked.pk).update(ship_back_by=later(seconds=30))
        results = run_at_once(call, [(close_job,), (ship_back, asked)])
        asked.refresh_from_db()
        assert asked.status in (S.CLOSED, S.RETURNING), results
        if asked.status == S.CLOSED:
            assert results[0] == 1 and isinstance(results[1], ApplicationError)
            assert results[1].code == "after_sale_not_pending" and asked.return_tracking_no == ""
        else:
            assert results[0] == 0 and isinstance(results[1], AfterSale)
        assert moves(asked, S.CLOSED) + moves(asked, S.RETURNING) == 1


def test_the_merchant_confirming_at_the_deadline_races_the_receipt_job(shop_a, merchant_a):
    def receive(after_sale_no: str, line_id: int) -> AfterSale:
        return services.after_sale_return_receive(
            shop=shop_a, after_sale_no=after_sale_no, actor=merchant_a, restock={line_id: 2}
        )

    for _ in range(3):
        order = shipped_order(shop_a)
        asked = services.after_sale_approve(
            shop=shop_a, after_sale_no=ask_return(order).after_sale_no, actor=None
        )
        ship_back(asked)
        stock = sku_of(order).stock
        results = run_at_once(call, [(receive_job,), (receive, asked.after_sale_no, order.lines.get().pk)])
        asked.refresh_from_db()
        assert asked.status == S.REFUNDED, results
        assert Refund.objects.filter(after_sale=asked).count() == 1 and moves(asked, S.REFUNDING) == 1
        received = AfterSaleEvent.objects.get(after_sale=asked, to_status=S.REFUNDING)
        # whoever won decided the stock: the merchant's 2 resellable units, or none by the system
        assert sku_of(order).stock == stock + (2 if received.actor_kind == "merchant" else 0)
