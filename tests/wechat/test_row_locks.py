"""A lock is taken on the rows a service changes, never on rows it only joins for reading:
a WeChat sign-in does not wait for a write that holds the shopper's user row (PostgreSQL)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from accounts.models import User
from tests.factories import ShopperFactory
from wechat.identity import identity_login
from wechat.models import WeChatIdentity

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _hold(pk: int, locked: threading.Event, release: threading.Event) -> None:
    try:
        with transaction.atomic():
            User.objects.select_for_update().get(pk=pk)  # e.g. an address-book edit
            locked.set()
            release.wait(15)
    finally:
        connection.close()


def test_sign_in_does_not_wait_for_the_locked_user_row():
    shopper = ShopperFactory()
    WeChatIdentity.objects.create(user=shopper, kind="account", appid="wx1111111111111111", openid="oOpen")
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold, args=(shopper.pk, locked, release))
    holder.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        user, _identity, created = identity_login(kind="account", appid="wx1111111111111111", openid="oOpen")
        elapsed = time.monotonic() - started
    finally:
        release.set()
        holder.join(20)
    assert user.pk == shopper.pk and not created
    assert elapsed < 3
