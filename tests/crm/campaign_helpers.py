"""Building blocks of the campaign tests: followers the simulator knows, a segment, a campaign
confirmed and the job run until it has nothing left to do."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from crm.models.campaigns import Campaign, CampaignDelivery
from crm.models.profiles import CustomerProfile, Segment
from crm.services import campaigns as services
from tests.devtools import hooks
from wechat.models import Follower

D = CampaignDelivery.Status


def followers(
    shop, account, n: int, *, prefix: str = "o-fan", hours_ago: float = 1.0, **profile_fields
) -> list[CustomerProfile]:
    """``n`` followers of the shop's account who wrote to it ``hours_ago`` (both in our records and
    in WeChat's, the simulator), each with a profile."""
    now = timezone.now()
    openids = [f"{prefix}-{i:04d}" for i in range(n)]
    Follower.objects.bulk_create(
        [
            Follower(
                shop=shop,
                openid=o,
                subscribed_at=now - timedelta(days=30),
                last_interaction_at=now - timedelta(hours=hours_ago),
            )
            for o in openids
        ]
    )
    hooks.followers_interacted(account.appid, openids, hours_ago=hours_ago)
    CustomerProfile.objects.bulk_create(
        [CustomerProfile(shop=shop, oa_openid=o, is_follower=True, **profile_fields) for o in openids]
    )
    return list(CustomerProfile.objects.filter(shop=shop, oa_openid__in=openids).order_by("pk"))


def everyone(shop, name: str = "全部客户") -> Segment:
    return Segment.objects.get_or_create(shop=shop, name=name, defaults={"filters": {}})[0]


def campaign(shop, segment=None, **fields) -> Campaign:
    values = {"name": "周末上新", "text": "周末上新，全场包邮。", "link_kind": Campaign.LinkKind.PAGE,
              "page": Campaign.Page.HOME, **fields}  # fmt: skip
    return Campaign.objects.create(shop=shop, segment=segment or everyone(shop), **values)


def daytime() -> datetime:
    """10:00 today in Asia/Shanghai: the tests' clock for confirming and sending (outside the quiet
    hours whenever the suite runs)."""
    return local(0, 10)


def confirm(found: Campaign, *, now: datetime | None = None) -> Campaign:
    return services.campaign_schedule(shop=found.shop_id, campaign_id=found.pk, now=now or daytime())


def run_until_idle(*, now: datetime | None = None, limit: int = 100) -> int:
    """Run the job (at ``now``, default ``daytime()``) until a run does nothing (or ``limit`` runs);
    returns the work done."""
    now = now or daytime()
    total = 0
    for _ in range(limit):
        done = services.campaigns_run(now=now)
        if not done:
            return total
        total += done
    raise AssertionError("the campaign job never went idle")


def statuses(found: Campaign) -> dict[str, int]:
    rows = CampaignDelivery.objects.filter(campaign=found).values_list("status", flat=True)
    counts: dict[str, int] = {}
    for status in rows:
        counts[status] = counts.get(status, 0) + 1
    return counts


def local(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """A time in Asia/Shanghai, ``day_offset`` days from today."""
    from zoneinfo import ZoneInfo

    today = timezone.localdate()
    return datetime.combine(
        today + timedelta(days=day_offset), datetime.min.time(), tzinfo=ZoneInfo("Asia/Shanghai")
    ).replace(hour=hour, minute=minute)
