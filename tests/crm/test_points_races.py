"""The points ledger's races, on PostgreSQL with real concurrent connections (tests/concurrency.py):
spends at once never take the balance below zero (the profile's lock and the conditional update);
a spend racing a merchant's deduction; the unfreeze and expiry jobs run twice at once act once.
After each, the profile's caches equal the ledger's sums."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError
from crm.models.members import PointsEntry
from crm.services import members as services
from crm.services.profiles import profile_for_user
from orders.models import Order, OrderDiscount
from tests.concurrency import run_at_once
from tests.crm.members_helpers import (
    after_window,
    buyer,
    complete,
    give,
    ledger,
    pay,
    place,
    points_on,
    sku_of,
    spend_tracking,  # noqa: F401  (the fixture)
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("spend_tracking"),
]


def _spend(order_id: int, profile_id: int, points: int):
    with transaction.atomic():
        order = Order.objects.get(pk=order_id)
        return services.points_spend(order=order, profile_id=profile_id, points=points, fen=points)


def test_ten_spends_at_once_never_go_below_zero(shop_a, settings):
    settings.WEISHOP_MAX_UNPAID_ORDERS = 50
    points_on(shop_a)
    user = buyer()
    give(shop_a, user, 1000)
    profile = profile_for_user(shop_id=shop_a.pk, user_id=user.pk)
    sku = sku_of(shop_a, stock=100)
    orders = [place(shop_a, user, sku=sku) for _ in range(10)]
    results = run_at_once(_spend, [(order.pk, profile.pk, 300) for order in orders])
    spent = [r for r in results if isinstance(r, PointsEntry)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(spent) == 3 and len(refused) == 7, results
    assert {r.code for r in refused} == {"points_insufficient"}
    assert ledger(shop_a, user) == (100, 0)


def test_two_checkouts_using_all_points_at_once_take_them_once(shop_a):
    points_on(shop_a, max_percent=100)
    user = buyer()
    give(shop_a, user, 1000)
    sku = sku_of(shop_a, price_fen=10000, stock=10)

    def checkout(key: str):
        return place(shop_a, user, sku=sku, options={"points": True}, key=key)

    results = run_at_once(checkout, [("k1",), ("k2",)])
    assert all(isinstance(r, (Order, ApplicationError)) for r in results), results
    used = sum(OrderDiscount.objects.filter(code="points").values_list("amount_fen", flat=True))
    assert used == 1000
    assert ledger(shop_a, user) == (0, 0)


def test_a_spend_racing_a_merchants_deduction_never_goes_below_zero(shop_a):
    points_on(shop_a)
    user = buyer()
    give(shop_a, user, 500)
    profile = profile_for_user(shop_id=shop_a.pk, user_id=user.pk)
    order = place(shop_a, user)

    def deduct():
        return services.points_adjust(
            shop=shop_a, profile_id=profile.pk, points=-400, reason="兑换", actor=None
        )

    def spend():
        return _spend(order.pk, profile.pk, 400)

    results = run_at_once(lambda which: deduct() if which == "deduct" else spend(), [("deduct",), ("spend",)])
    done = [r for r in results if isinstance(r, PointsEntry)]
    assert len(done) == 1, results
    assert ledger(shop_a, user) == (100, 0)


def test_the_unfreeze_and_expiry_jobs_twice_at_once_act_once(shop_a):
    points_on(shop_a, expire_days=5)
    user = buyer()
    orders = [complete(pay(place(shop_a, user, price_fen=10000))) for _ in range(4)]
    later = after_window(orders[-1])
    results = run_at_once(lambda: services.points_unfreeze_due(now=later), [(), (), ()])
    assert sum(results) == 4, results
    assert PointsEntry.objects.filter(kind="unfrozen").count() == 4
    assert ledger(shop_a, user) == (400, 0)
    expired_at = later + timedelta(days=6)
    results = run_at_once(lambda: services.points_expire_due(now=expired_at), [(), (), ()])
    assert sum(results) == 1, results
    assert PointsEntry.objects.filter(kind="expired").count() == 1
    assert ledger(shop_a, user) == (0, 0)
    assert timezone.now() < expired_at
