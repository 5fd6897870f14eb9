"""Row locks of crm, in one place (tests/test_locks.py).

A customer's profile row is their account in the shop: every write to their points ledger and every
marketing delivery to them locks it first. Lock order: an order's row (``orders.locks``) before
its customer's profile; several profiles in primary-key order.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from crm.models.campaigns import Campaign, CampaignDelivery
from crm.models.profiles import CustomerProfile


def profile_lock(*, pk: int) -> CustomerProfile:
    """One customer's profile, locked (``DoesNotExist`` if gone)."""
    return CustomerProfile.objects.select_for_update().get(pk=pk)


def profiles_lock(*, pks: list[int]) -> list[CustomerProfile]:
    """Several profiles, locked in primary-key order (the ones still there): a merge of two
    profiles of one shopper, and a rebuild of a batch's figures from orders — an order event of
    the same shopper waits for it (or it waits for the event's transaction) so no figure is lost."""
    return list(CustomerProfile.objects.select_for_update().filter(pk__in=pks).order_by("pk"))


# ---------------------------------------------------------------- campaigns (crm/services/campaigns.py)


def campaign_build_lock(*, pk: int) -> Campaign | None:
    """A sending campaign while one worker adds a batch of its deliveries; another worker skips it
    (``None``) rather than wait, so two workers never build the same batch."""
    return Campaign.objects.select_for_update(of=("self",), skip_locked=True).filter(pk=pk).first()


def profiles_budget_lock(*, ids: list[int]) -> list[tuple[int, datetime | None, datetime | None]]:
    """The profiles of one batch of a campaign, in primary-key order, read fresh under their lock:
    ``(pk, marketing_opt_out_at, last_marketing_at)``. Two campaigns (or two workers) claiming the
    push budget of the same customer take turns; the conditional update that follows is the claim."""
    return list(
        CustomerProfile.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "marketing_opt_out_at", "last_marketing_at")
    )


def deliveries_claimable_lock() -> QuerySet[CampaignDelivery]:
    """Campaign deliveries to claim for sending, in primary-key order, skipping rows another sender
    holds: several job runners share them and never send one message twice."""
    return (
        CampaignDelivery.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("campaign", "shop", "profile")
        .order_by("pk")
    )
