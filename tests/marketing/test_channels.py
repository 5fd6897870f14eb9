"""Channels: a signed short link per channel (/s/<shop>/go/<code>/), visits counted in the cache
with no database write on the request path, flushed into ChannelDayStat by an idempotent job, and
the per-channel, per-day figures (visits, visitors, orders, paying customers, sales)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.attribution import Attribution, attribution_sign, attribution_verify
from core.errors import ApplicationError
from marketing import selectors, services
from marketing.models import Channel, ChannelDayStat
from orders import services as order_services
from orders.models import Order
from tests.factories import AddressFactory, ShopperFactory, make_product
from tests.marketing.conftest import make_channel


def go(client, shop, code: str, **extra):
    return client.get(f"/s/{shop.slug}/go/{code}/", **extra)


def ch_of(location: str) -> str:
    return parse_qs(urlsplit(location).query).get("ch", [""])[0]


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]


# ---------------------------------------------------------------- links and signatures


def test_the_short_link_lands_on_the_target_with_the_channels_signed_code(client, shop_a, channel):
    response = go(client, shop_a, "pyq-1212")
    assert response.status_code == 302 and response.url.startswith("/s/shop-a/?ch=")
    assert attribution_verify(kind="ch", code=ch_of(response.url), shop_slug="shop-a") == (
        shop_a.pk,
        "pyq-1212",
    )
    assert "no-cache" in response["Cache-Control"]  # every open must reach us to be counted
    landed = client.get(response.url)
    assert landed.wsgi_request.attribution.channel_code == "pyq-1212"
    assert client.get("/s/shop-a/cart/").wsgi_request.attribution.channel_code == "pyq-1212"  # remembered


def test_a_product_channel_opens_the_product_while_it_is_on_shelf(
    client, shop_a, django_capture_on_commit_callbacks
):
    product = make_product(shop=shop_a)
    make_channel(
        shop=shop_a, code="group-7", kind=Channel.Kind.GROUP, target=Channel.Target.PRODUCT, product=product
    )
    response = go(client, shop_a, "group-7")
    assert response.url.startswith(f"/s/shop-a/p/{product.pk}/?ch=")
    from catalog.models import Product
    from catalog.services import product_set_status

    with django_capture_on_commit_callbacks(execute=True):  # the storefront version moves on commit
        product_set_status(product=product, status=Product.Status.OFF_SHELF)
    response = go(client, shop_a, "group-7")
    assert response.url.startswith("/s/shop-a/?ch=")  # the home, still attributed


@pytest.mark.parametrize("code", ["nope", "pyq-1212"])
def test_an_unknown_or_switched_off_channel_goes_home_without_attribution(client, shop_a, channel, code):
    Channel.objects.filter(pk=channel.pk).update(is_active=False)
    cache.clear()
    response = go(client, shop_a, code)
    assert response.status_code == 302 and response.url == "/s/shop-a/"
    assert not client.get(response.url).wsgi_request.attribution
    services.channel_stats_flush()
    assert not ChannelDayStat.objects.exists()


def test_tampered_and_foreign_codes_never_attribute(client, shop_a, shop_b, channel):
    good = ch_of(go(client, shop_a, "pyq-1212").url)
    client.cookies.clear()
    for bad in (
        good[:-1] + ("A" if good[-1] != "A" else "B"),
        good.replace("pyq-1212", "pyq-9999"),
        "pyq-1212",
    ):
        assert not client.get("/s/shop-a/", {"ch": bad}).wsgi_request.attribution, bad
    make_channel(shop=shop_b, code="pyq-1212")
    foreign = ch_of(go(client, shop_b, "pyq-1212").url)
    client.cookies.clear()
    assert not client.get("/s/shop-a/", {"ch": foreign}).wsgi_request.attribution
    assert client.get("/s/shop-b/", {"ch": foreign}).wsgi_request.attribution.channel_code == "pyq-1212"


def test_a_switched_off_channels_old_code_no_longer_attributes_orders(client, shop_a, channel, shopper):
    sku = make_product(shop=shop_a, stock=5).skus.get()
    signed = ch_of(go(client, shop_a, "pyq-1212").url)
    referral = attribution_sign(kind="ref", shop_id=shop_a.pk, shop_slug="shop-a", value="7")
    client.get(f"/s/shop-a/p/{sku.product_id}/", {"ch": signed, "ref": referral})
    channel.is_active = False
    services.channel_save(channel=channel)
    attribution = client.get("/s/shop-a/").wsgi_request.attribution
    assert (attribution.channel_code, attribution.referrer_code) == ("", "7")  # the referrer stays
    order = order_services.order_place(
        shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=AddressFactory(user=shopper).pk,
        attribution=attribution,
    )  # fmt: skip
    assert (order.channel_code, order.referrer_code) == ("", "7")


def test_the_shops_own_window_forgets_older_visits(client, shop_a, channel, settings, monkeypatch):
    import time

    from marketing.models import MarketingSettings

    settings.WEISHOP_ATTRIBUTION_WINDOW_DAYS = 7
    settings.WEISHOP_ATTRIBUTION_MAX_DAYS = 30
    then = time.time() - 3 * 86400
    monkeypatch.setattr(time, "time", lambda: then)
    landing = go(client, shop_a, "pyq-1212").url
    client.get(landing)  # a visit three days ago
    monkeypatch.undo()
    assert client.get("/s/shop-a/").wsgi_request.attribution.channel_code == "pyq-1212"
    services.marketing_settings_save(settings=MarketingSettings(shop=shop_a, attribution_window_days=2))
    assert not client.get("/s/shop-a/").wsgi_request.attribution  # the shop remembers two days only
    row = MarketingSettings.objects.get(shop=shop_a)
    row.attribution_window_days = 20  # longer than the platform's 7: allowed up to the longest
    services.marketing_settings_save(settings=row)
    then = time.time() - 12 * 86400
    monkeypatch.setattr(time, "time", lambda: then)
    client.get(landing)  # a visit twelve days ago
    monkeypatch.undo()
    assert client.get("/s/shop-a/").wsgi_request.attribution.channel_code == "pyq-1212"
    # never longer than the longest window (the remembering cookie's lifetime)
    row.attribution_window_days = 31
    with pytest.raises(ApplicationError) as caught:
        services.marketing_settings_save(settings=row)
    assert caught.value.code == "window_out_of_range"


def test_channel_rules(shop_a, shop_b, channel):
    with pytest.raises(ApplicationError) as caught:
        make_channel(shop=shop_a, code="pyq-1212")
    assert caught.value.code == "channel_code_taken"
    with pytest.raises(ApplicationError) as caught:
        make_channel(shop=shop_a, code="has space")
    assert caught.value.code == "channel_code_invalid"
    with pytest.raises(ApplicationError) as caught:
        make_channel(shop=shop_a, code="p1", target=Channel.Target.PRODUCT)
    assert caught.value.code == "channel_product_required"
    with pytest.raises(ApplicationError) as caught:
        make_channel(shop=shop_a, code="p2", target=Channel.Target.PRODUCT, product=make_product(shop=shop_b))
    assert caught.value.code == "channel_product_not_found"
    channel.code = "renamed"
    with pytest.raises(ApplicationError) as caught:
        services.channel_save(channel=channel)
    assert caught.value.code == "channel_code_fixed"
    home = make_channel(shop=shop_a, code="w1", target=Channel.Target.HOME, product=make_product(shop=shop_a))
    assert home.product is None  # only a product channel keeps a product


def test_an_official_account_channel_gets_a_wechat_parametric_qr_code(shop_a):
    from wechat.models import ChannelQRCode

    oa = make_channel(shop=shop_a, name="收银台", code="counter", kind=Channel.Kind.STORE_QR,
                      target=Channel.Target.OFFICIAL_ACCOUNT)  # fmt: skip
    assert oa.qrcode == ChannelQRCode.objects.get(shop=shop_a, scene="counter")
    with pytest.raises(ApplicationError) as caught:  # no official account configured yet
        services.channel_qrcode_issue(channel=oa)
    assert caught.value.code == "wechat_not_configured"


@pytest.mark.django_db(transaction=True)
def test_issuing_the_official_account_qr_code_through_the_simulator(shop_a, settings, live_server):
    from tests.factories import simulator_wechat_account

    settings.WECHAT_SIMULATOR_URL = f"{live_server.url}/wechat-sim"
    simulator_wechat_account(shop_a)
    oa = make_channel(shop=shop_a, code="counter", target=Channel.Target.OFFICIAL_ACCOUNT)
    qrcode = services.channel_qrcode_issue(channel=oa)
    assert qrcode.url.startswith("http://weixin.qq.com/q/") and qrcode.scene == "counter"


# ---------------------------------------------------------------- counting


def test_an_anonymous_visit_writes_nothing_to_the_database(client, shop_a, channel):
    client.get(go(client, shop_a, "pyq-1212").url)  # warms the shop, its channels and the home page
    client.cookies.clear()
    with CaptureQueriesContext(connection) as queries:
        response = go(client, shop_a, "pyq-1212")
        landed = client.get(response.url)
    assert landed.status_code == 200
    assert len(queries) == 0, [q["sql"] for q in queries]
    # and even cold, a visit only reads
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        go(client, shop_a, "pyq-1212")
    assert writes(queries) == []
    assert not ChannelDayStat.objects.exists()


def test_visits_and_unique_visitors_are_counted_per_day(client, shop_a, channel, shopper):
    from django.test import Client

    for _ in range(3):
        go(client, shop_a, "pyq-1212")  # one browser (its visitor cookie), three visits
    go(Client(), shop_a, "pyq-1212")  # another browser
    logged_in = Client()
    logged_in.force_login(shopper)
    go(logged_in, shop_a, "pyq-1212")
    go(logged_in, shop_a, "pyq-1212")
    assert client.head("/s/shop-a/go/pyq-1212/").status_code == 302  # a link checker: not a visit
    today = timezone.localdate()
    assert selectors.live_counts([channel.pk], [today]) == {(channel.pk, today): (6, 3)}


def test_the_flush_job_writes_day_rows_and_is_idempotent(client, shop_a, channel):
    from django.test import Client

    go(client, shop_a, "pyq-1212")
    go(client, shop_a, "pyq-1212")
    go(Client(), shop_a, "pyq-1212")
    yesterday = timezone.localdate() - timedelta(days=1)
    services.channel_visit_record(channel_id=channel.pk, visitor="u1", day=yesterday)
    assert services.channel_stats_flush() == 2
    assert services.channel_stats_flush() == 0  # twice: nothing counted twice
    rows = {row.day: (row.visits, row.visitors) for row in ChannelDayStat.objects.filter(channel=channel)}
    assert rows == {timezone.localdate(): (3, 2), yesterday: (1, 1)}
    go(client, shop_a, "pyq-1212")
    assert services.channel_stats_flush() == 1
    assert ChannelDayStat.objects.get(channel=channel, day=timezone.localdate()).visits == 4
    cache.clear()  # a cache that lost its counters never takes flushed visits back
    services.channel_visit_record(channel_id=channel.pk, visitor="u2")
    services.channel_stats_flush()
    assert ChannelDayStat.objects.get(channel=channel, day=timezone.localdate()).visits == 4
    assert ChannelDayStat.objects.get(channel=channel, day=timezone.localdate()).shop_id == shop_a.pk


def test_the_flush_job_runs_with_the_other_jobs_and_from_celery_beat():
    from config.celery import app
    from marketing import tasks
    from orders import jobs

    assert jobs.JOBS["channel_stats_flush"] is services.channel_stats_flush
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "marketing.tasks.channel_stats_flush" in scheduled
    assert tasks.channel_stats_flush.name == "marketing.tasks.channel_stats_flush"


# ---------------------------------------------------------------- figures


def place(shop, sku, *, code: str, paid: bool, user=None) -> Order:
    user = user or ShopperFactory()
    order = order_services.order_place(
        shop=shop, user=user, items=[(sku.pk, 1)], address_id=AddressFactory(user=user).pk,
        attribution=Attribution(shop_id=shop.pk, channel_code=code, touched_at=timezone.now()),
    )  # fmt: skip
    if paid:
        order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    return order


def test_figures_per_channel_and_day(client, shop_a, shop_b, channel, django_assert_num_queries):
    other = make_channel(shop=shop_a, name="宝妈群", code="mama", kind=Channel.Kind.GROUP)
    b_channel = make_channel(shop=shop_b, name="乙的朋友圈", code="pyq-1212")  # same code, other shop
    sku = make_product(shop=shop_a, price_fen=5000, stock=50).skus.get()
    b_sku = make_product(shop=shop_b, price_fen=7000, stock=50).skus.get()
    buyer = ShopperFactory()
    place(shop_a, sku, code="pyq-1212", paid=True, user=buyer)
    place(shop_a, sku, code="pyq-1212", paid=True, user=buyer)  # the same customer twice
    place(shop_a, sku, code="pyq-1212", paid=False)
    place(shop_a, sku, code="mama", paid=True)
    place(shop_b, b_sku, code="pyq-1212", paid=True)
    place(shop_a, sku, code="", paid=True)  # no channel
    yesterday = timezone.localdate() - timedelta(days=1)
    old = place(shop_a, sku, code="pyq-1212", paid=True)
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1))
    for _ in range(4):
        services.channel_visit_record(channel_id=channel.pk, visitor="same")
    services.channel_visit_record(channel_id=channel.pk, visitor="u1", day=yesterday)
    services.channel_stats_flush()
    services.channel_visit_record(channel_id=channel.pk, visitor="late")  # not flushed yet: still shown
    today = timezone.localdate()
    with django_assert_num_queries(3):
        figures = selectors.channel_day_figures(shop_ids=[shop_a.pk], since=yesterday, until=today)
    got = {(f.channel_id, f.day): (f.visits, f.visitors, f.orders, f.payers, f.sales_fen) for f in figures}
    shipping = Order.objects.filter(shop=shop_a).first().shipping_fen
    assert got == {
        (channel.pk, today): (5, 2, 3, 1, 2 * (5000 + shipping)),
        (channel.pk, yesterday): (1, 1, 1, 1, 5000 + shipping),
        (other.pk, today): (0, 0, 1, 1, 5000 + shipping),
    }
    assert b_channel.pk not in {f.channel_id for f in figures}
    assert [f.day for f in figures] == sorted((f.day for f in figures), reverse=True)
    total = selectors.figures_total(figures)
    assert (total.visits, total.orders) == (6, 5)
    # the number of queries does not grow with channels or days
    for n in range(5):
        make_channel(shop=shop_a, code=f"more-{n}")
    with django_assert_num_queries(3):
        selectors.channel_day_figures(shop_ids=[shop_a.pk], since=today - timedelta(days=30), until=today)


def test_refunds_leave_the_sales(shop_a, channel):
    sku = make_product(shop=shop_a, price_fen=5000, stock=5).skus.get()
    order = place(shop_a, sku, code="pyq-1212", paid=True)
    Order.objects.filter(pk=order.pk).update(refunded_fen=1000)
    (figure,) = selectors.channel_day_figures(
        shop_ids=[shop_a.pk], since=timezone.localdate(), until=timezone.localdate()
    )
    assert figure.sales_fen == order.total_fen - 1000


def test_the_demo_shop_has_two_channels(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("load_demo", stdout=StringIO())
    channels = {c.code: c for c in Channel.objects.filter(shop__slug="demo")}
    assert set(channels) == {"pyq-1212", "mama-group"}
    assert (
        channels["mama-group"].target == Channel.Target.PRODUCT and channels["mama-group"].product is not None
    )
    call_command("load_demo", stdout=StringIO())
    assert Channel.objects.filter(shop__slug="demo").count() == 2
