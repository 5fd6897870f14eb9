"""Row locks of wechat, in one place (as Saleor's ``lock_objects.py``): call inside a transaction.
Each lock says what it serialises."""

from __future__ import annotations

from django.db.models import QuerySet

from wechat.models import Notification, WeChatIdentity


def identity_lock(*, appid: str, openid: str) -> WeChatIdentity | None:
    """The identity row of one WeChat user of one app (not its shopper's row): two first visits of
    the same person at once make one shopper, and profile updates apply one at a time."""
    return (
        WeChatIdentity.objects.select_for_update(of=("self",))
        .filter(appid=appid, openid=openid)
        .select_related("user")
        .first()
    )


def notifications_claimable_lock() -> QuerySet[Notification]:
    """Outbox rows to claim for sending, in primary-key order, skipping rows another sender holds:
    several job runners share the outbox and never send one message twice."""
    return (
        Notification.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("shop", "order")
        .order_by("pk")
    )
