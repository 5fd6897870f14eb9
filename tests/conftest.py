"""Shared fixtures. Factories live in tests/factories.py."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache

from tests import factories


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path_factory):
    """Every test writes uploads into its own temporary folder, never into ./media, and hashes
    passwords with a fast hasher (PBKDF2's deliberate slowness only slows the suite)."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()  # cached pages and API answers never leak from one test into the next


@pytest.fixture
def outbox(settings):
    """SMS messages sent during the test, as (phone, message) pairs (accounts.sms.LocmemBackend)."""
    from accounts import sms

    settings.SMS_BACKEND = "accounts.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def shop_a(db):
    return factories.ShopFactory(slug="shop-a", name="甲店")


@pytest.fixture
def shop_b(db):
    return factories.ShopFactory(slug="shop-b", name="乙店")


@pytest.fixture
def shopper(db):
    """A shopper (modules that need another kind define their own ``shopper``)."""
    return factories.ShopperFactory(username="buyer")


@pytest.fixture
def address(shopper):
    """The shopper's address, with a complete region."""
    return factories.AddressFactory(user=shopper)


@pytest.fixture
def merchant_a(shop_a):
    return factories.MerchantFactory(shop=shop_a, username="merchant_a")


@pytest.fixture
def merchant_b(shop_b):
    return factories.MerchantFactory(shop=shop_b, username="merchant_b")


@pytest.fixture
def operator(db):
    return factories.UserFactory(username="operator", is_staff=True, is_superuser=True)


def is_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def has_redis() -> bool:
    return os.environ.get("REDIS_URL", "").startswith(("redis://", "rediss://"))


def pytest_configure(config):
    if os.environ.get("WEISHOP_REQUIRE_SERVICES") == "1" and not (is_postgres() and has_redis()):
        raise pytest.UsageError(
            "WEISHOP_REQUIRE_SERVICES=1 (CI) needs DATABASE_URL=postgres://... and REDIS_URL=redis://..."
        )


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need PostgreSQL (real row locks and concurrency), tests marked
    ``redis`` a Redis shared by several processes. Without them they skip and say why; CI sets
    DATABASE_URL and REDIS_URL (and WEISHOP_REQUIRE_SERVICES=1) so they always run."""
    skips = {
        "postgres": None
        if is_postgres()
        else "needs PostgreSQL: set DATABASE_URL=postgres://... (CI always does)",
        "redis": None if has_redis() else "needs Redis: set REDIS_URL=redis://... (CI always does)",
    }
    for item in items:
        for marker, reason in skips.items():
            if reason and marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))
