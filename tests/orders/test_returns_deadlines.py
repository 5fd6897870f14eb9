"""The after-sale deadlines are real (orders/services/returns.py, run by the periodic jobs):

- a request the merchant has not answered by ``respond_by`` is approved by the system (仅退款: the
  refund is sent; 退货退款: the return address is shown);
- an approved return with nothing sent back by ``ship_back_by`` closes;
- a parcel the merchant neither confirmed nor refused by ``receive_by`` is taken as received: refunded.

And on every path, a return's refund is sent only once the goods are received."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.errors import ApplicationError
from orders import services, tasks
from orders.models import AfterSale, AfterSaleEvent, Order, OrderEvent, ReturnSettings
from payments.models import Refund
from shop.models import Shop
from tests.orders.test_returns import ask_return, photo, ship_back, shipped_order, sku_of

S = AfterSale.Status
E = OrderEvent.Type
LATER = timedelta(days=60)


def at(delta: timedelta):
    return timezone.now() + delta


def refund_only(order: Order, amount_fen: int = 1000) -> AfterSale:
    return services.after_sale_request(
        order=order,
        user=order.user,
        kind=AfterSale.Kind.REFUND_ONLY,
        reason="少发一件",
        amount_fen=amount_fen,
    )


def test_the_shop_settings_say_48_hours_7_days_and_10_days(shop_a):
    field = Shop._meta.get_field("after_sale_response_hours")
    assert field.default == 48 and str(field.verbose_name) == "售后处理时限（小时）"
    assert "自动同意" in str(field.help_text)
    assert ReturnSettings._meta.get_field("ship_back_days").default == 7
    assert ReturnSettings._meta.get_field("receive_days").default == 10
    terms = services.return_terms(shop=shop_a)
    assert (terms.response_hours, terms.ship_back_days, terms.receive_days) == (48, 7, 10)


def test_an_unanswered_refund_is_approved_and_refunded_at_respond_by(shop_a):
    order = shipped_order(shop_a)
    asked = refund_only(order)
    assert asked.respond_by == asked.created_at + timedelta(hours=48)
    assert services.after_sales_auto_approve_due(now=asked.respond_by - timedelta(seconds=1)) == 0
    assert services.after_sales_auto_approve_due(now=asked.respond_by) == 1
    asked.refresh_from_db()
    assert asked.status == S.REFUNDED and Refund.objects.filter(after_sale=asked).count() == 1
    approved = AfterSaleEvent.objects.get(after_sale=asked, to_status=S.REFUNDING)
    assert approved.actor_kind == "system" and "自动同意并退款" in approved.message
    assert order.events.get(type=E.REFUND_APPROVED).actor_kind == "system"
    assert services.after_sales_auto_approve_due(now=at(LATER)) == 0  # once


def test_the_shops_own_hours_count(shop_a):
    Shop.objects.filter(pk=shop_a.pk).update(after_sale_response_hours=4)
    shop_a.refresh_from_db()
    asked = refund_only(shipped_order(shop_a))
    assert asked.respond_by == asked.created_at + timedelta(hours=4)
    assert services.after_sales_auto_approve_due(now=at(timedelta(hours=4, minutes=1))) == 1


def test_an_unanswered_return_is_approved_and_shows_the_address_but_refunds_nothing(shop_a):
    order = shipped_order(shop_a)
    asked = ask_return(order)
    assert services.after_sales_auto_approve_due(now=at(timedelta(hours=49))) == 1
    asked.refresh_from_db()
    assert asked.status == S.AWAITING_RETURN and asked.return_address == shop_a.business_address
    assert asked.ship_back_by == asked.handled_at + timedelta(days=7)
    assert not Refund.objects.exists()
    approved = order.events.get(type=E.RETURN_APPROVED)
    assert (
        approved.actor_kind == "system"
        and "自动同意退货" in approved.message
        and "前寄回商品" in approved.message
    )


def test_a_request_the_merchant_answered_is_left_alone(shop_a, merchant_a):
    rejected = refund_only(shipped_order(shop_a))
    services.after_sale_reject(
        shop=shop_a, after_sale_no=rejected.after_sale_no, actor=merchant_a, reason="已补发"
    )
    withdrawn = refund_only(shipped_order(shop_a))
    services.after_sale_withdraw(
        order=withdrawn.order, user=withdrawn.order.user, after_sale_no=withdrawn.after_sale_no
    )
    assert services.after_sales_auto_approve_due(now=at(LATER)) == 0
    assert not Refund.objects.exists()


def test_a_return_with_nothing_sent_back_closes_after_the_shops_days(shop_a):
    ReturnSettings.objects.create(shop=shop_a, address="上海市浦东新区退货仓 1 号", ship_back_days=3)
    order = shipped_order(shop_a)
    asked = services.after_sale_approve(
        shop=shop_a, after_sale_no=ask_return(order).after_sale_no, actor=None
    )
    assert asked.ship_back_by == asked.handled_at + timedelta(days=3)
    assert services.after_sales_close_unreturned_due(now=at(timedelta(days=3)) - timedelta(minutes=1)) == 0
    assert services.after_sales_close_unreturned_due(now=at(timedelta(days=3, minutes=1))) == 1
    asked.refresh_from_db()
    assert asked.status == S.CLOSED and asked.closed_at is not None
    closed = order.events.get(type=E.AFTER_SALE_CLOSED)
    assert closed.actor_kind == "system" and "寄回期限" in closed.message
    assert not Refund.objects.exists() and order.refunded_fen == 0
    assert services.after_sales_close_unreturned_due(now=at(LATER)) == 0
    # and the shopper may ask again
    assert ask_return(Order.objects.get(pk=order.pk)).status == S.REQUESTED


def test_a_sent_parcel_is_never_closed(shop_a):
    asked = ship_back(services.after_sale_approve(shop=shop_a, after_sale_no=ask_return(shipped_order(shop_a)).after_sale_no,
                                                  actor=None))  # fmt: skip
    assert services.after_sales_close_unreturned_due(now=at(timedelta(days=8))) == 0
    asked.refresh_from_db()
    assert asked.status == S.RETURNING


def test_an_unconfirmed_parcel_is_received_and_refunded_at_receive_by(shop_a):
    order = shipped_order(shop_a)
    sku = sku_of(order)
    asked = ship_back(
        services.after_sale_approve(shop=shop_a, after_sale_no=ask_return(order).after_sale_no, actor=None)
    )
    assert asked.receive_by == asked.returned_at + timedelta(days=10)
    assert services.after_sales_auto_receive_due(now=asked.receive_by - timedelta(seconds=1)) == 0
    assert not Refund.objects.exists()
    assert services.after_sales_auto_receive_due(now=asked.receive_by) == 1
    asked.refresh_from_db()
    assert asked.status == S.REFUNDED and Refund.objects.filter(after_sale=asked).count() == 1
    received = order.events.get(type=E.RETURN_RECEIVED)
    assert received.actor_kind == "system" and "自动确认收货" in received.message
    sku.refresh_from_db()
    assert sku.stock == 8  # nobody said the goods may be sold again: nothing restocked
    assert services.after_sales_auto_receive_due(now=at(LATER)) == 0


def test_a_parcel_the_merchant_refused_is_not_received_later(shop_a, merchant_a):
    asked = ship_back(services.after_sale_approve(shop=shop_a, after_sale_no=ask_return(shipped_order(shop_a)).after_sale_no,
                                                  actor=None))  # fmt: skip
    services.after_sale_return_reject(shop=shop_a, after_sale_no=asked.after_sale_no, actor=merchant_a,
                                      reason="商品已使用", photos=[photo()])  # fmt: skip
    assert services.after_sales_auto_receive_due(now=at(LATER)) == 0
    assert not Refund.objects.exists()


def test_without_any_return_address_the_clock_starts_when_the_merchant_gives_one(shop_a):
    Shop.objects.filter(pk=shop_a.pk).update(business_address="")
    shop_a.refresh_from_db()
    order = shipped_order(shop_a)
    asked = ask_return(order)
    assert services.after_sales_auto_approve_due(now=at(timedelta(hours=49))) == 1  # the deadline is real
    asked.refresh_from_db()
    assert asked.status == S.AWAITING_RETURN and asked.return_address == "" and asked.ship_back_by is None
    assert "暂未提供退货地址" in order.events.get(type=E.RETURN_APPROVED).message
    with pytest.raises(ApplicationError) as err:
        ship_back(asked)
    assert err.value.code == "return_address_missing"
    assert services.after_sales_close_unreturned_due(now=at(LATER)) == 0  # never the shopper's fault

    services.return_settings_save(
        settings=ReturnSettings(shop=shop_a, recipient="售后部", address="广州市天河区体育西路 2 号")
    )
    asked.refresh_from_db()
    assert asked.return_address == "广州市天河区体育西路 2 号" and asked.return_name == "售后部"
    assert asked.ship_back_by is not None and asked.ship_back_by > timezone.now() + timedelta(days=6)
    told = order.events.get(type=E.RETURN_ADDRESS)
    assert "前寄回商品" in told.message and told.data["after_sale_no"] == asked.after_sale_no
    assert ship_back(asked).status == S.RETURNING


def test_return_settings_are_checked(shop_a):
    for fields, field in (({"ship_back_days": 0}, "ship_back_days"), ({"receive_days": 31}, "receive_days"),
                          ({"phone": "电话号码"}, "phone")):  # fmt: skip
        with pytest.raises(ApplicationError) as err:
            services.return_settings_save(settings=ReturnSettings(shop=shop_a, address="某地", **fields))
        assert err.value.code == "invalid" and field in err.value.fields
    assert not ReturnSettings.objects.exists()


def test_a_returns_refund_waits_for_receipt_on_every_path(shop_a, merchant_a):
    """Every way a return can move: only receipt (the merchant's, or the system's at receive_by)
    sends money."""
    refunds = Refund.objects.filter
    # merchant approval, and the system's
    by_merchant = services.after_sale_approve(shop=shop_a, after_sale_no=ask_return(shipped_order(shop_a)).after_sale_no,
                                              actor=merchant_a)  # fmt: skip
    by_system = ask_return(shipped_order(shop_a))
    services.after_sales_auto_approve_due(now=at(timedelta(hours=49)))
    by_system.refresh_from_db()
    for asked in (by_merchant, by_system):
        assert asked.status == S.AWAITING_RETURN and not refunds(after_sale=asked).exists()
    # sending the parcel
    ship_back(by_merchant)
    ship_back(by_system)
    assert not refunds(after_sale=by_merchant).exists() and not refunds(after_sale=by_system).exists()
    # closing, withdrawing, refusing
    closed = services.after_sale_approve(
        shop=shop_a, after_sale_no=ask_return(shipped_order(shop_a)).after_sale_no, actor=None
    )
    services.after_sales_close_unreturned_due(now=at(timedelta(days=8)))
    withdrawn = services.after_sale_approve(
        shop=shop_a, after_sale_no=ask_return(shipped_order(shop_a)).after_sale_no, actor=None
    )
    services.after_sale_withdraw(
        order=withdrawn.order, user=withdrawn.order.user, after_sale_no=withdrawn.after_sale_no
    )
    refused = ship_back(services.after_sale_approve(shop=shop_a, after_sale_no=ask_return(shipped_order(shop_a)).after_sale_no,
                                                    actor=None))  # fmt: skip
    services.after_sale_return_reject(shop=shop_a, after_sale_no=refused.after_sale_no, actor=merchant_a,
                                      reason="不是本店商品", photos=[photo()])  # fmt: skip
    for asked in (closed, withdrawn, refused):
        asked.refresh_from_db()
        assert (
            asked.status in (S.CLOSED, S.WITHDRAWN, S.RETURN_REJECTED)
            and not refunds(after_sale=asked).exists()
        )
    # receipt: by the merchant, and by the system at receive_by
    services.after_sale_return_receive(shop=shop_a, after_sale_no=by_merchant.after_sale_no, actor=merchant_a)
    services.after_sales_auto_receive_due(now=at(timedelta(days=11)))
    for asked in (by_merchant, by_system):
        asked.refresh_from_db()
        assert asked.status == S.REFUNDED and refunds(after_sale=asked).count() == 1
    assert Refund.objects.count() == 2


def test_the_jobs_run_from_run_jobs_and_celery(shop_a):
    asked = refund_only(shipped_order(shop_a))
    AfterSale.objects.filter(pk=asked.pk).update(respond_by=timezone.now() - timedelta(minutes=1))
    out = StringIO()
    call_command("run_jobs", stdout=out)
    assert "after_sales_auto_approve=1" in out.getvalue()
    assert (
        "after_sales_close_unreturned=0" in out.getvalue() and "after_sales_auto_receive=0" in out.getvalue()
    )
    asked.refresh_from_db()
    assert asked.status == S.REFUNDED
    assert (tasks.after_sales_auto_approve(), tasks.after_sales_close_unreturned(), tasks.after_sales_auto_receive()) == (
        0, 0, 0,
    )  # fmt: skip
