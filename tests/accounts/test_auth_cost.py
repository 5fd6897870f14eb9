"""What knowing the shopper costs a request (accounts/auth_cache.py): a signed-in H5 page reads
neither its session nor its user row once warm, a mini-program call reads neither its token nor its
user; and a cached answer never outlives the row: deactivation, a deleted token, a new password and
account deletion count on the very next request."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from accounts import auth_cache, privacy
from accounts.models import User
from shop.cache import shopper_cache_forget
from tests.factories import ShopperFactory

AUTH_TABLES = ("django_session", "accounts_user", "authtoken_token")
H5_CART = "/s/shop-a/cart/"
API_CART = "/api/v1/shops/shop-a/cart/"


def auth_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if any(t in q["sql"] for t in AUTH_TABLES)]


@pytest.fixture
def signed_in(client, shop_a, shopper):
    """A browser with a real session cookie of ``shopper`` (as the login views make one)."""
    client.force_login(shopper)
    return client


@pytest.fixture
def token(shopper):
    return Token.objects.create(user=shopper).key


def api_get(client, token_key, url=API_CART):
    return client.get(url, HTTP_AUTHORIZATION=f"Token {token_key}")


def test_a_signed_in_h5_page_reads_no_session_and_no_user_when_warm(signed_in, shopper):
    assert signed_in.get(H5_CART).status_code == 200  # warms the session and the user
    shopper_cache_forget(shopper.pk)  # the cart is built again: its own query is the only one
    with CaptureQueriesContext(connection) as ctx:
        response = signed_in.get(H5_CART)
    assert response.status_code == 200 and response.wsgi_request.user.pk == shopper.pk
    assert auth_queries(ctx) == []
    assert len(ctx.captured_queries) == 1, [q["sql"] for q in ctx.captured_queries]  # the cart itself


def test_a_cold_cache_costs_one_session_and_one_user_read_then_none(signed_in, shopper):
    from django.core.cache import cache

    cache.clear()  # e.g. Redis restarted: the sessions are still in the database
    with CaptureQueriesContext(connection) as cold:
        assert signed_in.get(H5_CART).wsgi_request.user.pk == shopper.pk
    assert len(auth_queries(cold)) == 2, auth_queries(cold)
    with CaptureQueriesContext(connection) as warm:
        assert signed_in.get(H5_CART).wsgi_request.user.pk == shopper.pk
    assert auth_queries(warm) == []


def test_a_token_call_reads_no_token_and_no_user_when_warm(client, shop_a, shopper, token):
    assert api_get(client, token).status_code == 200
    shopper_cache_forget(shopper.pk)
    with CaptureQueriesContext(connection) as ctx:
        response = api_get(client, token)
    assert response.status_code == 200
    assert auth_queries(ctx) == []
    assert len(ctx.captured_queries) == 1, [q["sql"] for q in ctx.captured_queries]  # the cart itself


def test_the_cost_stays_the_same_for_many_shoppers(client, shop_a):
    counts = []
    for n in range(3):
        user = ShopperFactory(username=f"many{n}")
        key = Token.objects.create(user=user).key
        api_get(client, key)
        shopper_cache_forget(user.pk)
        with CaptureQueriesContext(connection) as ctx:
            assert api_get(client, key).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts == [1, 1, 1]


def test_an_unknown_token_is_refused_as_drf_refuses_it_and_costs_no_query_when_repeated(client, shop_a):
    first = api_get(client, "0" * 40)
    assert first.status_code == 401 and first["WWW-Authenticate"] == "Token"
    with CaptureQueriesContext(connection) as ctx:
        again = api_get(client, "0" * 40)
    assert again.status_code == 401 and ctx.captured_queries == []


def test_a_deleted_token_is_refused_on_the_next_call(client, shop_a, shopper, token):
    assert api_get(client, token).status_code == 200
    Token.objects.filter(key=token).delete()  # the queryset delete of the privacy eraser
    assert api_get(client, token).status_code == 401


def test_a_new_token_for_the_same_shopper_works_at_once(client, shop_a, shopper, token):
    assert api_get(client, token).status_code == 200
    Token.objects.filter(user=shopper).delete()
    new = Token.objects.create(user=shopper).key
    assert api_get(client, new).status_code == 200
    assert api_get(client, token).status_code == 401


def test_deactivation_counts_on_the_next_request(client, signed_in, shop_a, shopper, token):
    assert api_get(client, token).status_code == 200
    assert signed_in.get(H5_CART).wsgi_request.user.is_authenticated
    shopper.is_active = False
    shopper.save(update_fields=["is_active"])
    response = api_get(client, token)
    assert response.status_code == 401 and "未激活" in response.json()["message"]
    assert not signed_in.get(H5_CART).wsgi_request.user.is_authenticated


def test_a_changed_nickname_shows_on_the_next_request(signed_in, shopper):
    assert signed_in.get(H5_CART).wsgi_request.user.nickname == shopper.nickname
    shopper.nickname = "新名字"
    shopper.save()
    assert signed_in.get(H5_CART).wsgi_request.user.nickname == "新名字"


def test_a_new_password_ends_the_other_sessions(client, signed_in, shopper):
    assert signed_in.get(H5_CART).wsgi_request.user.is_authenticated
    shopper.set_password("another-pass-123")
    shopper.save()
    assert not signed_in.get(H5_CART).wsgi_request.user.is_authenticated


def test_account_deletion_signs_the_shopper_out_everywhere(client, signed_in, shop_a, shopper, token):
    assert api_get(client, token).status_code == 200
    assert signed_in.get(H5_CART).wsgi_request.user.is_authenticated
    privacy.account_erase(user=shopper, confirmation="注销")
    assert api_get(client, token).status_code == 401
    assert not signed_in.get(H5_CART).wsgi_request.user.is_authenticated


def test_a_row_read_before_the_commit_is_forgotten_after_it(shopper, django_capture_on_commit_callbacks):
    """A request that read the user while a deactivation was not yet committed puts the old row back
    into the cache; the commit forgets it again."""
    auth_cache.user_cached(user_id=shopper.pk)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        shopper.is_active = False
        shopper.save()
        stale = User.objects.get(pk=shopper.pk)
        stale.is_active = True
        from django.core.cache import cache

        cache.set(auth_cache._user_key(shopper.pk), stale)  # what the concurrent request cached
    assert auth_cache.user_cached(user_id=shopper.pk).is_active is False


def test_staff_are_read_from_the_database_on_every_request(client, merchant_a):
    client.force_login(merchant_a)
    client.get("/admin/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/admin/")
    assert response.wsgi_request.user.pk == merchant_a.pk
    assert any("accounts_user" in q["sql"] for q in ctx.captured_queries)


def test_each_request_gets_its_own_copy_of_the_user(signed_in, shopper):
    first = signed_in.get(H5_CART).wsgi_request.user
    first.nickname = "changed in memory only"
    assert signed_in.get(H5_CART).wsgi_request.user.nickname == shopper.nickname


def test_a_session_of_a_user_that_no_longer_exists_is_anonymous(client, signed_in, shopper):
    session = signed_in.session
    assert session[SESSION_KEY] == str(shopper.pk)
    User.objects.filter(pk=shopper.pk).delete()
    assert not signed_in.get(H5_CART).wsgi_request.user.is_authenticated
