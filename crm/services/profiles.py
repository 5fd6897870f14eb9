"""crm's profiles services: the one profile per shopper per shop, kept up to date from what the
shopper does (docs/crm.md#customers)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.models.profiles import CustomerProfile


def ready() -> None:
    """Register this area's listeners, pricing rules and jobs with the ports below (called once
    from ``CrmConfig.ready()``)."""


def profile_for_user(*, shop_id: int, user_id: int, seen_at: datetime | None = None) -> CustomerProfile:
    """The shopper's profile in the shop, made on first need (two callers at once get the same
    row: the loser of the insert race reads the winner's)."""
    found = CustomerProfile.objects.filter(shop_id=shop_id, user_id=user_id).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return CustomerProfile.objects.create(
                shop_id=shop_id, user_id=user_id, first_seen_at=seen_at or timezone.now()
            )
    except IntegrityError:
        return CustomerProfile.objects.get(shop_id=shop_id, user_id=user_id)


def profiles_seen(*, shop_id: int, seen: Iterable[tuple[int, str, datetime]]) -> int:
    """Shoppers seen in the shop (``(user_id, channel_code, seen_at)``, from analytics' visit
    counters, rolled up by its job): each gets a profile, its first channel set once. Returns how
    many profiles were made."""
    made = 0
    for user_id, channel_code, seen_at in seen:
        existed = CustomerProfile.objects.filter(shop_id=shop_id, user_id=user_id).exists()
        profile = profile_for_user(shop_id=shop_id, user_id=user_id, seen_at=seen_at)
        if channel_code and not profile.first_channel_code:
            CustomerProfile.objects.filter(pk=profile.pk, first_channel_code="").update(
                first_channel_code=channel_code
            )
        made += 0 if existed else 1
    return made
