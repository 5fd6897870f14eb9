"""Profiles under concurrency, on PostgreSQL with real concurrent connections (tests/concurrency.py):
two payments of one shopper at once both count; a visit roll-up racing the shopper's first order
makes one profile with the right figures; the rebuild racing payments loses none and counts none
twice; a follow racing the sign-in of the same openid leaves one profile."""

from __future__ import annotations

import pytest
from django.db import connections
from django.utils import timezone

from crm.models.profiles import CustomerProfile
from crm.services import profiles as services
from orders.models import Order
from tests.concurrency import run_at_once
from tests.crm.test_profiles import pay, place, profile
from tests.factories import ShopperFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_payments_of_one_shopper_at_once_both_count(shop_a):
    buyer = ShopperFactory()
    orders = [place(shop_a, buyer, price_fen=1000 * (i + 1)) for i in range(2)]
    results = run_at_once(pay, [(order,) for order in orders])
    assert all(isinstance(r, Order) for r in results), results
    found = profile(shop_a, buyer)
    assert (found.orders_count, found.spent_fen) == (2, sum(r.paid_fen for r in results))
    assert found.last_order_at == max(r.paid_at for r in results)


def test_five_payments_of_one_shopper_at_once_all_count(shop_a):  # five: the unpaid-order cap
    buyer = ShopperFactory()
    orders = [place(shop_a, buyer, price_fen=100 * (i + 1)) for i in range(5)]
    results = run_at_once(pay, [(order,) for order in orders])
    assert all(isinstance(r, Order) for r in results), results
    found = profile(shop_a, buyer)
    assert (found.orders_count, found.spent_fen) == (5, sum(r.paid_fen for r in results))


def test_a_visit_roll_up_racing_the_first_order_makes_one_profile(shop_a):
    buyers = [ShopperFactory() for _ in range(5)]

    def seen():
        return services.profiles_seen(shop_id=shop_a.pk, seen=[(b.pk, "pyq", timezone.now()) for b in buyers])

    def buy(buyer):
        return pay(place(shop_a, buyer, price_fen=2000))

    results = run_at_once(lambda f, *a: f(*a), [(seen,), *[(buy, b) for b in buyers]])
    assert not [r for r in results if isinstance(r, Exception)], results
    for buyer in buyers:
        assert CustomerProfile.objects.filter(shop=shop_a, user=buyer).count() == 1
        found = profile(shop_a, buyer)
        assert (found.orders_count, found.spent_fen) == (1, Order.objects.get(user=buyer).paid_fen)


def test_the_rebuild_racing_payments_leaves_exact_figures(shop_a):
    buyers = [ShopperFactory() for _ in range(6)]
    for buyer in buyers:
        pay(place(shop_a, buyer, price_fen=1000))
    CustomerProfile.objects.update(orders_count=0, spent_fen=0)  # wrong: the rebuild puts it right
    pending = [place(shop_a, buyer, price_fen=500) for buyer in buyers]

    def rebuild():
        return services.profiles_rebuild(shop_id=shop_a.pk, batch=2)

    results = run_at_once(lambda f, *a: f(*a), [(rebuild,), *[(pay, order) for order in pending]])
    assert not [r for r in results if isinstance(r, Exception)], results
    for buyer in buyers:
        paid = Order.objects.filter(user=buyer, paid_at__isnull=False)
        found = profile(shop_a, buyer)
        assert found.orders_count == paid.count() == 2
        assert found.spent_fen == sum(o.paid_fen for o in paid)


def test_a_follow_racing_the_sign_in_of_the_same_openid_leaves_one_profile(shop_a):
    for n in range(5):
        buyer = ShopperFactory()
        pay(place(shop_a, buyer, price_fen=1000))
        openid = f"oRace{n}"

        def follow(openid=openid):
            return services.profile_follow(
                shop_id=shop_a.pk, openid=openid, followed_at=timezone.now(), user_id=None
            )

        def link(openid=openid, buyer=buyer):
            return services.profile_openid_link(shop_id=shop_a.pk, user_id=buyer.pk, openid=openid)

        results = run_at_once(lambda f: f(), [(follow,), (link,)])
        connections.close_all()
        assert not [r for r in results if isinstance(r, Exception)], results
        # whichever went first, the sign-in's profile is the openid's (a later follow finds it)
        services.profile_openid_link(shop_id=shop_a.pk, user_id=buyer.pk, openid=openid)
        rows = CustomerProfile.objects.filter(shop=shop_a).filter(oa_openid=openid)
        assert rows.count() == 1
        found = rows.get()
        assert found.user == buyer and found.orders_count == 1 and found.is_follower
        assert CustomerProfile.objects.filter(shop=shop_a, user=buyer).count() == 1
