"""Mini-program login (wx.login code → API token), phone binding, and one person across H5 and
mini-program through unionid."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from devtools.wechat_sim import views as simulator
from tests.factories import ShopperFactory
from tests.wechat.conftest import MP_APPID, WECHAT_UA, local
from wechat.models import WeChatIdentity

pytestmark = pytest.mark.django_db(transaction=True)
LOGIN = "/api/v1/auth/miniprogram"


def wx_login(user: str = "alice") -> str:
    return simulator.issue_js_code(appid=MP_APPID, user=user)


def test_login_returns_a_token_and_never_the_session_key(sim):
    api = APIClient()
    response = api.post(LOGIN, {"shop": "shop-a", "code": wx_login()}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["created"] is True and body["token"] and "session_key" not in str(body)
    identity = WeChatIdentity.objects.get()
    assert identity.kind == "miniprogram" and identity.appid == MP_APPID and identity.session_key
    api.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    me = api.get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["id"] == body["user"]["id"]
    again = APIClient().post(LOGIN, {"shop": "shop-a", "code": wx_login()}, format="json").json()
    assert again["created"] is False and again["user"]["id"] == body["user"]["id"]


def test_bad_codes_get_stable_error_codes(sim):
    api = APIClient()
    code = wx_login()
    assert api.post(LOGIN, {"shop": "shop-a", "code": code}, format="json").status_code == 200
    used = api.post(LOGIN, {"shop": "shop-a", "code": code}, format="json")
    invalid = api.post(LOGIN, {"shop": "shop-a", "code": "made-up"}, format="json")
    missing = api.post(LOGIN, {"shop": "shop-a"}, format="json")
    no_shop = api.post(LOGIN, {"shop": "nope-shop", "code": wx_login()}, format="json")
    assert (used.status_code, used.json()["code"]) == (400, "code_used")
    assert (invalid.status_code, invalid.json()["code"]) == (400, "code_invalid")
    assert (missing.status_code, missing.json()["code"]) == (400, "invalid") and "code" in missing.json()[
        "fields"
    ]
    assert (no_shop.status_code, no_shop.json()["code"]) == (404, "miniprogram_not_configured")


def test_the_same_person_is_one_shopper_in_h5_and_mini_program(sim, client):
    """The browser's simulated WeChat user is a cookie; the mini-program's is the same person."""
    client.defaults["HTTP_USER_AGENT"] = WECHAT_UA
    client.cookies[simulator.USER_COOKIE] = "bob"
    start = client.get(client.get("/s/shop-a/")["Location"])["Location"]
    client.get(local(client.get(local(start))["Location"]))
    h5_user = client.get("/s/shop-a/orders/").wsgi_request.user
    body = APIClient().post(LOGIN, {"shop": "shop-a", "code": wx_login("bob")}, format="json").json()
    assert body["created"] is False and body["user"]["id"] == h5_user.pk
    assert {i.kind for i in WeChatIdentity.objects.filter(user=h5_user)} == {"account", "miniprogram"}


def test_phone_binding_takes_the_number_from_wechat(sim):
    api = APIClient()
    token = api.post(LOGIN, {"shop": "shop-a", "code": wx_login()}, format="json").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    code = simulator.issue_phone_code(appid=MP_APPID, phone="13912345678")
    bound = api.post("/api/v1/auth/miniprogram/phone", {"shop": "shop-a", "code": code}, format="json")
    assert bound.status_code == 200 and bound.json()["phone"] == "13912345678" and bound.json()["has_phone"]
    reused = api.post("/api/v1/auth/miniprogram/phone", {"shop": "shop-a", "code": code}, format="json")
    assert reused.json()["code"] == "code_used"


def test_a_phone_of_another_shopper_is_not_taken_over(sim):
    ShopperFactory(phone="13700000000")
    api = APIClient()
    token = api.post(LOGIN, {"shop": "shop-a", "code": wx_login()}, format="json").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    code = simulator.issue_phone_code(appid=MP_APPID, phone="13700000000")
    taken = api.post("/api/v1/auth/miniprogram/phone", {"shop": "shop-a", "code": code}, format="json")
    assert (taken.status_code, taken.json()["code"]) == (409, "phone_taken")


def test_phone_binding_needs_a_login(sim):
    response = APIClient().post(
        "/api/v1/auth/miniprogram/phone", {"shop": "shop-a", "code": "x"}, format="json"
    )
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_login_is_rate_limited(sim, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import ScopedRateThrottle

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": "3/min"}}
    ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        api = APIClient()
        codes = [
            api.post(LOGIN, {"shop": "shop-a", "code": "x"}, format="json").status_code for _ in range(5)
        ]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert codes[:3] == [400, 400, 400] and codes[3:] == [429, 429]


def test_a_deactivated_shopper_cannot_sign_in_through_wechat(sim, client):
    body = APIClient().post(LOGIN, {"shop": "shop-a", "code": wx_login()}, format="json").json()
    WeChatIdentity.objects.get().user.__class__.objects.filter(pk=body["user"]["id"]).update(is_active=False)
    refused = APIClient().post(LOGIN, {"shop": "shop-a", "code": wx_login()}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "account_disabled")
    client.defaults["HTTP_USER_AGENT"] = WECHAT_UA
    client.cookies[simulator.USER_COOKIE] = "alice"
    start = client.get(client.get("/s/shop-a/")["Location"])["Location"]
    page = client.get(local(client.get(local(start))["Location"]))
    assert page.status_code == 403 and not page.wsgi_request.user.is_authenticated


def test_subscriptions_tell_which_templates_to_ask_for_and_record_acceptances(sim):
    api = APIClient()
    token = api.post(LOGIN, {"shop": "shop-a", "code": wx_login()}, format="json").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    url = "/api/v1/shops/shop-a/subscriptions/"
    first = api.get(url).json()
    assert first["templates"] == {"paid": "MP_PAID", "shipped": "MP_SHIPPED", "delivered": "MP_DELIVERED",
                                  "refunded": "MP_REFUNDED"}  # fmt: skip
    assert set(first["remaining"].values()) == {0}
    results = {"MP_PAID": "accept", "MP_SHIPPED": "reject", "SOMEONE_ELSES": "accept"}
    after = api.post(url, {"results": results}, format="json").json()
    again = api.post(url, {"results": {"MP_PAID": "accept"}}, format="json").json()
    assert after["remaining"]["paid"] == 1 and after["remaining"]["shipped"] == 0
    assert again["remaining"]["paid"] == 2
    bad = api.post(url, {"results": {"MP_PAID": "maybe"}}, format="json")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")
    assert APIClient().get(url).status_code == 401
