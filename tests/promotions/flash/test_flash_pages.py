"""The shopper's flash sales: the H5 page (the running and the next session with countdowns that
work without JavaScript, remaining counts, no inline script), the shop home's link, the product
page's flash price (the cached anonymous page follows a session's start and end), the checkout's
flash line, and the API (in the schema; a fixed number of queries whatever the number of items)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from promotions.flash import services
from promotions.flash.models import FlashItem, FlashSession
from tests.factories import AddressFactory, ShopperFactory, make_product
from tests.promotions.flash.helpers import make_session

pytestmark = pytest.mark.django_db
WECHAT = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50"


def flash_product(shop, title="秒杀T恤", price_fen=9900, stock=20):
    return make_product(shop=shop, title=title, price_fen=price_fen, stock=stock)


def test_the_page_shows_the_running_and_the_next_session(client, shop_a):
    product = flash_product(shop_a)
    make_session(shop=shop_a, sku=product.skus.get(), flash_price_fen=4900, quantity=5, name="午间场")
    later = flash_product(shop_a, title="晚场商品")
    make_session(
        shop=shop_a,
        sku=later.skus.get(),
        flash_price_fen=100,
        quantity=3,
        name="晚场",
        starts_in=timedelta(hours=3),
    )
    page = client.get("/s/shop-a/flash-sales/", HTTP_USER_AGENT=WECHAT).content.decode()
    assert "正在秒杀" in page and "午间场" in page and "¥49" in page and "剩余 5 件" in page
    assert "下一场" in page and "晚场" in page and "限量 3 件" in page
    assert (
        'class="js-countdown"' in page and " 结束</time>" in page and " 开始</time>" in page
    )  # no JS: the time
    assert "/static/h5/flash.js" in page and "<script>" not in page  # the CSP allows no inline script
    assert f"/s/shop-a/checkout/?sku={product.skus.get().pk}&amp;qty=1" in page


def test_the_page_moves_the_stock_if_the_job_is_late(client, shop_a):
    product = flash_product(shop_a, stock=20)
    _session, item = make_session(shop=shop_a, sku=product.skus.get(), flash_price_fen=4900, quantity=5)
    client.get("/s/shop-a/flash-sales/")
    item.refresh_from_db()
    assert item.remaining == 5 and product.skus.get().stock == 15


def test_no_session_says_so(client, shop_a):
    assert "暂时没有秒杀活动" in client.get("/s/shop-a/flash-sales/").content.decode()


def test_home_and_product_page_follow_the_session_even_when_cached(
    client, shop_a, django_capture_on_commit_callbacks
):
    product = flash_product(shop_a)
    session, _item = make_session(
        shop=shop_a, sku=product.skus.get(), flash_price_fen=4900, starts_in=timedelta(minutes=30)
    )
    home = client.get("/s/shop-a/").content.decode()
    assert "/s/shop-a/flash-sales/" in home and "下一场" in home
    assert "秒杀价" not in client.get(f"/s/shop-a/p/{product.pk}/").content.decode()
    FlashSession.objects.filter(pk=session.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.flash_sessions_sync()  # bumps the storefront version
    page = client.get(f"/s/shop-a/p/{product.pk}/").content.decode()
    assert "秒杀价 ¥49" in page and "立即抢购" in page
    assert "秒杀进行中" in client.get("/s/shop-a/").content.decode()


def test_checkout_shows_the_flash_line_and_a_sold_out_item_is_refused(client, shop_a):
    product = flash_product(shop_a)
    sku = product.skus.get()
    make_session(shop=shop_a, sku=sku, flash_price_fen=4900, quantity=5)
    services.flash_sessions_sync()
    shopper = ShopperFactory(username="h5buyer")
    AddressFactory(user=shopper)
    client.force_login(shopper)
    page = client.get(f"/s/shop-a/checkout/?sku={sku.pk}&qty=1").content.decode()
    assert "<dt>秒杀价 · 午间秒杀</dt><dd>-¥50</dd>" in page
    response = client.get(f"/s/shop-a/checkout/?sku={sku.pk}&qty=2", follow=True)
    assert "每人限购 1 件" in response.content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_api_lists_sessions_with_items_in_a_fixed_number_of_queries(client, shop_a):
    product = flash_product(shop_a)
    session, _item = make_session(shop=shop_a, sku=product.skus.get(), flash_price_fen=4900, quantity=5)
    services.flash_sessions_sync()
    body = client.get("/api/v1/shops/shop-a/flash-sales/").json()
    assert body["current"]["name"] == "午间秒杀" and body["upcoming"] is None
    (item,) = body["current"]["items"]
    assert (item["flash_price_fen"], item["price_fen"], item["remaining"], item["per_user_limit"]) == (
        4900,
        9900,
        5,
        1,
    )
    assert 0 < body["current"]["seconds_left"] <= 3600
    one = _queries(client, "/api/v1/shops/shop-a/flash-sales/")
    page = _queries(client, "/s/shop-a/flash-sales/")
    for n in range(6):
        sku = flash_product(shop_a, title=f"商品{n}").skus.get()
        FlashItem.objects.create(shop=shop_a, session=session, sku=sku, flash_price_fen=100, quantity=1)
    assert len(client.get("/api/v1/shops/shop-a/flash-sales/").json()["current"]["items"]) == 7
    assert _queries(client, "/api/v1/shops/shop-a/flash-sales/") == one
    assert _queries(client, "/s/shop-a/flash-sales/") == page


def test_the_route_is_in_the_schema_with_its_codes(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/shops/{shop_slug}/flash-sales/" in schema and "flash_sales" in schema


def test_the_api_answers_times_in_shanghai_time(client, shop_a):
    """docs/api.md: every time is Asia/Shanghai (+08:00), also in answers built as plain dicts."""
    product = flash_product(shop_a)
    make_session(shop=shop_a, sku=product.skus.get(), flash_price_fen=4900, quantity=5)
    body = client.get("/api/v1/shops/shop-a/flash-sales/").json()
    text = str(body)
    assert "+08:00" in text and "Z'" not in text, text
