"""What a shopper reads of their own group-buy: the order page says the group's state (拼团中 ·
还差 N 人 / 拼团成功 / 拼团失败 · 已退款) and its timeline labels group notes 拼团, 我的拼团 says
when they left, and the product page shows their own groups as 我的团 · 邀请好友 (signed in only:
the anonymous page is cached and the same for everyone) at a constant query count."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groupbuy import services
from groupbuy.models import Group, GroupMember
from tests.groupbuy.helpers import buyer, group_of, make_activity, pay, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(shop_a):
    return make_activity(shop=shop_a, price_fen=9900, group_price_fen=5900, size=3)


def text(response) -> str:
    return response.content.decode()


def status_panel(page: str) -> str:
    return re.search(r'<section class="panel status">(.*?)</section>', page, re.S).group(1)


def test_the_order_page_says_the_group_is_still_filling_and_links_to_invite(client, activity):
    user = buyer()
    order = pay(place(activity, user))
    client.force_login(user)
    page = text(client.get(f"/s/shop-a/orders/{order.order_no}/"))
    panel = status_panel(page)
    assert "拼团中 · 还差 2 人" in panel and "邀请好友参团" in panel
    assert f"/s/shop-a/groups/{group_of(order).group_no}/" in panel
    assert "<b>开团成功：还差 2 人" in page and "备注" not in page  # the timeline: the note alone


def test_the_order_page_after_the_group_filled(client, activity):
    user = buyer()
    order = pay(place(activity, user))
    for _n in range(2):
        pay(place(activity, buyer(), group_no=group_of(order).group_no))
    client.force_login(user)
    panel = status_panel(text(client.get(f"/s/shop-a/orders/{order.order_no}/")))
    assert "拼团成功" in panel and "还差" not in panel and "邀请好友参团" not in panel


def test_the_order_page_after_the_group_failed(client, activity, django_capture_on_commit_callbacks):
    user = buyer()
    order = pay(place(activity, user))
    Group.objects.filter(pk=group_of(order).pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.groups_expire_due()
    client.force_login(user)
    page = text(client.get(f"/s/shop-a/orders/{order.order_no}/"))
    assert "拼团失败 · 已退款" in status_panel(page) and "备注 · " not in page


def test_my_groups_says_when_the_shopper_left_a_group(client, activity):
    user = buyer()
    group = group_of(pay(place(activity, buyer())))
    member_order = pay(place(activity, user, group_no=group.group_no))
    GroupMember.objects.filter(order=member_order).update(status=GroupMember.Status.LEFT)
    Group.objects.filter(pk=group.pk).update(joined_count=1)
    client.force_login(user)
    page = text(client.get("/s/shop-a/groups/mine/"))
    assert group.group_no in page and "已退出" in page and "还差 2 人" not in page
    GroupMember.objects.filter(order=member_order).update(status=GroupMember.Status.REFUNDED)
    page = text(client.get("/s/shop-a/groups/mine/"))
    assert "已退款" in page and "还差 2 人" not in page


def product_page(client, activity) -> str:
    return text(client.get(f"/s/shop-a/p/{activity.product_id}/"))


def test_the_product_page_shows_the_viewers_own_groups_as_theirs(client, activity):
    leader = buyer("微风")
    mine = group_of(pay(place(activity, leader))).group_no
    other = group_of(pay(place(activity, buyer("李雷")))).group_no
    joined = buyer("韩梅梅")
    pay(place(activity, joined, group_no=other))
    anonymous = product_page(client, activity)
    assert anonymous.count("去参团") == 2 and "我的团" not in anonymous
    client.force_login(leader)
    page = product_page(client, activity)
    own = re.search(r'<li class="mine">.*?</li>', page, re.S).group(0)
    assert f"/s/shop-a/groups/{mine}/" in own and "邀请好友" in own and "去参团" not in own
    assert page.count("去参团") == 1 and "李** 的团 · 还差 1 人" in page
    client.force_login(joined)  # a member (not the opener) sees it as theirs too
    page = product_page(client, activity)
    assert page.count("我的团") == 1 and page.count("去参团") == 1
    client.logout()

    def untokened(page: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)

    assert untokened(product_page(client, activity)) == untokened(anonymous)  # cached, the same for all


def test_the_signed_in_product_page_costs_the_same_queries_with_or_without_own_groups(client, activity):
    viewer = buyer()
    client.force_login(viewer)
    counts = []
    for own in (False, True):
        if own:
            pay(place(activity, viewer))
            for _n in range(2):
                pay(place(activity, buyer()))
        product_page(client, activity)
        with CaptureQueriesContext(connection) as queries:
            product_page(client, activity)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
