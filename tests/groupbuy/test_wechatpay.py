"""Group-buy through the real WeChat Pay path (wechatpayv3 against the local simulator, live
server): members pay on the payment sheet, the group runs out of time, and every member's money
goes back through WeChat Pay's refund API with no merchant step; a payment arriving for a full
group goes back the same way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from devtools.wechatpay_sim.models import SimulatedTransaction
from groupbuy import services
from groupbuy.models import Group, GroupMember
from orders.models import AfterSale, OrderStatus
from payments import services as payment_services
from payments.models import Refund
from tests.groupbuy.helpers import buyer, group_of, make_activity, place
from tests.payments.test_pay_flow import pay_on_sheet

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def simulated(settings, live_server, pay_config):
    settings.WECHATPAY_SIMULATOR = True
    settings.WECHATPAY_SIMULATOR_URL = f"{live_server.url}/wechatpay-sim"
    return live_server


def pay(server, order):
    attempt = payment_services.payment_start(
        order=order, scene="jsapi", notify_url=f"{server.url}/payments/wechat/notify/shop-a/", openid="o-test"
    )
    pay_on_sheet(server.url, attempt.prepay_id)
    order.refresh_from_db()
    return attempt


def refunded_through_wechat(order, attempt) -> bool:
    refund = Refund.objects.get(order=order)
    transaction = SimulatedTransaction.objects.get(out_trade_no=attempt.out_trade_no)
    return (
        refund.provider == "wechat"
        and refund.status == Refund.Status.SUCCEEDED
        and refund.amount_fen == order.total_fen
        and transaction.refunded_fen == order.total_fen
    )


def test_a_failed_group_is_refunded_through_wechat_pay(simulated, shop_a):
    activity = make_activity(shop=shop_a, size=3, stock=10)
    leader = place(activity, buyer())
    paid = [(leader, pay(simulated, leader))]
    group = group_of(leader)
    friend = place(activity, buyer(), group_no=group.group_no)
    paid.append((friend, pay(simulated, friend)))
    assert Group.objects.get(pk=group.pk).joined_count == 2
    Group.objects.filter(pk=group.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert services.groups_expire_due() == 1
    for order, attempt in paid:
        order.refresh_from_db()
        assert refunded_through_wechat(order, attempt)
        assert (
            order.status == OrderStatus.CLOSED and order.after_sales.get().status == AfterSale.Status.REFUNDED
        )
        assert order.group_member.status == GroupMember.Status.REFUNDED


def test_a_payment_for_a_full_group_goes_back_through_wechat_pay(simulated, shop_a):
    activity = make_activity(shop=shop_a, size=2, stock=10)
    leader = place(activity, buyer())
    pay(simulated, leader)
    group = group_of(leader)
    late = place(activity, buyer(), group_no=group.group_no)
    late_attempt = payment_services.payment_start(
        order=late,
        scene="jsapi",
        notify_url=f"{simulated.url}/payments/wechat/notify/shop-a/",
        openid="o-test",
    )
    pay(simulated, place(activity, buyer(), group_no=group.group_no))  # the last seat
    pay_on_sheet(simulated.url, late_attempt.prepay_id)  # still on the sheet: paid after all
    late.refresh_from_db()
    assert Group.objects.get(pk=group.pk).status == Group.Status.SUCCEEDED
    assert late.status in (OrderStatus.CLOSED, OrderStatus.CANCELLED)
    assert refunded_through_wechat(late, late_attempt)
