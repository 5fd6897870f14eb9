"""Group-buy in the API: activities, open a group, join one, its status, my groups; the group price
is the server's, the refusals have their codes, and a group's status costs the same queries
whatever its size."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from groupbuy.models import Group
from orders.models import Order
from tests.groupbuy.helpers import buyer, group_of, make_activity, pay, place

pytestmark = pytest.mark.django_db

API = "/api/v1/shops/shop-a"


@pytest.fixture
def activity(shop_a):
    return make_activity(shop=shop_a, price_fen=9900, group_price_fen=5900, size=3)


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def open_body(activity, user, **extra):
    return {"sku_id": activity.product.skus.get().pk, "quantity": 1, "address_id": user.address_id, **extra}


def test_the_running_activities_are_listed_with_their_prices(activity, shop_a, shop_b):
    now = timezone.now()
    make_activity(
        shop=shop_a, name="未开始", starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=2)
    )
    make_activity(shop=shop_b, name="乙的")
    body = APIClient().get(f"{API}/group-buys/").json()
    assert [a["name"] for a in body["results"]] == ["三人团"]
    (item,) = body["results"][0]["items"]
    assert (item["price_fen"], item["group_price_fen"]) == (9900, 5900)
    assert body["results"][0]["group_size"] == 3 and body["results"][0]["open_hours"] == 24


def test_open_pay_join_and_follow_a_group(activity):
    leader = buyer("王小明")
    response = api_for(leader).post(
        f"{API}/group-buys/{activity.pk}/groups/", open_body(activity, leader, price_fen=1, group_price_fen=1),
        format="json", HTTP_IDEMPOTENCY_KEY="open-1",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["group"]["state"] == "waiting" and body["group"]["members"] == []
    order = Order.objects.get(order_no=body["order"]["order_no"])
    assert order.total_fen == 5900 + order.shipping_fen  # the client's prices are ignored
    assert body["order"]["discounts"][0]["code"] == "group_buy"
    again = api_for(leader).post(
        f"{API}/group-buys/{activity.pk}/groups/", open_body(activity, leader, price_fen=1, group_price_fen=1),
        format="json", HTTP_IDEMPOTENCY_KEY="open-1",
    )  # fmt: skip
    assert again.status_code == 200 and Order.objects.count() == 1
    pay(order)
    group_no = body["group"]["group_no"]
    status = APIClient().get(f"{API}/groups/{group_no}/").json()
    assert status["state"] == "open" and status["seats_left"] == 2 and 0 < status["seconds_left"] <= 24 * 3600
    assert status["members"] == [
        {"name": "王**", "is_leader": True, "joined_at": status["members"][0]["joined_at"]}
    ]
    assert status["share_path"] == f"/s/shop-a/groups/{group_no}/"

    friend = buyer()
    joined = api_for(friend).post(
        f"{API}/groups/{group_no}/join/", open_body(activity, friend), format="json"
    )
    assert joined.status_code == 201 and joined.json()["group"]["seats_left"] == 2  # a seat once paid
    mine = api_for(friend).get(f"{API}/groups/mine/").json()["results"]
    assert [(m["group"]["group_no"], m["status"], m["is_leader"]) for m in mine] == [
        (group_no, "pending", False)
    ]


def test_join_refusals_have_their_codes(activity):
    leader = buyer()
    order = place(activity, leader)
    group_no = group_of(order).group_no
    friend = buyer()
    url = f"{API}/groups/{group_no}/join/"
    assert (
        api_for(friend).post(url, open_body(activity, friend), format="json").json()["code"]
        == "group_not_open"
    )
    pay(order)
    response = api_for(leader).post(url, open_body(activity, leader), format="json")
    assert (response.status_code, response.json()["code"]) == (409, "group_already_joined")
    for _n in range(2):
        pay(place(activity, buyer(), group_no=group_no))
    response = api_for(friend).post(url, open_body(activity, friend), format="json")
    assert (response.status_code, response.json()["code"]) == (409, "group_full")
    assert APIClient().get(f"{API}/groups/{group_no}/").json()["state"] == "succeeded"
    response = api_for(friend).post(f"{API}/groups/nope/join/", open_body(activity, friend), format="json")
    assert (response.status_code, response.json()["code"]) == (404, "group_not_found")


def test_a_closed_group_and_an_ended_activity_are_refused(activity):
    order = pay(place(activity, buyer()))
    group = group_of(order)
    Group.objects.filter(pk=group.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    friend = buyer()
    response = api_for(friend).post(
        f"{API}/groups/{group.group_no}/join/", open_body(activity, friend), format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "group_closed")
    assert APIClient().get(f"{API}/groups/{group.group_no}/").json()["state"] == "failed"
    activity.ends_at = timezone.now() - timedelta(seconds=1)
    activity.save()
    response = api_for(friend).post(
        f"{API}/group-buys/{activity.pk}/groups/", open_body(activity, friend), format="json"
    )
    assert (response.status_code, response.json()["code"]) == (404, "group_buy_not_found")


def test_the_orders_endpoint_takes_the_group_buy_option_without_a_coupon(activity, shop_a):
    from promotions import services as promotion_services
    from tests.factories import make_coupon

    user = buyer()
    claim = promotion_services.coupon_claim(
        shop=shop_a, user=user, coupon=make_coupon(shop=shop_a, threshold_fen=0)
    )
    body = {"items": [{"sku_id": activity.product.skus.get().pk, "quantity": 1}], "address_id": user.address_id,
            "group_buy": {"activity_id": activity.pk, "group_no": None}}  # fmt: skip
    preview = api_for(user).post(f"{API}/checkout/preview/", body, format="json").json()
    assert [d["code"] for d in preview["discounts"]] == ["group_buy"]  # the best coupon is not chosen
    refused = api_for(user).post(f"{API}/orders/", {**body, "coupon_claim_id": claim.pk}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "group_not_combinable")
    placed = api_for(user).post(f"{API}/orders/", body, format="json")
    assert placed.status_code == 201 and placed.json()["discount_fen"] == 4000


def test_a_groups_status_costs_the_same_queries_whatever_its_size(shop_a):
    counts = []
    for size in (2, 8):
        activity = make_activity(shop=shop_a, size=10, name=f"{size}")
        leader = pay(place(activity, buyer()))
        group_no = group_of(leader).group_no
        for _n in range(size - 1):
            pay(place(activity, buyer(), group_no=group_no))
        client = APIClient()
        client.get(f"{API}/groups/{group_no}/")  # warm the shop lookup's cache
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get(f"{API}/groups/{group_no}/").json()["members"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
