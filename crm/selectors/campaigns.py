"""Reads of crm's campaigns: a campaign's audience with what decides each customer's fate (opted
out, reachable on which channel, within the push budget), its preview counts in one query, and
its results page (docs/crm.md#messages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, NullIf

from crm.models.campaigns import DEFAULT_DAYS_BETWEEN, Campaign, CampaignDelivery, CampaignSettings
from crm.models.profiles import CustomerProfile
from crm.segments import profiles_matching
from shop.models import Shop
from wechat.customer_service import WINDOW
from wechat.models import Follower, MessageSubscription, WeChatAccount, WeChatIdentity

D = CampaignDelivery


def min_days_between(*, shop_id: int) -> int:
    """The shop's push budget: at most one marketing message per customer per this many days."""
    found = (
        CampaignSettings.objects.filter(shop_id=shop_id).values_list("min_days_between", flat=True).first()
    )
    return int(found or DEFAULT_DAYS_BETWEEN)


def budget_cutoff(*, shop_id: int, now: datetime) -> datetime:
    """A customer whose last marketing message is later than this is within the budget (capped)."""
    return now - timedelta(days=min_days_between(shop_id=shop_id))


def account_for(*, shop_id: int) -> WeChatAccount | None:
    return WeChatAccount.objects.filter(shop_id=shop_id).first()


def audience(
    *, shop: Shop, filters: dict[str, Any], account: WeChatAccount | None, now: datetime
) -> QuerySet[CustomerProfile]:
    """The segment's profiles, each annotated with its channels:

    - ``oa_target``: their openid under the shop's official account (the profile's own, else their
      WeChat sign-in's); ``follows``: they follow the account; ``in_window``: and interacted within
      WeChat's 48 hours (a customer-service message will be taken);
    - ``mp_target``: their openid under the mini-program; ``accepted``: an acceptance of the shop's
      marketing subscribe message is left to spend.
    """
    profiles = profiles_matching(shop=shop, filters=filters)
    none = Value(None, output_field=CharField())
    no = Value(False, output_field=BooleanField())
    if account is None:
        return profiles.annotate(oa_target=none, follows=no, in_window=no, mp_target=none, accepted=no)
    signed_in = WeChatIdentity.objects.filter(user=OuterRef("user"), appid=account.appid).values("openid")[:1]
    profiles = profiles.annotate(oa_target=Coalesce(NullIf(F("oa_openid"), Value("")), Subquery(signed_in)))
    followers = Follower.objects.filter(shop=shop, openid=OuterRef("oa_target"), is_subscribed=True)
    profiles = profiles.annotate(
        follows=Exists(followers), in_window=Exists(followers.filter(last_interaction_at__gt=now - WINDOW))
    )
    if not (account.miniprogram_appid and account.mp_tpl_marketing):
        return profiles.annotate(mp_target=none, accepted=no)
    mini = WeChatIdentity.objects.filter(user=OuterRef("user"), appid=account.miniprogram_appid).values(
        "openid"
    )[:1]
    acceptances = MessageSubscription.objects.filter(
        shop=shop, user=OuterRef("user"), template_id=account.mp_tpl_marketing, remaining__gt=0
    )
    return profiles.annotate(mp_target=Subquery(mini), accepted=Exists(acceptances))


AUDIENCE_FIELDS = (
    "pk", "oa_target", "follows", "in_window", "mp_target", "accepted", "marketing_opt_out_at", "last_marketing_at",
)  # fmt: skip


@dataclass(frozen=True)
class Plan:
    """What the campaign does for one customer: a delivery status (``pending``: send it on
    ``channel`` to ``openid``), or why not."""

    status: str
    channel: str = ""
    openid: str = ""
    reason: str = ""


def plan_for(row: dict[str, Any], *, has_account: bool, cutoff: datetime) -> Plan:
    """One audience row's fate, in this order: opted out, not reachable (and why), within the push
    budget, else sent on the channel WeChat allows (a customer-service message inside the 48-hour
    window first, the mini-program's subscribe message otherwise). ``preview_counts`` counts the
    same rules in SQL."""
    if row["marketing_opt_out_at"] is not None:
        return Plan(D.Status.OPTED_OUT)
    if not has_account:
        return Plan(D.Status.UNREACHABLE, reason=D.Reason.NO_ACCOUNT)
    if row["in_window"] and row["oa_target"]:
        channel, openid = D.Channel.ACCOUNT, row["oa_target"]
    elif row["accepted"] and row["mp_target"]:
        channel, openid = D.Channel.MINIPROGRAM, row["mp_target"]
    else:
        reason = D.Reason.WINDOW_CLOSED if row["follows"] else D.Reason.NOT_FOLLOWER
        return Plan(D.Status.UNREACHABLE, reason=reason)
    last = row["last_marketing_at"]
    if last is not None and last > cutoff:
        return Plan(D.Status.CAPPED)
    return Plan(D.Status.PENDING, channel=channel, openid=openid)


@dataclass
class Preview:
    """How many of the segment a campaign would reach now, and who it skips and why."""

    total: int = 0
    by_account: int = 0
    by_miniprogram: int = 0
    opted_out: int = 0
    capped: int = 0
    unreachable: int = 0
    unreachable_by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def receive(self) -> int:
        return self.by_account + self.by_miniprogram

    @property
    def skipped(self) -> int:
        return self.opted_out + self.capped + self.unreachable

    def reasons(self) -> list[tuple[str, int]]:
        """(reason in words, count), the non-zero ones."""
        labels = dict(D.Reason.choices)
        return [(str(labels[r]), n) for r, n in self.unreachable_by_reason.items() if n]


def preview_counts(*, campaign: Campaign, now: datetime) -> Preview:
    """``plan_for``'s rules counted over the whole segment in one query (plus the account's and
    the budget's lookups)."""
    if campaign.segment is None:
        return Preview()
    account = account_for(shop_id=campaign.shop_id)
    cutoff = budget_cutoff(shop_id=campaign.shop_id, now=now)
    rows = audience(shop=campaign.shop, filters=campaign.segment.filters or {}, account=account, now=now)
    subscribed = Q(marketing_opt_out_at__isnull=True)
    by_account = Q(in_window=True) & Q(oa_target__isnull=False)
    by_mini = ~by_account & Q(accepted=True) & Q(mp_target__isnull=False)
    reachable = by_account | by_mini
    unreachable = subscribed & ~reachable
    free = Q(last_marketing_at__isnull=True) | Q(last_marketing_at__lte=cutoff)
    capped = Q(last_marketing_at__isnull=False) & Q(last_marketing_at__gt=cutoff)
    counts = rows.aggregate(
        total=Count("pk", distinct=True),
        opted_out=Count("pk", distinct=True, filter=Q(marketing_opt_out_at__isnull=False)),
        unreachable=Count("pk", distinct=True, filter=unreachable),
        window_closed=Count("pk", distinct=True, filter=unreachable & Q(follows=True)),
        capped=Count("pk", distinct=True, filter=subscribed & reachable & capped),
        by_account=Count("pk", distinct=True, filter=subscribed & by_account & free),
        by_miniprogram=Count("pk", distinct=True, filter=subscribed & by_mini & free),
    )
    preview = Preview(
        total=counts["total"], by_account=counts["by_account"], by_miniprogram=counts["by_miniprogram"],
        opted_out=counts["opted_out"], capped=counts["capped"], unreachable=counts["unreachable"],
    )  # fmt: skip
    if account is None:
        preview.by_account = preview.by_miniprogram = preview.capped = 0
        preview.unreachable = preview.total - preview.opted_out
        preview.unreachable_by_reason = {D.Reason.NO_ACCOUNT: preview.unreachable}
    else:
        preview.unreachable_by_reason = {
            D.Reason.NOT_FOLLOWER: counts["unreachable"] - counts["window_closed"],
            D.Reason.WINDOW_CLOSED: counts["window_closed"],
        }
    return preview


@dataclass
class Results:
    """A campaign's deliveries counted by status (and 无法触达 by reason, sent by channel)."""

    by_status: dict[str, int]
    by_reason: dict[str, int]
    by_channel: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def rows(self) -> list[tuple[str, str, int]]:
        """(status value, label, count) in the results page's order, all statuses."""
        order = [D.Status.SENT, D.Status.CAPPED, D.Status.OPTED_OUT, D.Status.UNREACHABLE, D.Status.FAILED,
                 D.Status.PENDING, D.Status.SENDING]  # fmt: skip
        labels = dict(D.Status.choices)
        return [(s, str(labels[s]), self.by_status.get(s, 0)) for s in order]

    def reasons(self) -> list[tuple[str, int]]:
        labels = dict(D.Reason.choices)
        return [(str(labels.get(r, r)), n) for r, n in sorted(self.by_reason.items()) if n]

    def channels(self) -> list[tuple[str, int]]:
        labels = dict(D.Channel.choices)
        return [(str(labels.get(c, c)), n) for c, n in sorted(self.by_channel.items()) if n and c]


def campaign_results(*, campaign: Campaign) -> Results:
    """Three grouped counts over the campaign's deliveries."""
    deliveries = CampaignDelivery.objects.filter(campaign=campaign).order_by()
    by_status = dict(deliveries.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    by_reason = dict(
        deliveries.filter(status=D.Status.UNREACHABLE)
        .values_list("reason")
        .annotate(n=Count("pk"))
        .values_list("reason", "n")
    )
    by_channel = dict(
        deliveries.filter(status=D.Status.SENT)
        .values_list("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    )
    return Results(by_status=by_status, by_reason=by_reason, by_channel=by_channel)


def campaign_deliveries(*, campaign: Campaign, status: str = "") -> QuerySet[CampaignDelivery]:
    """The results page's table: every customer's delivery, their name in the same query."""
    rows = CampaignDelivery.objects.filter(campaign=campaign).select_related("profile__user").order_by("pk")
    return rows.filter(status=status) if status else rows


def campaigns_with_counts(queryset: QuerySet[Campaign]) -> QuerySet[Campaign]:
    """Admin's list: each campaign's sent and total deliveries, in the list's one query."""
    return queryset.annotate(
        delivered_n=Count("deliveries", filter=Q(deliveries__status=D.Status.SENT)),
        deliveries_n=Count("deliveries"),
    )
