"""The points ledger: earned on completed orders (frozen until the after-sales window closes),
spent at checkout, given back on cancellation and refunds, reversed by refunds, expired first in
first out, adjusted by the merchant — and the profile's caches always equal the ledger's sums."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError
from crm.models.members import OrderPoints, PointsEntry, PointsExpiry
from crm.services import members as services
from orders import services as order_services
from orders.models import Order, OrderDiscount
from tests.crm.members_helpers import (
    after_window,
    buyer,
    complete,
    give,
    kinds,
    ledger,
    pay,
    place,
    points_on,
    profile_of,
    refund,
    sku_of,
    spend_tracking,  # noqa: F401  (the fixture)
)

pytestmark = pytest.mark.usefixtures("spend_tracking")
K = PointsEntry.Kind


# ---------------------------------------------------------------- earning and unfreezing


def test_a_completed_order_earns_frozen_points_per_whole_yuan_that_unfreeze_after_the_window(shop_a):
    points_on(shop_a, earn_per_yuan=2)
    user = buyer()
    order = complete(pay(place(shop_a, user, price_fen=5990)))
    assert ledger(shop_a, user) == (0, 118)  # ¥59.90: 59 whole yuan × 2
    row = OrderPoints.objects.get(order=order)
    assert row.earned_points == 118 and row.earn_base_fen == 5990
    assert row.unfreeze_at == order.completed_at + timedelta(days=shop_a.after_sale_days)
    assert services.points_unfreeze_due(now=after_window(order) - timedelta(seconds=2)) == 0
    assert ledger(shop_a, user) == (0, 118)
    assert services.points_unfreeze_due(now=after_window(order)) == 1
    assert ledger(shop_a, user) == (118, 0)
    assert services.points_unfreeze_due(now=after_window(order) + timedelta(days=1)) == 0  # once
    assert kinds(shop_a, user) == [(K.EARNED, 0, 118), (K.UNFROZEN, 118, -118)]
    unfrozen = PointsEntry.objects.get(kind=K.UNFROZEN)
    assert unfrozen.expires_at == after_window(order) + timedelta(days=365)


def test_paid_is_not_enough_and_a_shop_without_points_gives_none(shop_a, shop_b):
    points_on(shop_a)
    user = buyer()
    pay(place(shop_a, user))
    assert ledger(shop_a, user) == (0, 0)
    complete(pay(place(shop_b, user)))  # shop B has no member settings
    points_on(shop_a, points_enabled=False)
    complete(pay(place(shop_a, user)))
    assert PointsEntry.objects.count() == 0


def test_a_refund_before_completion_lowers_what_the_order_earns(shop_a):
    points_on(shop_a)
    user = buyer()
    order = pay(place(shop_a, user, price_fen=10000))
    refund(order, 3050)
    complete(order)
    assert ledger(shop_a, user) == (0, 69)  # ¥69.50 left: 69 points


def test_unfreezing_waits_for_an_open_after_sale(shop_a):
    points_on(shop_a)
    user = buyer()
    order = complete(pay(place(shop_a, user)))
    order_services.after_sale_request(
        order=order, user=user, kind="refund_only", reason="等等", amount_fen=100
    )
    assert services.points_unfreeze_due(now=after_window(order)) == 0
    assert ledger(shop_a, user) == (0, 100)


# ---------------------------------------------------------------- spending


def test_points_pay_at_most_the_shops_share_of_the_goods_and_are_taken_with_the_order(shop_a):
    points_on(shop_a, points_per_yuan=100, max_percent=30)
    user = buyer()
    give(shop_a, user, 5000)
    order = place(shop_a, user, price_fen=10000, options={"points": True})
    line = OrderDiscount.objects.get(order=order, code="points")
    assert (line.amount_fen, line.data["points"]) == (3000, 3000)  # 30% of ¥100: 3000 points
    assert order.total_fen == 7000
    assert ledger(shop_a, user) == (2000, 0)
    assert OrderPoints.objects.get(order=order).spent_points == 3000
    assert kinds(shop_a, user)[-1] == (K.SPENT, -3000, 0)


def test_without_asking_no_points_are_used(shop_a):
    points_on(shop_a)
    user = buyer()
    give(shop_a, user, 5000)
    for options in ({}, {"points": False}, {"points": "yes"}):
        order = place(shop_a, user, options=options)
        assert not OrderDiscount.objects.filter(order=order, code="points").exists()
    assert ledger(shop_a, user) == (5000, 0)


@pytest.mark.parametrize(
    ("per_yuan", "available", "points", "fen"),
    [
        (100, 1234, 1234, 1234),  # 1 point a fen
        (10, 400, 400, 4000),  # 1 point = 10 fen
        (1000, 1234, 1230, 123),  # 10 points a fen: 4 points left over
        (30, 100, 99, 330),  # 3 points = 10 fen
        (100, 999999, 5000, 5000),  # the cap: 50% of ¥100
    ],
)
def test_points_are_used_in_whole_steps_of_the_rate(shop_a, per_yuan, available, points, fen):
    points_on(shop_a, points_per_yuan=per_yuan, max_percent=50)
    user = buyer()
    give(shop_a, user, available)
    order = place(shop_a, user, price_fen=10000, options={"points": True})
    line = OrderDiscount.objects.get(order=order, code="points")
    assert (line.data["points"], line.amount_fen) == (points, fen)
    assert ledger(shop_a, user) == (available - points, 0)


def test_points_spent_meanwhile_refuse_the_order_and_roll_it_back(shop_a, monkeypatch):
    points_on(shop_a)
    user = buyer()
    give(shop_a, user, 1000)
    sku = sku_of(shop_a, stock=5)
    from crm.models.profiles import CustomerProfile
    from crm.services import members_pricing

    real = services.points_spend

    def spent_elsewhere_first(**kwargs):  # another order took them between pricing and consuming
        CustomerProfile.objects.filter(pk=kwargs["profile_id"]).update(points_available=10)
        return real(**kwargs)

    monkeypatch.setattr(members_pricing, "points_spend", spent_elsewhere_first)
    with pytest.raises(ApplicationError) as refused:
        place(shop_a, user, sku=sku, options={"points": True})
    assert refused.value.code == "points_insufficient" and refused.value.http_status == 409
    assert not Order.objects.filter(user=user).exists()
    sku.refresh_from_db()
    assert sku.stock == 5
    assert ledger(shop_a, user) == (1000, 0)


def test_an_unpaid_order_cancelled_or_expired_gives_its_points_back(shop_a):
    points_on(shop_a)
    user = buyer()
    give(shop_a, user, 2000)
    cancelled = place(shop_a, user, options={"points": True})
    assert ledger(shop_a, user) == (0, 0)
    order_services.order_cancel(order=cancelled, actor=user, actor_kind="shopper", reason="")
    assert ledger(shop_a, user) == (2000, 0)
    expired = place(shop_a, user, options={"points": True})
    Order.objects.filter(pk=expired.pk).update(pay_deadline=timezone.now() - timedelta(minutes=1))
    assert order_services.orders_expire_due() == 1
    assert ledger(shop_a, user) == (2000, 0)
    assert [k for k, _a, _f in kinds(shop_a, user)] == [K.ADJUSTED, K.SPENT, K.RETURNED, K.SPENT, K.RETURNED]


# ---------------------------------------------------------------- refunds


def test_a_full_refund_returns_what_the_order_spent_and_reverses_what_it_earned(shop_a):
    points_on(shop_a)
    user = buyer()
    give(shop_a, user, 3000)
    order = complete(pay(place(shop_a, user, price_fen=10000, options={"points": True})))
    assert order.total_fen == 7000
    assert ledger(shop_a, user) == (0, 70)  # spent 3000; earned 70 on ¥70 paid
    refund(order, 7000)
    assert ledger(shop_a, user) == (3000, 0)
    assert kinds(shop_a, user)[-2:] == [(K.RETURNED, 3000, 0), (K.REVERSED, 0, -70)]
    assert Order.objects.get(pk=order.pk).status == "closed"


def test_partial_refunds_give_back_and_take_back_by_proportion_exactly(shop_a):
    """Paid ¥30 (¥50 goods, 2000 points = ¥20 off): earned 30, spent 2000. Three refunds of ¥10:
    spent given back 667, 666, 667 (round(2000·k/3) less what came before); earned taken back 10
    each; a full refund in the end leaves nothing of either."""
    points_on(shop_a, max_percent=40)
    user = buyer()
    give(shop_a, user, 2000)
    order = complete(pay(place(shop_a, user, price_fen=5000, options={"points": True})))
    assert (order.total_fen, ledger(shop_a, user)) == (3000, (0, 30))
    refund(order, 1000)
    assert ledger(shop_a, user) == (667, 20)
    refund(order, 1000)
    assert ledger(shop_a, user) == (1333, 10)
    refund(order, 1000)
    assert ledger(shop_a, user) == (2000, 0)
    returned = list(
        PointsEntry.objects.filter(kind=K.RETURNED).order_by("pk").values_list("available", flat=True)
    )
    reversed_ = list(
        PointsEntry.objects.filter(kind=K.REVERSED).order_by("pk").values_list("frozen", flat=True)
    )
    assert returned == [667, 666, 667] and reversed_ == [-10, -10, -10]


def test_uneven_partial_refunds_round_by_the_largest_remainder(shop_a):
    """6 points earned on ¥3.50 paid (2 per whole yuan). Refunds of ¥1, ¥1 and ¥1.50 take back
    round(6·100/350) = 2, then round(6·200/350) = 3 less 2 = 1, then the other 3."""
    points_on(shop_a, earn_per_yuan=2)
    user = buyer()
    order = complete(pay(place(shop_a, user, price_fen=350)))
    assert ledger(shop_a, user) == (0, 6)
    refund(order, 100)
    assert ledger(shop_a, user) == (0, 4)
    refund(order, 100)
    assert ledger(shop_a, user) == (0, 3)
    refund(order, 150)
    assert ledger(shop_a, user) == (0, 0)
    assert services.share_of(6, part_fen=100, whole_fen=350) == 2  # 1.71 → 2
    assert services.share_of(6, part_fen=200, whole_fen=350) == 3  # 3.43 → 3
    assert services.share_of(7, part_fen=150, whole_fen=300) == 4  # 3.5: the tie goes to the refund
    assert services.share_of(7, part_fen=300, whole_fen=300) == 7


def test_a_refund_after_unfreezing_takes_the_points_back_from_available_even_below_zero(shop_a):
    points_on(shop_a)
    user = buyer()
    order = complete(pay(place(shop_a, user, price_fen=10000)))
    services.points_unfreeze_due(now=after_window(order))
    assert ledger(shop_a, user) == (100, 0)
    spend = place(shop_a, user, price_fen=10000, options={"points": True})  # uses the 100 points
    assert ledger(shop_a, user) == (0, 0)
    order_services.after_sale_request(order=Order.objects.get(pk=order.pk), user=user, kind="refund_only",
                                      reason="晚了", amount_fen=5000)  # fmt: skip
    after_sale = order.after_sales.get()
    order_services.after_sale_approve(shop=shop_a, after_sale_no=after_sale.after_sale_no, actor=None)
    assert ledger(shop_a, user) == (-50, 0)  # the order's 100 earned, half taken back
    assert kinds(shop_a, user)[-1] == (K.REVERSED, -50, 0)
    assert spend.total_fen == 9900


# ---------------------------------------------------------------- expiry


def _later(days: int):
    return timezone.now() + timedelta(days=days)


def test_points_expire_first_in_first_out_and_only_once(shop_a):
    points_on(shop_a, expire_days=30)
    user = buyer()
    first = give(shop_a, user, 100)  # expires in 30 days
    second = give(shop_a, user, 50)
    PointsEntry.objects.filter(pk=second.pk).update(expires_at=_later(60))  # as if given a month later
    give(shop_a, user, -30, reason="兑换礼品")  # used: taken from the batch that expires first
    assert ledger(shop_a, user) == (120, 0)
    profile = profile_of(shop_a, user)
    assert PointsExpiry.objects.get(profile=profile).due_at == first.expires_at
    assert services.points_expire_due(now=_later(29)) == 0
    assert services.points_expire_due(now=_later(31)) == 1
    assert ledger(shop_a, user) == (50, 0)  # the first 100 less the 30 used of them
    assert services.points_expire_due(now=_later(31)) == 0  # once
    assert (
        PointsExpiry.objects.get(profile=profile).due_at == PointsEntry.objects.get(pk=second.pk).expires_at
    )
    assert services.points_expire_due(now=_later(61)) == 1
    assert ledger(shop_a, user) == (0, 0)
    assert [e for e in kinds(shop_a, user) if e[0] == K.EXPIRED] == [(K.EXPIRED, -70, 0), (K.EXPIRED, -50, 0)]
    assert PointsExpiry.objects.get(profile=profile).due_at is None


def test_points_given_back_keep_the_expiry_of_the_points_they_were(shop_a):
    points_on(shop_a, expire_days=30)
    user = buyer()
    entry = give(shop_a, user, 100)
    order = place(shop_a, user, price_fen=10000, options={"points": True})
    assert ledger(shop_a, user) == (0, 0)
    assert (
        services.points_expire_due(now=entry.expires_at + timedelta(seconds=1)) == 0
    )  # nothing left to expire
    order_services.order_cancel(order=order, actor=user, actor_kind="shopper", reason="")
    assert ledger(shop_a, user) == (100, 0)
    assert services.points_expire_due(now=entry.expires_at + timedelta(seconds=2)) == 1
    assert ledger(shop_a, user) == (0, 0)


def test_points_never_expire_when_the_shop_says_zero(shop_a):
    points_on(shop_a, expire_days=0)
    user = buyer()
    entry = give(shop_a, user, 100)
    assert entry.expires_at is None
    assert services.points_expire_due(now=_later(10000)) == 0
    assert ledger(shop_a, user) == (100, 0)


# ---------------------------------------------------------------- merchant adjustments


def test_a_merchant_adjusts_points_with_a_reason_and_never_below_zero(shop_a, shop_b, merchant_a):
    points_on(shop_a)
    user = buyer()
    from crm.services.profiles import profile_for_user

    profile = profile_for_user(shop_id=shop_a.pk, user_id=user.pk)
    entry = services.points_adjust(
        shop=shop_a, profile_id=profile.pk, points=200, reason=" 线下活动 ", actor=merchant_a
    )
    assert (entry.kind, entry.available, entry.note, entry.actor) == (K.ADJUSTED, 200, "线下活动", merchant_a)
    for points, reason, code in [(100, "  ", "points_reason_required"), (0, "原因", "points_adjust_invalid"),
                                 (-201, "扣", "points_adjust_exceeds"), (10**7, "多", "points_adjust_invalid")]:  # fmt: skip
        with pytest.raises(ApplicationError) as refused:
            services.points_adjust(
                shop=shop_a, profile_id=profile.pk, points=points, reason=reason, actor=None
            )
        assert refused.value.code == code
    with pytest.raises(ApplicationError) as other_shop:
        services.points_adjust(shop=shop_b, profile_id=profile.pk, points=5, reason="别家", actor=None)
    assert other_shop.value.code == "customer_not_found"
    services.points_adjust(shop=shop_a, profile_id=profile.pk, points=-200, reason="兑换", actor=None)
    assert ledger(shop_a, user) == (0, 0)


def test_the_caches_equal_the_ledger_through_a_whole_life(shop_a):
    points_on(shop_a, expire_days=10)
    user = buyer()
    give(shop_a, user, 500)
    first = complete(pay(place(shop_a, user, price_fen=20000, options={"points": True})))
    second = pay(place(shop_a, user, price_fen=3000))
    refund(first, 5000)
    services.points_unfreeze_due(now=after_window(first))
    refund(second, 3000)
    services.points_expire_due(now=_later(30))
    give(shop_a, user, 7)
    available, frozen = ledger(shop_a, user)
    assert frozen == 0 and available == 7
