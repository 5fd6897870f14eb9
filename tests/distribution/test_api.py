"""The promoter centre API: stable error codes, the promoter's own data only, customers masked."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from distribution.models import DistributionSettings, Promoter, Withdrawal
from tests.distribution.helpers import buyer, enable, make_promoter, pay, place, via
from tests.distribution.test_withdrawals import earn
from tests.factories import ShopperFactory

API = "/api/v1/shops/shop-a/promoter/"


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def code(response) -> str:
    return response.json()["code"]


def test_anonymous_is_refused(shop_a):
    for path in ("", "link/", "ledger/", "customers/", "withdrawals/"):
        assert APIClient().get(f"{API}{path}").status_code == 401


def test_centre_and_apply_follow_the_shops_terms(shop_a, shopper):
    api = api_for(shopper)
    body = api.get(API).json()
    assert body["terms"]["enabled"] is False and body["promoter"] is None and body["balances"] is None
    response = api.post(f"{API}apply/")
    assert (response.status_code, code(response)) == (409, "distribution_off")
    enable(shop_a, who_may_promote=DistributionSettings.WhoMayPromote.BUYERS)
    response = api.post(f"{API}apply/")
    assert (response.status_code, code(response)) == (403, "promoter_needs_purchase")
    pay(place(shop_a, shopper))
    body = api.post(f"{API}apply/").json()
    assert body["promoter"]["status"] == "approved"
    assert body["balances"] == {"pending_fen": 0, "balance_fen": 0, "withdrawing_fen": 0, "withdrawn_fen": 0}
    assert body["terms"]["rate_percent"] == "10.00" and body["terms"]["min_withdraw_fen"] == 1000


def test_a_non_promoter_gets_promoter_not_approved(shop_a, shopper):
    enable(shop_a, who_may_promote=DistributionSettings.WhoMayPromote.APPROVED)
    api = api_for(shopper)
    api.post(f"{API}apply/")
    assert Promoter.objects.get().status == Promoter.Status.PENDING
    for path in ("link/", "ledger/", "customers/", "withdrawals/"):
        response = api.get(f"{API}{path}")
        assert (response.status_code, code(response)) == (403, "promoter_not_approved"), path
    response = api.post(f"{API}withdrawals/", {"amount_fen": 1000}, format="json")
    assert code(response) == "promoter_not_approved"


def test_link_is_the_signed_code_of_this_shop(shop_a):
    enable(shop_a)
    promoter = make_promoter(shop_a)
    body = api_for(promoter.user).get(f"{API}link/").json()
    from wechat.share import referral_user_id

    assert referral_user_id(code=body["code"], shop_slug="shop-a") == promoter.user_id
    assert body["url"].startswith("http://testserver/s/shop-a/?ref=")


def test_withdraw_error_codes_and_list(shop_a):
    enable(shop_a)
    promoter = make_promoter(shop_a)
    earn(shop_a, promoter)
    api = api_for(promoter.user)
    for amount, status, expected in (
        (999, 400, "withdraw_below_minimum"),
        (10001, 409, "withdraw_exceeds_balance"),
        ("2000", 400, "invalid"),
        (20.0, 400, "invalid"),
        (True, 400, "invalid"),
    ):
        response = api.post(f"{API}withdrawals/", {"amount_fen": amount}, format="json")
        assert (response.status_code, code(response)) == (status, expected), amount
    response = api.post(f"{API}withdrawals/", {"amount_fen": 2500}, format="json")
    assert response.status_code == 201, response.content
    made = response.json()
    assert (made["amount_fen"], made["status"], made["confirm"]) == (2500, "requested", None)
    listed = api.get(f"{API}withdrawals/").json()
    assert [w["id"] for w in listed["results"]] == [made["id"]]
    assert api.get(API).json()["balances"]["balance_fen"] == 7500
    # the mini-program's request goes to the promoter's mini-program identity (the simulator's stand-in here)
    assert Withdrawal.objects.get().openid == f"o-dev-{promoter.user_id}"
    response = api.post(f"{API}withdrawals/cancel/", {"withdrawal_id": made["id"]}, format="json")
    assert response.json()["status"] == "cancelled"
    response = api.post(f"{API}withdrawals/cancel/", {"withdrawal_id": made["id"]}, format="json")
    assert (response.status_code, code(response)) == (409, "withdrawal_not_open")


def test_another_promoters_withdrawal_is_not_found(shop_a):
    enable(shop_a)
    mine, theirs = make_promoter(shop_a, "mine"), make_promoter(shop_a, "theirs")
    earn(shop_a, theirs)
    from distribution import services

    withdrawal = services.withdrawal_request(shop=shop_a, user=theirs.user, amount_fen=2000)
    api = api_for(mine.user)
    for path in ("withdrawals/cancel/", "withdrawals/check/"):
        response = api.post(f"{API}{path}", {"withdrawal_id": withdrawal.pk}, format="json")
        assert (response.status_code, code(response)) == (404, "withdrawal_not_found"), path
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.REQUESTED


def test_ledger_and_customers_are_my_own_and_masked(shop_a):
    enable(shop_a)
    mine, theirs = make_promoter(shop_a, "mine"), make_promoter(shop_a, "theirs")
    pay(place(shop_a, ShopperFactory(username="c1", nickname="王小明"), attribution=via(mine)))
    pay(
        place(
            shop_a, ShopperFactory(username="c2", nickname="赵六"), attribution=via(theirs), price_fen=20000
        )
    )
    api = api_for(mine.user)
    ledger = api.get(f"{API}ledger/").json()
    assert [(e["kind"], e["bucket"], e["amount_fen"]) for e in ledger["results"]] == [
        ("commission", "pending", 1000)
    ]
    customers = api.get(f"{API}customers/").json()
    assert customers["count"] == 1
    assert customers["results"][0] | {"bound_at": None} == {
        "name": "王**", "bound_at": None, "orders": 1, "commission_fen": 1000,
    }  # fmt: skip
    assert "王小明" not in str(customers) and "赵" not in str(customers)


@pytest.mark.parametrize("size", [1, 3])
def test_customers_page_through(shop_a, size):
    enable(shop_a)
    promoter = make_promoter(shop_a)
    for i in range(5):
        pay(place(shop_a, buyer(f"p{i}"), attribution=via(promoter)))
    api = api_for(promoter.user)
    seen = []
    page = 1
    while True:
        body = api.get(f"{API}customers/", {"page": page, "page_size": size}).json()
        seen += [row["name"] for row in body["results"]]
        if not body["next"]:
            break
        page += 1
    assert len(seen) == 5
    assert api.get(f"{API}customers/", {"page": 99}).status_code == 404


def test_the_poster_is_a_png_for_promoters_and_an_error_body_otherwise(shop_a, shopper):
    enable(shop_a)
    promoter = make_promoter(shop_a)
    response = api_for(promoter.user).get(f"{API}poster/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"
    response = api_for(shopper).get(f"{API}poster/")
    assert (response.status_code, response["Content-Type"], code(response)) == (
        403, "application/json", "promoter_not_approved",
    )  # fmt: skip
