"""The dashboard on a merchant's admin index (issue 13): a range (近7天 / 近30天 / custom), totals,
per day and per channel, the funnel and trend charts as inline SVG, top products and channels;
the merchant's shops only; a constant number of queries whatever the range."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics import counters, services
from analytics.models import ChannelDailyFigure, DailyFigure, ProductDailyFigure
from marketing.models import Channel
from marketing.services import channel_save
from shop.models import ShopMember
from tests.analytics.helpers import days_ago, pay, place
from tests.factories import ShopFactory, make_product

pytestmark = pytest.mark.django_db


def figures(shop, product, *, days: int, visitors: int = 50):
    """``days`` days of rolled-up rows, two channels a day."""
    for n in range(days):
        day = days_ago(n)
        DailyFigure.objects.create(shop=shop, day=day, visitors=visitors, page_views=visitors * 3, product_visitors=visitors // 2,
                                   product_views=visitors, cart_visitors=8, cart_adds=10, orders=6, buyers=5,
                                   order_fen=60000, paid_orders=5, payers=4, paid_fen=50000, refunds=1, refund_fen=5000)  # fmt: skip
        for code in ("", "mama"):
            ChannelDailyFigure.objects.create(shop=shop, day=day, channel_code=code, visitors=visitors // 2,
                                              payers=2, paid_fen=25000, refund_fen=2500)  # fmt: skip
        ProductDailyFigure.objects.create(shop=shop, day=day, product=product, views=visitors, cart_adds=10,
                                          paid_units=5, paid_fen=50000)  # fmt: skip


@pytest.fixture
def shop_with_figures(shop_a):
    product = make_product(shop=shop_a, title="甲的帆布包", price_fen=10000, stock=50)
    channel_save(channel=Channel(shop=shop_a, name="宝妈群", kind=Channel.Kind.GROUP, code="mama"))
    figures(shop_a, product, days=40)
    return shop_a


def dashboard_html(page: str) -> str:
    start = page.index('id="dashboard"')
    return page[start : page.index("</div>\n</div>", start)]


def test_a_merchant_sees_the_dashboard_with_totals_charts_and_tables(client, shop_with_figures, merchant_a):
    client.force_login(merchant_a)
    response = client.get("/admin/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "经营数据 · 甲店" in page
    html = dashboard_html(page)
    assert html.count("<svg") == 3 and "转化漏斗" in html and "<script" not in html
    for label in ("访问", "浏览商品", "加购", "下单", "支付"):  # the funnel's steps
        assert f">{label}</text>" in html
    for heading in (
        "访客",
        "浏览量",
        "商品浏览",
        "加购",
        "下单",
        "付款人数",
        "转化率",
        "客单价",
        "销售额",
        "退款",
    ):
        assert f"<th>{heading}</th>" in html
    context = response.context["dashboard"]
    total = context["figures"].total
    assert context["range"].days == 7 and len(context["figures"].days) == 7
    assert (total.visitors, total.payers, total.paid_fen, total.refund_fen) == (350, 28, 350000, 35000)
    assert total.conversion == "8.0%" and total.average_fen == 12500 and total.sales_fen == 315000
    assert "¥3150" in html and "8.0%" in html and "¥125" in html
    assert "宝妈群" in html and "无渠道（直接进店）" in html and "甲的帆布包" in html
    assert not re.search(r">\s*[A-Za-z]{3,}[^<]*<", html.replace("¥", "")), "no English in the dashboard"


def test_the_range_can_be_30_days_or_custom_and_a_bad_range_says_why(client, shop_with_figures, merchant_a):
    client.force_login(merchant_a)
    thirty = client.get("/admin/?range=30").context["dashboard"]
    assert thirty["range"].days == 30 and thirty["figures"].total.visitors == 1500
    since, until = days_ago(20), days_ago(11)
    custom = client.get(f"/admin/?range=custom&since={since}&until={until}").context["dashboard"]
    assert (custom["range"].since, custom["range"].until, custom["range"].key) == (since, until, "custom")
    assert custom["figures"].total.visitors == 500 and custom["errors"] == []
    for query, message in [
        ("range=custom&since=2026-13-01&until=x", "请选择开始和结束日期"),
        (f"range=custom&since={days_ago(1)}&until={days_ago(3)}", "开始日期不能晚于结束日期"),
        (
            f"range=custom&since={days_ago(1)}&until={timezone.localdate() + timedelta(days=1)}",
            "结束日期不能晚于今天",
        ),
        (f"range=custom&since={days_ago(400)}&until={days_ago(0)}", "一次最多查看 366 天"),
    ]:
        response = client.get(f"/admin/?{query}")
        assert response.status_code == 200
        assert message in response.content.decode()
        assert response.context["dashboard"]["range"].days == 7  # and the last 7 days are shown


def test_the_query_count_is_the_same_for_7_and_30_days(
    client, shop_with_figures, merchant_a, django_assert_num_queries
):
    client.force_login(merchant_a)
    client.get("/admin/")  # warm the session, the channel profile
    with CaptureQueriesContext(connection) as seven:
        client.get("/admin/?range=7")
    with CaptureQueriesContext(connection) as thirty:
        client.get("/admin/?range=30")
    since = days_ago(39)
    with CaptureQueriesContext(connection) as forty:
        client.get(f"/admin/?range=custom&since={since}&until={days_ago(0)}")
    assert len(seven.captured_queries) == len(thirty.captured_queries) == len(forty.captured_queries)


def test_a_merchant_never_sees_another_shops_figures(client, shop_with_figures, shop_b, merchant_b):
    product_b = make_product(shop=shop_b, title="乙的茶", price_fen=100, stock=5)
    figures(shop_b, product_b, days=3, visitors=7)
    client.force_login(merchant_b)
    for query in ("", f"?shop={shop_with_figures.pk}", f"?shop={shop_with_figures.pk}&range=30"):
        response = client.get(f"/admin/{query}")
        context = response.context["dashboard"]
        assert context["shop"] == shop_b
        html = dashboard_html(response.content.decode())
        assert "甲店" not in html and "甲的帆布包" not in html and "宝妈群" not in html
        assert context["figures"].total.visitors == 21
    assert "没有找到这个店铺" in client.get(f"/admin/?shop={shop_with_figures.pk}").content.decode()


def test_a_merchant_with_two_shops_chooses_the_shop(client, shop_with_figures, merchant_a):
    second = ShopFactory(slug="shop-c", name="丙店")
    ShopMember.objects.create(shop=second, user=merchant_a, role=ShopMember.Role.OWNER)
    client.force_login(merchant_a)
    page = client.get("/admin/").content.decode()
    assert '<select name="shop">' in page and "丙店" in page
    response = client.get(f"/admin/?shop={second.pk}&range=30")
    assert response.context["dashboard"]["shop"] == second
    assert response.context["dashboard"]["figures"].total.visitors == 0
    assert "经营数据 · 丙店" in response.content.decode()


def test_the_operator_keeps_a_working_index(client, shop_with_figures, operator):
    client.force_login(operator)
    response = client.get("/admin/")
    assert response.status_code == 200 and "dashboard" not in response.context
    assert 'id="dashboard"' not in response.content.decode()


def test_a_new_shop_keeps_its_first_steps_and_a_ready_one_the_dashboard_alone(client, shop_a, merchant_a):
    client.force_login(merchant_a)
    page = client.get("/admin/").content.decode()
    assert "开店第一步" in page and 'id="dashboard"' in page
    from catalog.models import Category
    from shop.models import Shop

    Category.objects.create(shop=shop_a, name="分类")
    make_product(shop=shop_a)
    Shop.objects.filter(pk=shop_a.pk).update(verification=Shop.Verification.VERIFIED)
    page = client.get("/admin/").content.decode()
    assert "开店第一步" not in page and 'id="dashboard"' in page


def test_live_counters_show_before_the_job_has_run(client, shop_a, merchant_a):
    product = make_product(shop=shop_a, title="帆布包", price_fen=5000, stock=10)
    for visitor in ("c1", "c2"):
        counters.hit_record(counters.Hit(shop_id=shop_a.pk, visitor=visitor, product_id=product.pk))
    client.force_login(merchant_a)
    context = client.get("/admin/").context["dashboard"]
    assert context["figures"].total.visitors == 2 and context["figures"].total.product_views == 2
    assert [p.views for p in context["figures"].products] == [2]
    services.figures_rollup()
    counters.hit_record(counters.Hit(shop_id=shop_a.pk, visitor="c3"))
    context = client.get("/admin/").context["dashboard"]
    assert context["figures"].total.visitors == 3  # the row, raised to the live counter: not added
    assert [p.views for p in context["figures"].products] == [2]


def test_orders_and_the_job_fill_the_dashboard(client, shop_a, merchant_a):
    sku = make_product(shop=shop_a, title="帆布包", price_fen=5000, stock=10).skus.get()
    pay(place(shop_a, sku, day=days_ago(0), code=""), day=days_ago(0))
    services.figures_rollup()
    client.force_login(merchant_a)
    total = client.get("/admin/").context["dashboard"]["figures"].total
    assert (total.orders, total.payers, total.sales_fen) == (1, 1, 5000)


def test_the_query_count_is_the_same_for_more_channels_and_products(client, shop_with_figures, merchant_a):
    client.force_login(merchant_a)
    client.get("/admin/")
    with CaptureQueriesContext(connection) as few:
        client.get("/admin/?range=30")
    for n in range(12):
        code = f"ch{n}"
        channel_save(
            channel=Channel(shop=shop_with_figures, name=f"渠道{n}", kind=Channel.Kind.OTHER, code=code)
        )
        product = make_product(shop=shop_with_figures, title=f"商品{n}", price_fen=1000, stock=5)
        for back in range(10):
            ChannelDailyFigure.objects.create(shop=shop_with_figures, day=days_ago(back), channel_code=code,
                                              visitors=3, paid_fen=100 * n)  # fmt: skip
            ProductDailyFigure.objects.create(
                shop=shop_with_figures, day=days_ago(back), product=product, views=n
            )
    client.get("/admin/")  # the channel profile changed: cache it again
    with CaptureQueriesContext(connection) as many:
        response = client.get("/admin/?range=30")
    assert len(response.context["dashboard"]["figures"].channels) == 10  # the top ten
    assert len(response.context["dashboard"]["figures"].products) == 10
    assert len(many.captured_queries) == len(few.captured_queries)
