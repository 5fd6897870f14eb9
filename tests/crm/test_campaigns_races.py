"""Campaign workers racing on PostgreSQL (real threads, each with its own connection): two workers
on one campaign, or two campaigns built at the same moment, never send a customer two messages."""

from __future__ import annotations

import pytest

from crm.models.campaigns import CampaignDelivery
from crm.services import campaigns as services
from tests.concurrency import run_at_once
from tests.crm.campaign_helpers import campaign, confirm, daytime, followers, statuses
from tests.devtools import hooks
from tests.wechat import conftest as wechat_fixtures
from tests.wechat.conftest import APPID

# the WeChat account and simulator fixtures of tests/wechat/ (no conftest here: crm's areas share this folder)
account, sim = wechat_fixtures.account, wechat_fixtures.sim

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
D = CampaignDelivery.Status


def received() -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in hooks.custom_messages(APPID):
        counts[message["touser"]] = counts.get(message["touser"], 0) + 1
    return counts


def run_workers_until_idle(n: int = 2) -> None:
    for _ in range(50):
        results = run_at_once(lambda: services.campaigns_run(now=daytime()), [()] * n)
        assert not [r for r in results if isinstance(r, Exception)], results
        if not any(results):
            return
    raise AssertionError("the workers never went idle")


def test_two_workers_on_one_campaign_never_double_send(sim, shop_a, account, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 7)  # many batches, so both workers build
    profiles = followers(shop_a, account, 60)
    found = campaign(shop_a)
    confirm(found)
    run_workers_until_idle()
    assert statuses(found) == {D.SENT: 60}
    assert received() == {p.oa_openid: 1 for p in profiles}


def test_two_campaigns_built_at_the_same_moment_reach_each_customer_once(sim, shop_a, account):
    profiles = followers(shop_a, account, 80)
    first, second = campaign(shop_a, name="甲活动"), campaign(shop_a, name="乙活动")
    confirm(first)
    confirm(second)
    services.campaigns_start_due(now=daytime())
    for _ in range(10):
        made = run_at_once(
            lambda pk: services.campaign_build_batch(campaign_id=pk, now=daytime()),
            [(first.pk,), (second.pk,)],
        )
        assert not [r for r in made if isinstance(r, Exception)], made
        if not any(made):
            break
    run_workers_until_idle()
    sent = CampaignDelivery.objects.filter(status=D.SENT)
    assert sent.count() == 80 and sent.values("profile_id").distinct().count() == 80
    assert CampaignDelivery.objects.filter(status=D.CAPPED).count() == 80
    assert received() == {p.oa_openid: 1 for p in profiles}
