"""Admin passwords cannot be guessed: after repeated failures a username is locked out from that
client IP (django-axes, database handler: every process sees the same attempts), the right password
included, until the cool-off passes or an operator unlocks it. Another IP, or another username, is
not held back; rotating X-Forwarded-For is no way round it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse

from tests.factories import MerchantFactory

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "pass12345"  # tests.factories.UserFactory's
LIMIT = django_settings.AXES_FAILURE_LIMIT


@pytest.fixture
def merchant(shop_a):
    return MerchantFactory(shop=shop_a, username="shopkeeper")


def attempt(client, username: str, password: str, ip: str = "203.0.113.10", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def lock_out(client, username: str = "shopkeeper", ip: str = "203.0.113.10", times: int = LIMIT):
    for _ in range(times):
        assert attempt(client, username, "wrong-password", ip).status_code in (200, 429)
    assert not logged_in(client)


def test_the_settings_are_what_the_docs_say():
    assert LIMIT == 5
    assert django_settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    assert django_settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert django_settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    assert django_settings.AXES_CLIENT_IP_CALLABLE == "core.h5.client_ip"


def test_fifty_wrong_guesses_then_the_right_password_is_refused(client, merchant):
    lock_out(client, times=50)
    response = attempt(client, "shopkeeper", PASSWORD)
    assert response.status_code == 429 and not logged_in(client)
    page = response.content.decode()
    assert "登录失败次数过多" in page and "30 分钟" in page and "shopkeeper" in page
    assert AccessAttempt.objects.get(username="shopkeeper").ip_address == "203.0.113.10"


def test_the_lock_starts_at_the_limit(client, merchant):
    lock_out(client, times=LIMIT - 1)
    assert attempt(client, "shopkeeper", PASSWORD).status_code == 302 and logged_in(client)
    client.logout()
    lock_out(client, times=LIMIT - 1)  # a success started the count again
    assert attempt(client, "shopkeeper", PASSWORD).status_code == 302


def test_another_ip_or_another_username_is_not_locked(client, merchant, shop_b):
    MerchantFactory(shop=shop_b, username="neighbour")
    lock_out(client)
    assert attempt(client, "shopkeeper", PASSWORD).status_code == 429
    assert (
        attempt(client, "shopkeeper", PASSWORD, ip="198.51.100.20").status_code == 302
    )  # the owner elsewhere
    client.logout()
    assert attempt(client, "neighbour", PASSWORD).status_code == 302  # another merchant on the same network


@pytest.mark.parametrize("behind_proxy", [False, True], ids=["direct", "behind proxy"])
def test_rotating_x_forwarded_for_does_not_escape_the_lock(client, merchant, settings, behind_proxy):
    settings.BEHIND_PROXY = behind_proxy
    for i in range(LIMIT):
        attempt(client, "shopkeeper", "wrong-password", ip="10.0.0.2" if behind_proxy else "203.0.113.10",
                HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, 203.0.113.10" if behind_proxy else f"192.0.2.{i}")  # fmt: skip
    response = attempt(client, "shopkeeper", PASSWORD, ip="10.0.0.2" if behind_proxy else "203.0.113.10",
                       HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.10" if behind_proxy else "192.0.2.99")  # fmt: skip
    assert response.status_code == 429 and not logged_in(client)


def test_the_lock_ends_after_the_cool_off(client, merchant):
    lock_out(client)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=31)
    )
    assert attempt(client, "shopkeeper", PASSWORD).status_code == 302 and logged_in(client)


def test_an_operator_unlocks_with_axes_reset(client, merchant):
    lock_out(client)
    call_command("axes_reset_username", "shopkeeper")
    assert attempt(client, "shopkeeper", PASSWORD).status_code == 302
    client.logout()
    lock_out(client)
    call_command("axes_reset")
    assert attempt(client, "shopkeeper", PASSWORD).status_code == 302


def test_an_operator_unlocks_in_admin_and_merchants_never_see_the_attempts(client, merchant, operator):
    lock_out(client)
    locked = AccessAttempt.objects.get(username="shopkeeper")
    changelist = reverse("admin:axes_accessattempt_changelist")
    client.force_login(merchant)
    assert client.get(changelist).status_code == 403
    assert "axes" not in client.get("/admin/").content.decode().lower()
    client.force_login(operator)
    assert "shopkeeper" in client.get(changelist).content.decode()
    client.post(reverse("admin:axes_accessattempt_delete", args=[locked.pk]), {"post": "yes"})
    client.logout()
    assert attempt(client, "shopkeeper", PASSWORD).status_code == 302 and logged_in(client)
