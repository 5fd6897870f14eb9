"""Group-buy's H5: the product page's section, opening a group through the buy-now checkout, the
group page (seats, masked members, countdown, share card, join), 我的拼团; pages never write and a
group page costs the same queries whatever its size."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groupbuy import services
from groupbuy.models import Group
from orders.models import CartItem, Order
from orders.services import cart_add, cart_get
from tests.groupbuy.helpers import buyer, group_of, make_activity, pay, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(shop_a):
    return make_activity(shop=shop_a, price_fen=9900, group_price_fen=5900, size=3)


def text(response) -> str:
    return response.content.decode()


def test_the_product_page_shows_the_group_price_and_open_groups(client, activity):
    leader = buyer("李雷")
    group_no = group_of(pay(place(activity, leader))).group_no
    page = text(client.get(f"/s/shop-a/p/{activity.product_id}/"))
    assert "3人拼团" in page and "拼团价 ¥59" in page and "发起拼团" in page
    assert f'name="group_buy" value="{activity.pk}"' in page
    assert "李** 的团 · 还差 2 人" in page and f"/s/shop-a/groups/{group_no}/" in page and "李雷" not in page


def test_a_product_without_a_running_group_buy_shows_nothing_of_it(client, shop_a):
    now = timezone.now()
    later = make_activity(shop=shop_a, starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=2))
    page = text(client.get(f"/s/shop-a/p/{later.product_id}/"))
    assert "拼团价" not in page and "发起拼团" not in page


def test_open_a_group_through_the_buy_now_checkout_which_leaves_the_cart_alone(client, activity, shop_a):
    user = buyer()
    sku = activity.product.skus.get()
    cart_add(cart=cart_get(shop=shop_a, user=user, create=True), sku_id=sku.pk, quantity=2)
    client.force_login(user)
    query = {"sku": sku.pk, "qty": 1, "group_buy": activity.pk, "back": f"/s/shop-a/p/{activity.product_id}/"}
    page = text(client.get("/s/shop-a/checkout/", query))
    assert "发起拼团" in page and "拼团价 · 3人团" in page and "-¥40" in page and "不能同时使用优惠券" in page
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    response = client.post("/s/shop-a/checkout/", {**query, "token": token, "address_id": user.address_id})
    order = Order.objects.get(user=user)
    assert response.url == f"/s/shop-a/orders/{order.order_no}/"
    assert order.discount_fen == 4000 and order.group_member.is_leader
    assert CartItem.objects.get(cart__user=user).quantity == 2  # the cart is as it was


def test_a_refused_group_checkout_goes_back_to_the_group_with_the_reason(client, activity):
    group_no = group_of(pay(place(activity, buyer()))).group_no
    for _n in range(2):
        pay(place(activity, buyer(), group_no=group_no))
    user = buyer()
    client.force_login(user)
    back = f"/s/shop-a/groups/{group_no}/"
    query = {"sku": activity.product.skus.get().pk, "qty": 1, "group_buy": activity.pk, "group_no": group_no,
             "back": back}  # fmt: skip
    response = client.get("/s/shop-a/checkout/", query, follow=True)
    assert response.redirect_chain[-1][0] == back
    page = text(response)
    assert "这个团已经满员了" in page and "拼团成功" in page and "去开一个新团" in page
    assert "https://evil" not in text(client.get("/s/shop-a/checkout/", {**query, "back": "https://evil/"}))


def test_the_group_page_shows_seats_masked_members_countdown_and_the_share_card(client, activity):
    leader = buyer("韩梅梅")
    group = group_of(pay(place(activity, leader)))
    with CaptureQueriesContext(connection) as queries:
        page = text(client.get(f"/s/shop-a/groups/{group.group_no}/"))
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []  # a page view never writes
    assert "还差 2 人成团" in page and "韩**" in page and "韩梅梅" not in page and "团长" in page
    assert page.count("待加入") == 2 and 'class="js-countdown"' in page
    assert 'id="wx-share"' in page and "还差 2 人成团，一起拼「拼团好物」" in page
    assert "¥59 参团" in page and f'name="group_no" value="{group.group_no}"' in page


def test_the_group_page_for_its_own_members_and_after_the_end(client, activity):
    group = group_of(pay(place(activity, buyer())))
    friend = buyer()
    waiting = place(activity, friend, group_no=group.group_no)
    client.force_login(friend)
    page = text(client.get(f"/s/shop-a/groups/{group.group_no}/"))
    assert "去付款" in page and f"/orders/{waiting.order_no}/pay/" in page and "¥59 参团" not in page
    Group.objects.filter(pk=group.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    services.groups_expire_due()
    client.logout()
    page = text(client.get(f"/s/shop-a/groups/{group.group_no}/"))
    assert "拼团未成功" in page and "自动原路退款" in page and "去开一个新团" in page and "参团" not in page
    assert client.get("/s/shop-a/groups/nope/").status_code == 404


def test_my_groups(client, activity):
    user = buyer()
    group_no = group_of(pay(place(activity, user))).group_no
    client.force_login(user)
    page = text(client.get("/s/shop-a/groups/mine/"))
    assert "我的拼团" in page and group_no in page and "还差 2 人" in page and "我是团长" in page
    assert "我的拼团" in text(client.get("/s/shop-a/me/"))
    client.logout()
    assert client.get("/s/shop-a/groups/mine/").status_code == 302


def test_a_group_page_costs_the_same_queries_whatever_its_size(client, shop_a):
    counts = []
    for size in (2, 8):
        activity = make_activity(shop=shop_a, size=10, name=f"{size}")
        group_no = group_of(pay(place(activity, buyer()))).group_no
        for _n in range(size - 1):
            pay(place(activity, buyer(), group_no=group_no))
        client.get(f"/s/shop-a/groups/{group_no}/")
        with CaptureQueriesContext(connection) as queries:
            assert text(client.get(f"/s/shop-a/groups/{group_no}/")).count('class="seat on"') == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_order_page_links_to_its_group(client, activity):
    user = buyer()
    order = pay(place(activity, user))
    client.force_login(user)
    page = text(client.get(f"/s/shop-a/orders/{order.order_no}/"))
    assert "邀请好友参团" in page and f"/s/shop-a/groups/{group_of(order).group_no}/" in page
    assert "开团成功" in page  # the timeline says it too


def test_a_joiners_checkout_says_the_pay_time_left_before_the_group_closes(client, activity):
    group = group_of(pay(place(activity, buyer())))
    Group.objects.filter(pk=group.pk).update(expires_at=timezone.now() + timedelta(minutes=7))
    user = buyer()
    client.force_login(user)
    query = {
        "sku": activity.product.skus.get().pk,
        "qty": 1,
        "group_buy": activity.pk,
        "group_no": group.group_no,
    }
    assert "请在 7 分钟内完成支付" in text(client.get("/s/shop-a/checkout/", query))
    assert "请在 30 分钟内完成支付" in text(client.get("/s/shop-a/checkout/", {**query, "group_no": ""}))
