"""Members and points in the API: my summary and my points history (paginated, constant queries),
``use_points`` at checkout (preview and order) with the preview's ``choices``."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.crm.members_helpers import (
    buyer,
    complete,
    give,
    ledger,
    make_levels,
    pay,
    place,
    points_on,
    sku_of,
    spend_tracking,  # noqa: F401  (the fixture)
)

pytestmark = pytest.mark.usefixtures("spend_tracking")
SUMMARY = "/api/v1/shops/shop-a/member/"
HISTORY = "/api/v1/shops/shop-a/member/points/"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_summary_needs_a_login(shop_a):
    response = APIClient().get(SUMMARY)
    assert response.status_code in (401, 403) and response.json()["code"] == "not_authenticated"


def test_my_summary(shop_a):
    make_levels(shop_a)
    points_on(shop_a, earn_per_yuan=2)
    user = buyer()
    order = complete(pay(place(shop_a, user, price_fen=60000)))
    give(shop_a, user, 88)
    body = api_for(user).get(SUMMARY).json()
    assert body["level"]["name"] == "银卡" and body["level"]["discount_percent"] == 95
    assert body["level"]["discount_label"] == "9.5 折"
    assert body["next_level"]["name"] == "金卡" and body["to_next_fen"] == 140000
    assert body["spent_fen"] == 60000 and body["progress_percent"] == 6
    assert (body["points_available"], body["points_frozen"]) == (88, 1200)
    assert body["frozen"] == [
        {"points": 1200, "unfreeze_at": body["frozen"][0]["unfreeze_at"], "order_no": order.order_no}
    ]
    assert body["expiring"]["points"] == 88
    assert [lv["name"] for lv in body["levels"]] == ["普通", "银卡", "金卡"]
    assert body["points_rules"] == {"enabled": True, "earn_per_yuan": 2, "points_per_yuan": 100, "max_percent": 50,
                                    "expire_days": 365}  # fmt: skip
    assert any("售后期" in rule for rule in body["rules"])


def test_a_shop_without_membership_answers_zeros(shop_a):
    body = api_for(buyer()).get(SUMMARY).json()
    assert body["level"] is None and body["next_level"] is None and body["levels"] == []
    assert body["points_available"] == 0 and body["points_rules"]["enabled"] is False
    assert body["rules"] == ["本店暂未开启积分。"]


def test_my_history_is_paginated_mine_only_and_constant_in_queries(shop_a):
    points_on(shop_a)
    user, other = buyer("a"), buyer("b")
    give(shop_a, other, 5, reason="别人的")
    for i in range(3):
        give(shop_a, user, i + 1, reason=f"第{i}次")
    client = api_for(user)
    client.get(HISTORY)
    with CaptureQueriesContext(connection) as few:
        client.get(HISTORY)
    order = pay(place(shop_a, user))
    for i in range(3, 30):
        give(shop_a, user, i + 1, reason=f"第{i}次")
    place(shop_a, user, options={"points": True})
    with CaptureQueriesContext(connection) as many:
        body = client.get(HISTORY).json()
    assert len(many) == len(few)
    assert body["count"] == 31
    first = body["results"][0]
    assert first["kind"] == "spent" and first["kind_label"] == "下单抵扣" and first["order_no"]
    assert body["results"][1]["note"] == "第29次" and body["results"][1]["order_no"] is None
    assert all(entry["note"] != "别人的" for entry in body["results"])
    assert order


def test_use_points_in_the_preview_and_the_order(shop_a):
    points_on(shop_a, max_percent=20)
    user = buyer()
    give(shop_a, user, 5000)
    sku = sku_of(shop_a, price_fen=10000)
    client = api_for(user)
    body = {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": user.address_id}
    preview = client.post("/api/v1/shops/shop-a/checkout/preview/", body, format="json").json()
    assert preview["choices"] == [{"option": "points", "label": "积分抵扣", "chosen": False, "available": True,
                                   "detail": "可用 5000 积分，本单可用 2000 积分抵 ¥20"}]  # fmt: skip
    assert preview["total_fen"] == 10000
    preview = client.post(
        "/api/v1/shops/shop-a/checkout/preview/", {**body, "use_points": True}, format="json"
    ).json()
    assert preview["total_fen"] == 8000 and preview["choices"][0]["chosen"] is True
    assert {
        "code": "points",
        "label": "积分抵扣 · 2000 积分",
        "amount_fen": 2000,
        "ref": preview["discounts"][0]["ref"],
    } in preview["discounts"]
    assert ledger(shop_a, user) == (5000, 0)  # a preview takes nothing
    created = client.post("/api/v1/shops/shop-a/orders/", {**body, "use_points": True}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["total_fen"] == 8000
    assert ledger(shop_a, user) == (3000, 0)


@pytest.mark.parametrize("value", ["true", 1, "1", None, "yes"])
def test_use_points_is_a_json_boolean(shop_a, value):
    points_on(shop_a)
    user = buyer()
    sku = sku_of(shop_a)
    response = api_for(user).post(
        "/api/v1/shops/shop-a/checkout/preview/",
        {"items": [{"sku_id": sku.pk, "quantity": 1}], "use_points": value},
        format="json",
    )
    assert response.status_code == 400 and "use_points" in response.json()["fields"]
