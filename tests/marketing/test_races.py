"""Channel counting under load, on PostgreSQL and Redis with real concurrent connections: visits
counted from many threads at once are all counted (the cache's atomic increments), and flush jobs
running at the same time write each day's row once, with the same totals."""

from __future__ import annotations

import pytest
from django.utils import timezone

from marketing import selectors, services
from marketing.models import ChannelDayStat
from tests.concurrency import run_at_once
from tests.marketing.conftest import make_channel

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_concurrent_visits_are_all_counted(shop_a):
    channel = make_channel(shop=shop_a, code="pyq-race")
    visitors = [(f"u{i % 10}",) for i in range(40)]  # 40 visits by 10 people
    run_at_once(
        lambda visitor: services.channel_visit_record(channel_id=channel.pk, visitor=visitor), visitors
    )
    today = timezone.localdate()
    assert selectors.live_counts([channel.pk], [today]) == {(channel.pk, today): (40, 10)}


def test_flush_jobs_running_at_once_write_each_row_once(shop_a):
    channels = [make_channel(shop=shop_a, code=f"race-{n}") for n in range(5)]
    for channel in channels:
        for visitor in ("a", "b", "a"):
            services.channel_visit_record(channel_id=channel.pk, visitor=visitor)
    results = run_at_once(services.channel_stats_flush, [()] * 8)
    assert not [r for r in results if isinstance(r, Exception)], results
    rows = ChannelDayStat.objects.filter(channel__in=channels)
    assert rows.count() == 5
    assert {(row.visits, row.visitors) for row in rows} == {(3, 2)}
    assert services.channel_stats_flush() == 0
