"""Binding a customer to a promoter: made when a referred order is placed (never on a page view),
by the shop's rule (permanent, N days, latest); tampered codes, foreign shops and self-referral
never bind."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from distribution.models import Binding, Commission, DistributionSettings, Promoter
from tests.distribution.helpers import buyer, enable, make_promoter, pay, place, via
from tests.factories import AddressFactory, make_product
from wechat.share import referral_code

RULE = DistributionSettings.BindingRule


def earner(order) -> int | None:
    found = Commission.objects.filter(order=order, level=1).values_list("promoter_id", flat=True).first()
    return found


@pytest.fixture
def two(shop_a):
    enable(shop_a)
    return make_promoter(shop_a, "first"), make_promoter(shop_a, "second")


def test_permanent_the_first_promoter_keeps_the_customer(shop_a, two):
    first, second = two
    customer = buyer()
    one = place(shop_a, customer, attribution=via(first))
    two_ = place(shop_a, customer, attribution=via(second))
    direct = place(shop_a, customer)  # came back on their own: still the first promoter's
    assert [earner(o) for o in (one, two_, direct)] == [first.pk, first.pk, first.pk]
    assert Binding.objects.get().promoter == first


def test_n_days_the_binding_holds_then_another_link_may_take_the_customer(shop_a, two):
    first, second = two
    enable(shop_a, binding_rule=RULE.DAYS, binding_days=15)
    customer = buyer()
    now = timezone.now()
    place(shop_a, customer, attribution=via(first, at=now - timedelta(days=20)))
    binding = Binding.objects.get()
    # created 20 days ago by a visit (the order's touch): already past 15 days for this order
    assert binding.promoter == first
    Binding.objects.filter(pk=binding.pk).update(touched_at=now - timedelta(days=10))
    held = place(shop_a, customer, attribution=via(second))
    assert earner(held) == first.pk
    Binding.objects.filter(pk=binding.pk).update(touched_at=now - timedelta(days=16))
    lapsed = place(shop_a, customer)  # no link and the binding ran out: nobody earns
    assert earner(lapsed) is None
    taken = place(shop_a, customer, attribution=via(second))
    assert earner(taken) == second.pk and Binding.objects.get().promoter == second


def test_latest_a_newer_visit_moves_the_customer(shop_a, two):
    first, second = two
    enable(shop_a, binding_rule=RULE.LATEST)
    customer = buyer()
    assert earner(place(shop_a, customer, attribution=via(first))) == first.pk
    assert earner(place(shop_a, customer, attribution=via(second))) == second.pk
    assert earner(place(shop_a, customer)) == second.pk
    older = via(first, at=timezone.now() - timedelta(days=30))  # an older visit never wins
    assert earner(place(shop_a, customer, attribution=older)) == second.pk


def test_the_own_promoters_link_renews_the_visit(shop_a, two):
    first, _second = two
    enable(shop_a, binding_rule=RULE.DAYS, binding_days=7)
    customer = buyer()
    place(shop_a, customer, attribution=via(first, at=timezone.now() - timedelta(days=6)))
    place(shop_a, customer, attribution=via(first))
    assert timezone.now() - Binding.objects.get().touched_at < timedelta(minutes=1)


def test_no_self_referral(shop_a, two):
    first, second = two
    own = place(shop_a, first.user, attribution=via(first))
    assert earner(own) is None and not Binding.objects.exists()
    place(shop_a, first.user, attribution=via(second))
    assert earner(place(shop_a, first.user, attribution=via(first))) == second.pk  # nor does it unbind
    assert Binding.objects.get(customer=first.user).promoter == second


def test_only_an_approved_promoter_of_this_shop_binds(shop_a, shop_b, two):
    sharer = buyer("sharer")  # shares pages (their own ref code) but never became a promoter
    pending = make_promoter(shop_a, "pending", status=Promoter.Status.PENDING)
    elsewhere = make_promoter(shop_b, "elsewhere")
    customer = buyer()
    from core.attribution import Attribution

    for attribution in (
        Attribution(shop_id=shop_a.pk, referrer_code=str(sharer.pk), touched_at=timezone.now()),
        via(pending),
        via(elsewhere, shop_id=shop_a.pk),  # another shop's promoter, even with the right shop id
        via(elsewhere),  # another shop's attribution: checkout drops it
    ):
        assert earner(place(shop_a, customer, attribution=attribution)) is None
    assert not Binding.objects.exists()


def test_a_disabled_promoters_customers_are_free(shop_a, two):
    first, second = two
    customer = buyer()
    place(shop_a, customer, attribution=via(first))
    Promoter.objects.filter(pk=first.pk).update(status=Promoter.Status.DISABLED)
    assert earner(place(shop_a, customer)) is None
    assert earner(place(shop_a, customer, attribution=via(second))) == second.pk


# ---------------------------------------------------------------- through the real links


def api_order(shop, customer, header: str = ""):
    sku = make_product(shop=shop, price_fen=5900, stock=5).skus.get()
    address = AddressFactory(user=customer)
    api = APIClient()
    api.force_authenticate(customer)
    extra = {"HTTP_X_WEISHOP_ATTRIBUTION": header} if header else {}
    response = api.post(
        f"/api/v1/shops/{shop.slug}/orders/",
        {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address.pk}, format="json", **extra,
    )  # fmt: skip
    assert response.status_code == 201, response.content
    from orders.models import Order

    return Order.objects.get(order_no=response.json()["order_no"])


def test_a_signed_link_binds_and_tampered_or_foreign_codes_never_do(shop_a, shop_b, two):
    first, _second = two
    good = referral_code(shop_id=shop_a.pk, shop_slug=shop_a.slug, user_id=first.user_id)
    tampered = good.replace(f".{first.user_id}:", f".{first.user_id + 1}:")
    assert tampered != good
    forged = re.sub(r":[^:]+$", ":AAAAAAAAAAAAAAAAAAAAAAAAAAA", good)
    foreign = referral_code(shop_id=shop_b.pk, shop_slug=shop_b.slug, user_id=first.user_id)
    customer = buyer()
    for bad in (tampered, forged, foreign, str(first.user_id)):
        assert earner(api_order(shop_a, customer, f"ref={bad}")) is None
    assert not Binding.objects.exists()
    assert earner(api_order(shop_a, customer, f"ref={good}")) == first.pk


def test_h5_link_then_checkout_binds(client, shop_a, two):
    first, _second = two
    customer = buyer()
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    address = AddressFactory(user=customer)
    code = referral_code(shop_id=shop_a.pk, shop_slug=shop_a.slug, user_id=first.user_id)
    client.get(f"/s/shop-a/p/{sku.product_id}/", {"ref": code})
    client.force_login(customer)
    page = client.get(f"/s/shop-a/checkout/?sku={sku.pk}&qty=1").content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    client.post("/s/shop-a/checkout/", {"token": token, "sku": sku.pk, "qty": 1, "address_id": address.pk})
    assert Binding.objects.get(customer=customer).promoter == first


def test_opening_a_promoters_link_writes_nothing(client, shop_a, two):
    """Anonymous and signed-in: the visit is a signed cookie, never a row (issue 16)."""
    first, _second = two
    code = referral_code(shop_id=shop_a.pk, shop_slug=shop_a.slug, user_id=first.user_id)
    product = make_product(shop=shop_a)
    customer = buyer()
    for login in (False, True):
        if login:
            client.force_login(customer)
        for url in ("/s/shop-a/", f"/s/shop-a/p/{product.pk}/"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, {"ref": code}).status_code == 200
            writes = [
                q["sql"]
                for q in queries
                if not q["sql"].lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE"))
            ]
            assert writes == [], (url, login, writes)
    assert not Binding.objects.exists()


def test_paying_does_not_move_the_binding_the_order_was_placed_under(shop_a, two):
    first, second = two
    enable(shop_a, binding_rule=RULE.LATEST)
    customer = buyer()
    order = place(shop_a, customer, attribution=via(first))
    place(shop_a, customer, attribution=via(second))
    pay(order)
    assert Commission.objects.get(order=order).promoter == first
