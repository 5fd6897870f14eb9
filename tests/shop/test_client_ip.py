"""The client's address behind our reverse proxy: rate limits and WeChat Pay need the shopper's, and
every rate limit keys on it, so rotating the client part of X-Forwarded-For escapes none."""

import pytest
from rest_framework.test import APIClient

from core.h5 import client_ip
from tests.api.routes import api_routes


def test_direct_connections_use_the_socket_address(rf, settings):
    settings.BEHIND_PROXY = False
    request = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "203.0.113.9"  # a client cannot claim an address without a proxy


def test_behind_the_proxy_the_entry_it_appended_counts(rf, settings):
    settings.BEHIND_PROXY = True
    spoofed = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert client_ip(spoofed) == "198.51.100.7"  # the first entry came from the client itself
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"


# ---------------------------------------------------------------- every rate limit keys on it
REAL_IP = "198.51.100.7"  # the shopper's address: the socket's, or the entry our proxy appended


def rotating(behind_proxy: bool, i: int) -> dict[str, str]:
    """Request headers of an attacker who makes up a new X-Forwarded-For client part every time."""
    if behind_proxy:  # nginx appends the real address after whatever the client sent
        return {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": f"203.0.113.{i % 250}, {REAL_IP}"}
    return {"REMOTE_ADDR": REAL_IP, "HTTP_X_FORWARDED_FOR": f"203.0.113.{i % 250}"}


def test_every_api_throttle_keys_on_the_client_ip_rule(rf, settings):
    """DRF's own ``get_ident`` reads the whole X-Forwarded-For header (so a client picks its own
    identity); every throttle of every API view must use ``core.h5.client_ip`` instead."""
    settings.BEHIND_PROXY = True
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {REAL_IP}")
    checked = 0
    for route, view in api_routes():
        for throttle in view().get_throttles():
            assert throttle.get_ident(request) == REAL_IP, (route, type(throttle))
            checked += 1
    assert checked > 0


@pytest.mark.django_db
@pytest.mark.parametrize("behind_proxy", [False, True], ids=["direct", "behind proxy"])
def test_the_mini_program_login_throttle_holds_when_x_forwarded_for_rotates(settings, behind_proxy):
    settings.BEHIND_PROXY = behind_proxy
    api = APIClient()
    codes = [
        api.post("/api/v1/auth/miniprogram", {"shop": "none", "code": "x"}, format="json", **rotating(behind_proxy, i)).status_code
        for i in range(31)
    ]  # fmt: skip
    assert 429 not in codes[:30] and codes[30] == 429, codes
    # another real client is not held back
    other = (
        {"REMOTE_ADDR": "192.0.2.50"}
        if not behind_proxy
        else {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "192.0.2.50"}
    )
    assert (
        api.post(
            "/api/v1/auth/miniprogram", {"shop": "none", "code": "x"}, format="json", **other
        ).status_code
        != 429
    )


@pytest.mark.django_db
@pytest.mark.parametrize("behind_proxy", [False, True], ids=["direct", "behind proxy"])
def test_the_phone_code_ip_limit_holds_when_x_forwarded_for_rotates(client, settings, outbox, behind_proxy):
    from accounts.models import PhoneLoginCode
    from accounts.services import PHONE_CODES_PER_IP_PER_HOUR

    settings.BEHIND_PROXY = behind_proxy
    for i in range(PHONE_CODES_PER_IP_PER_HOUR + 1):
        client.post("/accounts/login/code/", {"phone": f"1380000{i:04d}"}, **rotating(behind_proxy, i))
    assert PhoneLoginCode.objects.count() == PHONE_CODES_PER_IP_PER_HOUR
    assert set(PhoneLoginCode.objects.values_list("ip", flat=True)) == {REAL_IP}


@pytest.mark.django_db
@pytest.mark.parametrize("behind_proxy", [False, True], ids=["direct", "behind proxy"])
def test_the_signup_limit_holds_when_x_forwarded_for_rotates(client, settings, behind_proxy):
    from shop.models import Shop
    from shop.signup import SIGNUPS_PER_IP_PER_HOUR

    settings.BEHIND_PROXY = behind_proxy
    for i in range(SIGNUPS_PER_IP_PER_HOUR + 1):
        client.post(
            "/merchant/signup/",
            {"name": "店", "slug": f"shop-{i}x", "username": f"user{i}", "password": "Weishop-2026!",
             "password2": "Weishop-2026!"},
            **rotating(behind_proxy, i),
        )  # fmt: skip
        client.logout()
    assert Shop.objects.count() == SIGNUPS_PER_IP_PER_HOUR
