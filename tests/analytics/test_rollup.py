"""The rollup job (issue 13): cache counters flushed into daily rows (set, never added; never
lowered), signed-in visitors handed to crm, order figures recomputed from the orders, idempotently;
the backfill command rebuilds any range."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone

from analytics import counters, services
from analytics.models import ChannelDailyFigure, DailyFigure, ProductDailyFigure
from crm.models.profiles import CustomerProfile
from marketing.models import Channel
from marketing.services import channel_save
from orders.jobs import JOBS
from tests.analytics.helpers import days_ago, pay, place, refund
from tests.factories import ShopperFactory, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def sku(shop_a):
    return make_product(shop=shop_a, title="帆布包", price_fen=5000, stock=100).skus.get()


def hit(shop, visitor, **fields):
    counters.hit_record(counters.Hit(shop_id=shop.pk, visitor=visitor, **fields))


def test_the_job_is_registered_and_flushes_the_counters_into_rows(shop_a, shop_b, sku):
    assert JOBS["analytics_rollup"] is services.figures_rollup
    group = channel_save(channel=Channel(shop=shop_a, name="宝妈群", kind=Channel.Kind.GROUP, code="mama"))
    hit(shop_a, "cabc", product_id=sku.product_id)
    hit(shop_a, "cabc")
    hit(shop_a, "cdef", channel_id=group.pk, product_id=sku.product_id)
    hit(shop_a, "cdef", channel_id=group.pk, page=False, cart=True, product_id=sku.product_id)
    hit(shop_b, "cxyz")
    services.figures_rollup()
    today = timezone.localdate()
    a = DailyFigure.objects.get(shop=shop_a, day=today)
    assert (a.visitors, a.page_views, a.product_visitors, a.product_views, a.cart_visitors, a.cart_adds) == (
        2,
        3,
        2,
        2,
        1,
        1,
    )
    rows = {r.channel_code: r for r in ChannelDailyFigure.objects.filter(shop=shop_a, day=today)}
    assert set(rows) == {"", "mama"}
    assert (rows["mama"].visitors, rows["mama"].page_views, rows["mama"].cart_adds) == (1, 1, 1)
    assert (rows[""].visitors, rows[""].page_views) == (1, 2)
    product = ProductDailyFigure.objects.get(shop=shop_a, day=today, product_id=sku.product_id)
    assert (product.views, product.cart_adds) == (2, 1)
    assert DailyFigure.objects.get(shop=shop_b, day=today).visitors == 1

    before = list(DailyFigure.objects.order_by("pk").values())
    services.figures_rollup()  # again: nothing is counted twice
    assert [{**r, "updated_at": None} for r in DailyFigure.objects.order_by("pk").values()] == [
        {**r, "updated_at": None} for r in before
    ]


def test_a_row_never_goes_down_when_the_cache_loses_its_counters(shop_a):
    for visitor in ("c1", "c2", "c3"):
        hit(shop_a, visitor)
    services.figures_rollup()
    cache.clear()
    hit(shop_a, "c4")  # counting starts again from 1
    services.figures_rollup()
    row = DailyFigure.objects.get(shop=shop_a, day=timezone.localdate())
    assert row.visitors == 3 and row.page_views == 3


def test_signed_in_visitors_are_handed_to_crm_once_with_their_channel(shop_a):
    group = channel_save(channel=Channel(shop=shop_a, name="宝妈群", kind=Channel.Kind.GROUP, code="mama"))
    first, second = ShopperFactory(username="u1"), ShopperFactory(username="u2")
    hit(shop_a, f"u{first.pk}", user_id=first.pk, channel_id=group.pk)
    hit(shop_a, f"u{first.pk}", user_id=first.pk)
    hit(shop_a, f"u{second.pk}", user_id=second.pk)
    hit(shop_a, "canonymous")
    services.figures_rollup()
    profiles = {p.user_id: p for p in CustomerProfile.objects.filter(shop=shop_a)}
    assert set(profiles) == {first.pk, second.pk}
    assert profiles[first.pk].first_channel_code == "mama" and profiles[second.pk].first_channel_code == ""
    assert profiles[first.pk].first_seen_at is not None
    pending, _upto = counters.users_pending(shop_id=shop_a.pk, day=timezone.localdate())
    assert pending == []  # handed over: the next run passes nobody again
    third = ShopperFactory(username="u3")
    hit(shop_a, f"u{third.pk}", user_id=third.pk)
    pending, _upto = counters.users_pending(shop_id=shop_a.pk, day=timezone.localdate())
    assert [user for user, _c, _at in pending] == [third.pk]


def test_order_figures_are_recomputed_from_the_orders_by_their_own_days(shop_a, sku):
    buyer = ShopperFactory(username="b1")
    placed_two_days_ago = place(shop_a, sku, user=buyer, day=days_ago(2), code="mama")
    pay(placed_two_days_ago, day=days_ago(1))  # paid the next day
    refund(placed_two_days_ago, 1000, day=days_ago(0))
    services.figures_rollup()
    rows = {r.day: r for r in DailyFigure.objects.filter(shop=shop_a)}
    assert (rows[days_ago(2)].orders, rows[days_ago(2)].buyers, rows[days_ago(2)].paid_fen) == (1, 1, 0)
    assert (rows[days_ago(1)].orders, rows[days_ago(1)].payers, rows[days_ago(1)].paid_fen) == (0, 1, 5000)
    assert (rows[days_ago(0)].refunds, rows[days_ago(0)].refund_fen) == (1, 1000)
    channel = ChannelDailyFigure.objects.get(shop=shop_a, day=days_ago(1), channel_code="mama")
    assert (channel.paid_orders, channel.payers, channel.paid_fen) == (1, 1, 5000)
    product = ProductDailyFigure.objects.get(shop=shop_a, day=days_ago(1), product_id=sku.product_id)
    assert (product.paid_units, product.paid_fen) == (1, 5000)

    # a wrong row is put right, and a second run changes nothing
    DailyFigure.objects.filter(shop=shop_a, day=days_ago(1)).update(paid_fen=1, payers=9)
    ChannelDailyFigure.objects.create(shop=shop_a, day=days_ago(1), channel_code="ghost", orders=3)
    services.figures_rollup()
    services.figures_rollup()
    row = DailyFigure.objects.get(shop=shop_a, day=days_ago(1))
    assert (row.paid_fen, row.payers) == (5000, 1)
    assert ChannelDailyFigure.objects.get(shop=shop_a, day=days_ago(1), channel_code="ghost").orders == 0


def test_the_backfill_command_rebuilds_any_range_and_keeps_visit_figures(shop_a, shop_b, sku, capsys):
    pay(place(shop_a, sku, day=days_ago(40)), day=days_ago(40))
    pay(place(shop_a, sku, day=days_ago(10)), day=days_ago(9))
    DailyFigure.objects.create(shop=shop_a, day=days_ago(40), visitors=7, page_views=20)
    call_command("analytics_backfill", "--shop", shop_a.slug)
    assert "rows=" in capsys.readouterr().out
    old = DailyFigure.objects.get(shop=shop_a, day=days_ago(40))
    assert (old.visitors, old.page_views, old.orders, old.payers, old.paid_fen) == (7, 20, 1, 1, 5000)
    assert DailyFigure.objects.get(shop=shop_a, day=days_ago(9)).paid_fen == 5000
    assert not DailyFigure.objects.filter(shop=shop_b).exists()
    call_command(
        "analytics_backfill", "--since", days_ago(45).isoformat(), "--until", days_ago(0).isoformat()
    )
    assert DailyFigure.objects.get(shop=shop_a, day=days_ago(40)).orders == 1  # the same again
    with pytest.raises(CommandError, match="开始日期晚于结束日期"):
        call_command("analytics_backfill", "--since", "2026-02-01", "--until", "2026-01-01")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("analytics_backfill", "--since", "昨天")
    with pytest.raises(CommandError, match="没有这个店铺"):
        call_command("analytics_backfill", "--shop", "nope")
