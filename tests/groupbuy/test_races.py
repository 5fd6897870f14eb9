"""The group-buy races of issue 12, on PostgreSQL with real concurrent connections
(tests/concurrency.py): 20 payments for the last seat, the expiry job running twice at once, one
shopper's burst of orders against the per-shopper limit. Payments arrive the way WeChat Pay's do
(``payments.services.payment_apply_success``), so a payment the order can no longer take is
refunded by payments' own path, and one the group can no longer take by group-buy's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import SKU
from core.errors import ApplicationError
from groupbuy import services
from groupbuy.models import Group, GroupMember
from orders.models import AfterSale, Order
from payments import services as payment_services
from payments.models import PaymentAttempt, Refund, WeChatPayConfig
from tests.concurrency import run_at_once
from tests.devtools import hooks
from tests.groupbuy.helpers import buyer, group_of, make_activity, place

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

M = GroupMember.Status


def pay_as_wechat(order: Order) -> str:
    """What a verified WeChat Pay notification does for ``order`` (one attempt each)."""
    config = WeChatPayConfig.objects.get(shop_id=order.shop_id)
    attempt = PaymentAttempt.objects.create(
        shop_id=order.shop_id, order=order, out_trade_no=f"{order.order_no}P01", scene="jsapi",
        amount_fen=order.total_fen, provider="local",
    )  # fmt: skip
    resource = hooks.transaction_resource(attempt, config)
    return payment_services.payment_apply_success(shop=order.shop, config=config, resource=resource)


def money_back_once(order: Order) -> bool:
    """The payment of ``order`` went back exactly once, in full."""
    refunds = list(Refund.objects.filter(order=order))
    return len(refunds) == 1 and refunds[0].amount_fen == order.total_fen and refunds[0].status == "succeeded"


def test_20_payments_for_the_last_seat_seat_one_and_refund_the_others(shop_a):
    activity = make_activity(shop=shop_a, size=3, stock=50, per_user_limit=1)
    leader = place(activity, buyer())
    assert pay_as_wechat(leader) == "paid"
    group = group_of(leader)
    assert pay_as_wechat(place(activity, buyer(), group_no=group.group_no)) == "paid"  # one seat left
    racers = [place(activity, buyer(), group_no=group.group_no) for _n in range(20)]

    outcomes = run_at_once(pay_as_wechat, [(order,) for order in racers])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    services.group_refunds_due()  # anything a crash would have left: nothing is refunded twice

    group.refresh_from_db()
    assert group.status == Group.Status.SUCCEEDED and group.joined_count == 3
    members = {m.order_id: m for m in GroupMember.objects.filter(order__in=racers)}
    seated = [order for order in racers if members[order.pk].status == M.JOINED]
    assert len(seated) == 1, [members[o.pk].status for o in racers]
    for order in racers:
        if order in seated:
            continue
        order.refresh_from_db()
        assert money_back_once(order), (order.order_no, order.status, members[order.pk].status)
        assert order.status in ("closed", "cancelled") and members[order.pk].status != M.JOINED
    assert Group.objects.get(pk=group.pk).members.filter(status=M.JOINED).count() == 3
    assert SKU.objects.get(product=activity.product).stock == 50 - 3  # every refunded unit back


@pytest.mark.parametrize("jobs", [2, 4])
def test_an_expired_group_refunds_every_member_exactly_once_however_many_jobs_run(shop_a, jobs):
    activity = make_activity(shop=shop_a, size=5, stock=20)
    leader = place(activity, buyer())
    pay_as_wechat(leader)
    group = group_of(leader)
    paid = [leader] + [place(activity, buyer(), group_no=group.group_no) for _n in range(3)]
    for order in paid[1:]:
        assert pay_as_wechat(order) == "paid"
    Group.objects.filter(pk=group.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    outcomes = run_at_once(services.groupbuy_sync_job, [()] * jobs)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert run_at_once(services.groupbuy_sync_job, [()] * jobs) == [0] * jobs  # and again: nothing

    assert Group.objects.get(pk=group.pk).status == Group.Status.FAILED
    assert AfterSale.objects.count() == 4 and Refund.objects.count() == 4
    for order in paid:
        order.refresh_from_db()
        assert money_back_once(order)
        assert order.status == "closed" and order.refunded_fen == order.paid_fen
        assert order.after_sales.get().status == "refunded"
        assert order.group_member.status == M.REFUNDED
    assert SKU.objects.get(product=activity.product).stock == 20


def test_one_shoppers_burst_of_group_orders_stops_at_the_limit(shop_a):
    activity = make_activity(shop=shop_a, size=2, per_user_limit=2)
    user = buyer()
    results = run_at_once(lambda key: place(activity, user, key=key), [(f"k{n}",) for n in range(12)])
    orders = [r for r in results if isinstance(r, Order)]
    refusals = [r for r in results if isinstance(r, ApplicationError)]
    assert len(orders) == 2 and {r.code for r in refusals} == {"group_limit_reached"}, results
    assert GroupMember.objects.filter(user=user).count() == 2
