"""Row locks of accounts, in one place (as Saleor's ``lock_objects.py``): call inside a
transaction. Each lock says what it serialises."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from accounts.models import PhoneLoginCode, PhotoUpload, User
from core.errors import ApplicationError


def user_lock(user: User) -> None:
    """The user's row: serialises edits of one shopper's address book (the count limit, the
    default address), whichever request or device they come from, their checkouts' unpaid-order
    count, and the deletion of their account (accounts.privacy)."""
    User.objects.select_for_update().filter(pk=user.pk).first()


def shopper_lock(user: User) -> None:
    """``user_lock`` for a write on the shopper's behalf (an address saved, an order placed):
    refused (``account_disabled``) when the account was deleted meanwhile. The deletion holds this
    lock, so a request that waited for it (signed in before the deletion, already past its login
    check) finds the row erased and writes nothing for a person who is gone."""
    row = User.objects.select_for_update().filter(pk=user.pk).only("erased_at", "is_active").first()
    if row is None or row.erased_at is not None or not row.is_active:
        raise ApplicationError("account_disabled", _("该账号已注销或停用。"), http_status=403)


def phone_codes_lock(phone: str) -> None:
    """The number's newest login code: concurrent "send me a code" requests for one number queue
    here, so the 60-second rule holds under a burst (a number's very first code has nothing to
    lock yet). Read the codes again after it: only a new query sees a code sent meanwhile."""
    PhoneLoginCode.objects.filter(phone=phone).order_by("-created_at", "-pk").select_for_update().first()


def phone_code_live_lock(phone: str, *, now: datetime) -> PhoneLoginCode | None:
    """The number's newest unused, unexpired code, locked: one check of a typed code at a time, so
    the wrong-try counter and "works once" hold under concurrent attempts."""
    return (
        PhoneLoginCode.objects.select_for_update()
        .filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at", "-pk")
        .first()
    )


def photo_uploads_lock(*, ids: list[int], user: User, shop: Any, now: datetime) -> dict[int, PhotoUpload]:
    """The shopper's unexpired uploads among ``ids``, locked in key order: concurrent forms naming
    one upload queue here, so only one takes it."""
    return {
        row.pk: row
        for row in PhotoUpload.objects.select_for_update()
        .filter(pk__in=ids, user=user, shop=shop, expires_at__gt=now)
        .order_by("pk")
    }
