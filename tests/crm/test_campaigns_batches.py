"""Building a campaign's deliveries: batches in primary-key order, a constant number of queries per
batch whatever its size, one row per customer, and the budget claimed by the batch that sends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models.campaigns import Campaign, CampaignDelivery
from crm.models.profiles import CustomerProfile
from crm.services import campaigns as services
from tests.crm.campaign_helpers import campaign, confirm, daytime, statuses
from tests.factories import ShopperFactory
from tests.wechat import conftest as wechat_fixtures
from wechat.models import Follower, MessageSubscription, WeChatIdentity

# the WeChat account and simulator fixtures of tests/wechat/ (no conftest here: crm's areas share this folder)
account, sim = wechat_fixtures.account, wechat_fixtures.sim
D = CampaignDelivery.Status


@pytest.fixture(autouse=True)
def _marketing_template(account):
    """The shop's account with a marketing subscribe-message template (tests/wechat/conftest.py)."""
    account.mp_tpl_marketing = "MP_MARKETING"
    account.save()


def mixed_audience(shop, account, n: int) -> None:
    """``n`` customers of every kind: followers in and out of the window, opted out, capped,
    mini-program subscribers, strangers."""
    now = daytime()
    for i in range(n):
        kind = i % 6
        openid = f"o-{n}-{i}"
        if kind in (0, 1, 2, 3):
            Follower.objects.create(
                shop=shop, openid=openid, last_interaction_at=now - timedelta(hours=1 if kind != 3 else 60)
            )
            CustomerProfile.objects.create(
                shop=shop, oa_openid=openid,
                marketing_opt_out_at=now if kind == 1 else None,
                last_marketing_at=now - timedelta(days=1) if kind == 2 else None,
            )  # fmt: skip
        elif kind == 4:
            shopper = ShopperFactory()
            WeChatIdentity.objects.create(
                user=shopper, kind="miniprogram", appid=account.miniprogram_appid, openid=openid
            )
            MessageSubscription.objects.create(
                shop=shop, user=shopper, template_id="MP_MARKETING", remaining=1
            )
            CustomerProfile.objects.create(shop=shop, user=shopper)
        else:
            CustomerProfile.objects.create(shop=shop, user=ShopperFactory())


def build_all(found: Campaign) -> list[int]:
    """Build every batch; the number of queries each took."""
    now = daytime()
    services.campaigns_start_due(now=now)
    counts = []
    while True:
        with CaptureQueriesContext(connection) as queries:
            made = services.campaign_build_batch(campaign_id=found.pk, now=now)
        if not made:
            return counts
        counts.append(len(queries))


def test_queries_per_batch_are_constant_whatever_its_size(shop_a, account, monkeypatch):
    mixed_audience(shop_a, account, 60)
    monkeypatch.setattr(services, "BATCH_SIZE", 12)
    small = campaign(shop_a, name="小批")
    confirm(small)
    per_small_batch = build_all(small)
    assert len(per_small_batch) == 5 and len(set(per_small_batch)) == 1, per_small_batch

    CustomerProfile.objects.filter(shop=shop_a, last_marketing_at=daytime()).update(last_marketing_at=None)
    # four times the batch: the same queries (within SQLite's 999 variables per statement, beyond
    # which Django splits an insert; PostgreSQL never does)
    monkeypatch.setattr(services, "BATCH_SIZE", 48)
    big = campaign(shop_a, name="大批")
    confirm(big)
    per_big_batch = build_all(big)
    assert per_big_batch == [per_small_batch[0]] * 2, per_big_batch
    assert statuses(big) == {D.PENDING: 20, D.OPTED_OUT: 10, D.CAPPED: 10, D.UNREACHABLE: 20}


def test_each_customer_has_one_delivery_and_the_sent_ones_hold_the_budget(shop_a, account):
    mixed_audience(shop_a, account, 12)
    found = campaign(shop_a)
    confirm(found)
    build_all(found)
    rows = list(CampaignDelivery.objects.filter(campaign=found))
    assert (
        len(rows) == len({r.profile_id for r in rows}) == CustomerProfile.objects.filter(shop=shop_a).count()
    )
    held = set(
        CustomerProfile.objects.filter(shop=shop_a, last_marketing_at=daytime()).values_list("pk", flat=True)
    )
    assert held == {r.profile_id for r in rows if r.status == D.PENDING}
    assert (
        services.campaign_build_batch(campaign_id=found.pk, now=daytime()) is None
    )  # complete: nothing more
    found.refresh_from_db()
    assert found.built_at is not None


def test_a_shop_without_an_official_account_cannot_confirm(shop_b):
    CustomerProfile.objects.create(shop=shop_b, user=ShopperFactory())
    found = campaign(shop_b)
    from core.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        confirm(found)
    assert refused.value.code == "wechat_not_configured"
    found.refresh_from_db()
    assert found.status == Campaign.Status.DRAFT


def test_quiet_hours_end_at_eight():
    from tests.crm.campaign_helpers import local

    assert services.in_quiet_hours(local(0, 22)) and services.in_quiet_hours(local(0, 7, 59))
    assert not services.in_quiet_hours(local(0, 8)) and not services.in_quiet_hours(local(0, 21, 59))
    assert services.quiet_hours_end(local(0, 23, 30)) == local(1, 8)
    assert services.quiet_hours_end(local(0, 3)) == local(0, 8)
    assert services.quiet_hours_end(local(0, 12)) == local(0, 12)
    now = timezone.now()
    assert services.quiet_hours_end(now) >= now


def test_the_preview_is_one_count_whatever_the_segments_size(shop_a, account):
    from crm.selectors.campaigns import preview_counts

    found = campaign(shop_a)
    mixed_audience(shop_a, account, 6)
    with CaptureQueriesContext(connection) as small:
        six = preview_counts(campaign=found, now=daytime())
    mixed_audience(shop_a, account, 60)
    with CaptureQueriesContext(connection) as big:
        sixty_six = preview_counts(campaign=found, now=daytime())
    assert len(small) == len(big) <= 4
    assert (six.total, six.receive, six.opted_out, six.capped, six.unreachable) == (6, 2, 1, 1, 2)
    assert (sixty_six.total, sixty_six.receive) == (66, 22)
