"""Row locks of accounts, in one place (as Saleor's ``lock_objects.py``): call inside a
transaction. Each lock says what it serialises."""

from __future__ import annotations

from datetime import datetime

from accounts.models import PhoneLoginCode, User


def user_lock(user: User) -> None:
    """The user's row: serialises edits of one shopper's address book (the count limit, the
    default address), whichever request or device they come from."""
    User.objects.select_for_update().filter(pk=user.pk).first()


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
