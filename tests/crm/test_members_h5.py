"""会员中心 (H5): level and progress, points with what unfreezes when and what expires next, the
history (paginated, a constant number of queries), the rules; the 个人中心 entry; the checkout's
积分抵扣 switch; the official account menu's 会员中心."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models.members import PointsEntry
from orders.models import Order
from tests.crm.members_helpers import (
    after_window,
    buyer,
    complete,
    give,
    make_levels,
    pay,
    place,
    points_on,
    sku_of,
    spend_tracking,  # noqa: F401  (the fixture)
)

pytestmark = pytest.mark.usefixtures("spend_tracking")
URL = "/s/shop-a/member/"


def page(client, url: str = URL) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_visitor_is_asked_to_log_in(client, shop_a):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_member_centre_shows_level_progress_points_and_rules(client, shop_a):
    make_levels(shop_a)
    points_on(shop_a, expire_days=365)
    user = buyer()
    order = complete(pay(place(shop_a, user, price_fen=60000)))  # ¥600: 银卡, 600 points frozen
    give(shop_a, user, 250, reason="线下活动赠送")
    client.force_login(user)
    html = text(page(client))
    assert "银卡" in html and "会员价 9.5 折" in html and "累计消费 ¥600" in html
    assert "再消费 ¥1400 升级为金卡（9 折）" in html
    assert 'value="6"' in page(client)  # (600 − 500) / (2000 − 500): 6%
    assert re.search(r"可用积分 250", html) and re.search(r"冻结中 600", html)
    unfreeze = timezone.localtime(after_window(order)).strftime("%Y-%m-%d")
    assert f"600 积分冻结中 订单 {order.order_no}" in html and f"{unfreeze} 解冻" in html
    assert "250 积分将于" in html
    assert "商家调整" in html and "线下活动赠送" in html and "+250" in html and "订单获得" in html
    assert "会员规则" in html and "售后期（7 天）结束后可用" in html and "100 积分抵 ¥1" in html
    assert "不适用于秒杀价、拼团价商品" in html


def test_a_shopper_without_a_profile_sees_zeros_and_no_write_happens(client, shop_a):
    make_levels(shop_a)
    points_on(shop_a)
    user = buyer()
    client.force_login(user)
    html = text(page(client))
    assert "普通" in html and "再消费 ¥500 升级为银卡" in html and "还没有积分记录" in html
    from crm.models.profiles import CustomerProfile

    assert not CustomerProfile.objects.filter(user=user).exists()


def test_the_top_level_and_a_shop_without_points(client, shop_a):
    make_levels(shop_a, [("金卡", 0, 90)])
    user = buyer()
    client.force_login(user)
    html = text(page(client))
    assert "已是本店最高等级" in html and "本店暂未开启积分" in html and "可用积分" not in html


def test_the_history_is_paginated_in_a_constant_number_of_queries(client, shop_a):
    points_on(shop_a)
    user = buyer()
    for i in range(3):
        give(shop_a, user, i + 1, reason=f"第{i}次")
    client.force_login(user)
    page(client)  # warm the session and the shop cache
    with CaptureQueriesContext(connection) as few:
        page(client)
    for i in range(3, 45):
        give(shop_a, user, i + 1, reason=f"第{i}次")
    orders = [pay(place(shop_a, user)) for _ in range(2)]
    assert orders
    with CaptureQueriesContext(connection) as many:
        html = page(client)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert "第 1 / 3 页" in html and "第44次" in html and "第24次" not in html
    assert "第24次" in page(client, URL + "?page=2")
    for bad in ("?page=4", "?page=0", "?page=x", "?page=２"):
        assert client.get(URL + bad).status_code == 404


def test_another_shoppers_points_never_show(client, shop_a):
    points_on(shop_a)
    give(shop_a, buyer("a"), 999, reason="甲的积分")
    other = buyer("b")
    client.force_login(other)
    html = page(client)
    assert "甲的积分" not in html and "999" not in html


def test_the_member_centre_entry_in_me_says_level_and_points(client, shop_a, shop_b):
    make_levels(shop_a)
    points_on(shop_a)
    user = buyer()
    give(shop_a, user, 1280)
    client.force_login(user)
    html = text(page(client, "/s/shop-a/me/"))
    assert "会员中心 · 普通 · 1280 积分" in html
    assert 'href="/s/shop-a/member/"' in page(client, "/s/shop-a/me/")
    assert "会员中心" not in text(page(client, "/s/shop-b/me/"))  # shop B runs no membership


def test_the_checkout_offers_points_as_a_switch_and_the_order_takes_them(client, shop_a):
    points_on(shop_a, max_percent=50)
    user = buyer()
    give(shop_a, user, 3000)
    sku = sku_of(shop_a, price_fen=10000)
    client.force_login(user)
    url = f"/s/shop-a/checkout/?sku={sku.pk}&qty=1"
    html = page(client, url)
    assert "积分抵扣" in text(html) and "可用 3000 积分，本单可用 3000 积分抵 ¥30" in text(html)
    assert 'name="points" value="0"' in html
    toggle = re.search(r'id="choice-points" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "points=1" in toggle and f"sku={sku.pk}" in toggle
    html = page(client, toggle)
    assert "积分抵扣 · 3000 积分" in text(html) and "-¥30" in html and "应付 ¥70" in text(html)
    assert 'name="points" value="1"' in html and 'aria-checked="true"' in html
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    response = client.post("/s/shop-a/checkout/", {
        "token": token, "sku": sku.pk, "qty": 1, "address_id": user.address_id, "points": "1",
    })  # fmt: skip
    assert response.status_code == 302, text(response.content.decode())[:500]
    order = Order.objects.get(user=user)
    assert order.total_fen == 7000
    assert PointsEntry.objects.filter(order=order, kind="spent", available=-3000).exists()
    # the coupon picker keeps the switch on its way back
    picker = page(client, f"/s/shop-a/coupons/choose/?sku={sku.pk}&qty=1&points=1")
    assert "points=1" in picker


def test_the_switch_is_off_without_points_and_gone_without_the_setting(client, shop_a):
    user = buyer()
    sku = sku_of(shop_a)
    client.force_login(user)
    url = f"/s/shop-a/checkout/?sku={sku.pk}&qty=1"
    assert "积分抵扣" not in page(client, url)
    points_on(shop_a)
    html = page(client, url)
    assert "暂无可用积分" in text(html) and 'id="choice-points"' not in html


def test_the_official_account_menu_opens_the_member_centre(shop_a):
    from tests.factories import simulator_wechat_account
    from wechat import services as wechat_services

    account = simulator_wechat_account(shop_a)
    menu = wechat_services.menu_build(account=account, site_url="https://shop.example")
    member = menu["button"][2]
    assert member["name"] == "会员中心"
    views = [b for b in member["sub_button"] if b["type"] == "view"]
    assert views[0] == {"type": "view", "name": "会员中心", "url": "https://shop.example/s/shop-a/member/"}
    assert len(member["sub_button"]) <= 5
