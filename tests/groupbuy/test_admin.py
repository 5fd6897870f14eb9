"""The merchant's group-buy admin: an activity with a group price per SKU in yuan, clear refusals,
the groups with their members and state."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import SKU
from groupbuy.models import GroupBuyActivity, GroupBuyItem
from tests.factories import product_with_matrix
from tests.groupbuy.helpers import buyer, group_of, make_activity, pay, place

pytestmark = pytest.mark.django_db
ADD = "/admin/groupbuy/groupbuyactivity/add/"


def form(product, prices: dict, **fields) -> dict:
    now = timezone.localtime().replace(second=0, microsecond=0)
    data = {
        "name": "双人团", "product": product.pk, "group_size": "2", "open_hours": "24", "per_user_limit": "1",
        "is_active": "on", "starts_at_0": now.strftime("%Y-%m-%d"), "starts_at_1": now.strftime("%H:%M:%S"),
        "ends_at_0": (now + timedelta(days=7)).strftime("%Y-%m-%d"), "ends_at_1": "12:00:00",
        "items-TOTAL_FORMS": str(len(prices)), "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for n, (sku, price) in enumerate(prices.items()):
        data[f"items-{n}-sku"] = str(sku.pk)
        data[f"items-{n}-group_price_fen"] = price
    data.update(fields)
    return data


def test_a_merchant_sets_a_group_buy_with_a_price_per_sku_in_yuan(client, merchant_a, shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红",), sizes=("S", "M"), price_fen=5900)
    red_s, red_m = product.skus.order_by("pk")
    client.force_login(merchant_a)
    response = client.post(ADD, form(product, {red_s: "39.90", red_m: "42"}))
    assert response.status_code == 302, response.context["adminform"].form.errors
    activity = GroupBuyActivity.objects.get()
    assert (activity.shop, activity.group_size) == (shop_a, 2)
    assert dict(GroupBuyItem.objects.values_list("sku_id", "group_price_fen")) == {
        red_s.pk: 3990,
        red_m.pk: 4200,
    }
    page = client.get(f"/admin/groupbuy/groupbuyactivity/{activity.pk}/change/").content.decode()
    assert "拼团价格" in page and "¥59" in page  # the SKU's own price beside its group price


@pytest.mark.parametrize(
    ("fields", "price", "message"),
    [
        ({}, "59", "拼团价必须低于售价"),
        ({"group_size": "11"}, "30", "10"),
        ({"group_size": "1"}, "30", "2"),
        ({"ends_at_0": "2020-01-01"}, "30", "结束时间必须晚于开始时间"),
    ],
)
def test_refusals_are_clear(client, merchant_a, shop_a, fields, price, message):
    product = product_with_matrix(shop=shop_a, colors=("红",), sizes=("S",), price_fen=5900)
    client.force_login(merchant_a)
    response = client.post(ADD, form(product, {product.skus.get(): price}, **fields))
    assert response.status_code == 200 and message in response.content.decode()
    assert not GroupBuyActivity.objects.exists()


def test_groups_show_their_members_and_state(client, merchant_a, shop_a):
    activity = make_activity(shop=shop_a, size=2)
    order = pay(place(activity, buyer("团长甲")))
    group = group_of(order)
    client.force_login(merchant_a)
    listing = client.get("/admin/groupbuy/group/").content.decode()
    assert group.group_no in listing and "拼团中" in listing and "1 / 2" in listing
    page = client.get(f"/admin/groupbuy/group/{group.pk}/change/").content.decode()
    assert order.order_no in page and "已参团" in page and "团长甲" in page
    activities = client.get("/admin/groupbuy/groupbuyactivity/").content.decode()
    assert "进行中" in activities and "开团数" in activities
    # an activity with groups cannot be deleted (switch it off instead)
    assert client.get(f"/admin/groupbuy/groupbuyactivity/{activity.pk}/delete/").status_code == 403


def test_a_sku_of_another_product_is_refused_even_on_a_new_activity(client, merchant_a, shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红",), sizes=("S",), price_fen=5900)
    other = product_with_matrix(shop=shop_a, title="别的商品", colors=("蓝",), sizes=("M",), price_fen=5900)
    client.force_login(merchant_a)
    response = client.post(ADD, form(product, {other.skus.get(): "30"}))
    assert response.status_code == 200 and "请选择本活动商品的规格" in response.content.decode()
    assert not GroupBuyActivity.objects.exists()


def sku_options(page: str, prefix: str) -> list[str]:
    select = re.search(rf'<select name="{prefix}-sku".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="(\d+)"', select)


def test_a_new_activity_without_prices_opens_with_a_row_for_every_active_sku(client, merchant_a, shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红", "蓝"), sizes=("S", "M"), price_fen=5900)
    other = product_with_matrix(shop=shop_a, title="别的商品", colors=("黑",), sizes=("L",), price_fen=5900)
    skus = list(product.skus.order_by("pk"))
    SKU.objects.filter(pk=skus[3].pk).update(is_active=False)
    client.force_login(merchant_a)
    response = client.post(ADD, form(product, {}))
    activity = GroupBuyActivity.objects.get()
    change = f"/admin/groupbuy/groupbuyactivity/{activity.pk}/change/"
    assert response.status_code == 302 and response.url == change  # straight on to the prices
    page = client.get(change).content.decode()
    assert "每个在售规格列出了一行" in page
    wanted = [str(sku.pk) for sku in skus[:3]]
    for n, pk in enumerate(wanted):  # one row per active SKU, that SKU chosen, the price blank
        assert re.search(rf'<select name="items-{n}-sku"[^>]*>.*?<option value="{pk}" selected>', page, re.S)
        assert sku_options(page, f"items-{n}") == wanted  # the activity's product's SKUs only
    assert str(other.skus.get().pk) not in sku_options(page, "items-__prefix__")
    assert 'name="items-3-sku"' not in page
    # the merchant fills only the prices they want: the rows left blank are not saved
    data = {k: v for k, v in form(product, {}).items() if not k.startswith("items-")}
    data.update({"items-TOTAL_FORMS": "3", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0",
                 "items-MAX_NUM_FORMS": "1000"})  # fmt: skip
    for n, pk in enumerate(wanted):
        data[f"items-{n}-sku"] = pk
        data[f"items-{n}-group_price_fen"] = "39" if n < 2 else ""
    response = client.post(change, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert sorted(GroupBuyItem.objects.values_list("sku_id", "group_price_fen")) == [
        (skus[0].pk, 3900),
        (skus[1].pk, 3900),
    ]
    page = client.get(change).content.decode()  # now one row for the SKU still without a price
    assert re.search(
        rf'<select name="items-2-sku"[^>]*>.*?<option value="{skus[2].pk}" selected>', page, re.S
    )


def test_the_members_inline_says_who_leads_in_words(client, merchant_a, shop_a):
    activity = make_activity(shop=shop_a, size=3)
    order = pay(place(activity, buyer("团长甲")))
    pay(place(activity, buyer("团员乙"), group_no=group_of(order).group_no))
    client.force_login(merchant_a)
    page = client.get(f"/admin/groupbuy/group/{group_of(order).pk}/change/").content.decode()
    assert "icon-no" not in page and "icon-yes" not in page
    roles = re.findall(r'<td class="field-leader_label">\s*<p>(.*?)</p>', page)
    assert roles == ["团长", "团员"]
