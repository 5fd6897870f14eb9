"""Visit counts are buffered per process (issue 16: a page view costs no cache round trip) and
written within ANALYTICS_BUFFER_SECONDS: nothing reaches the cache before the flush, and after it
the counted figures, the index lists and the signed-in visitors handed to crm are exactly what
counting each hit at once gives."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.utils import timezone

from analytics import counters

pytestmark = pytest.mark.django_db

HITS = [
    dict(visitor="cabc", product_id=7),
    dict(visitor="cabc"),
    dict(visitor="cabc", product_id=7),
    dict(visitor="u5", user_id=5, channel_id=3, product_id=8),
    dict(visitor="u5", user_id=5, channel_id=3),
    dict(visitor="u5", user_id=5, channel_id=3, page=False, cart=True, product_id=8),
    dict(visitor="cdef", channel_id=3, product_id=7),
    dict(visitor="", product_id=9),  # nobody to tell apart
    dict(visitor="cxyz", page=False, cart=True, product_id=7),
]


def snapshot(shop_id: int):
    day = timezone.localdate()
    counts = counters.counts_read(shop_ids=[shop_id], days=[day])[shop_id, day]
    users, _upto = counters.users_pending(shop_id=shop_id, day=day)
    return counts, sorted(user for user, _channel, _at in users), counters.shops_counted(day)


def record_all(shop_id: int) -> None:
    for fields in HITS:
        counters.hit_record(counters.Hit(shop_id=shop_id, **fields))


def test_buffered_counts_equal_counting_each_hit_at_once(settings):
    record_all(11)
    at_once = snapshot(11)
    assert at_once[0].total["page_views"] == 7 and at_once[0].total["visitors"] == 3, at_once
    assert at_once[1] == [5]
    cache.clear()

    settings.ANALYTICS_BUFFER_SECONDS = 3600  # the timer never fires during the test
    record_all(11)
    assert counters.counts_read(shop_ids=[11], days=[timezone.localdate()]) == {}  # nothing written yet
    counters.counters_flush()
    assert snapshot(11) == at_once


def test_a_second_flush_adds_without_counting_a_visitor_twice(settings):
    settings.ANALYTICS_BUFFER_SECONDS = 3600
    record_all(12)
    counters.counters_flush()
    record_all(12)
    counters.counters_flush()
    counts, users, _shops = snapshot(12)
    assert counts.total["page_views"] == 14
    assert counts.total["visitors"] == 3  # the same three visitors
    assert counts.channels[3]["cart_adds"] == 2
    assert users == [5]


def test_the_timer_writes_the_counts_within_the_interval(settings):
    settings.ANALYTICS_BUFFER_SECONDS = 0.05
    counters.hit_record(counters.Hit(shop_id=13, visitor="cabc", product_id=7))
    day = timezone.localdate()
    for _ in range(200):  # polled: written by the timer's thread, at most a few seconds
        found = counters.counts_read(shop_ids=[13], days=[day])
        if found:
            break
        time.sleep(0.02)
    assert found[13, day].total["page_views"] == 1
    assert found[13, day].products[7]["views"] == 1
