"""The merchant's customer pages (crm/admin/profiles.py): the list with masked phones, channel and
referrer names, its filters (the conditions of crm.segments, read from the query string), a fixed
number of queries for 3 or 30 customers; 保存为分群; segments with their conditions in words, live
sizes and a masked CSV; bulk 添加标签 / 移除标签 through a page that asks for the tag; tag counts;
channel tag rules; and a shopper of two shops seen by each merchant with that shop's figures only."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models.members import MemberLevel
from crm.models.profiles import ChannelTagRule, CustomerProfile, Segment, Tag
from tests.crm.test_profiles import channel, pay, place
from tests.crm.test_segments import make_profile
from tests.factories import ShopperFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/crm/customerprofile/"


@pytest.fixture
def merchant(client, merchant_a):
    client.force_login(merchant_a)
    return client


def shown(response) -> list[str]:
    return [str(p) for p in response.context["cl"].result_list]


def rows_of(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_list_shows_each_customer_s_figures_with_the_phone_masked(merchant, shop_a):
    sharer = ShopperFactory(nickname="小林")
    buyer = ShopperFactory(nickname="王小丫", phone="13812348000")
    channel(shop_a, "mama", name="宝妈群", tags=("宝妈",))
    one = pay(place(shop_a, buyer, price_fen=10000, channel="mama", referrer=str(sharer.pk)))
    two = pay(place(shop_a, buyer, price_fen=5000))
    spent = one.paid_fen + two.paid_fen
    CustomerProfile.objects.filter(user=buyer).update(
        level=MemberLevel.objects.create(shop=shop_a, name="银卡", threshold_fen=1), points_available=120
    )
    response = merchant.get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    row = next(part for part in page.split("<tr") if "王小丫" in part and "field-phone" in part)
    from core.money import format_yuan

    for text in ("138****8000", "宝妈群", "小林", ">2<", format_yuan(spent), format_yuan(spent // 2), "银卡", ">120<",
                 "宝妈", "上海市"):  # fmt: skip
        assert text in row, text
    assert "13812348000" not in page
    for header in ("顾客", "手机号", "首次来源", "推荐人", "已关注", "订单数", "累计消费", "客单价", "最近下单",
                   "会员等级", "积分", "标签", "省份"):  # fmt: skip
        assert f">{header}<" in page or f">{header}</" in page, header
    assert "保存为分群" in page


def test_the_list_runs_a_fixed_number_of_queries_for_3_or_30_customers(merchant, shop_a):
    from marketing.selectors import marketing_profile

    channel(shop_a, "mama", name="宝妈群")
    tags = [Tag.objects.create(shop=shop_a, name=f"标签{i}") for i in range(3)]
    level = MemberLevel.objects.create(shop=shop_a, name="金卡", threshold_fen=1)
    sharers = [ShopperFactory() for _ in range(3)]

    def add(n):
        for i in range(n):
            make_profile(shop_a, user=ShopperFactory(phone="13900001111"), spent_fen=1000 * i, orders_count=i,
                         first_channel_code="mama", first_referrer_code=str(sharers[i % 3].pk), level=level,
                         tags=tags[: i % 3 + 1], province="上海市")  # fmt: skip

    counts = []
    for n in (3, 27):
        add(n)
        marketing_profile(shop_id=shop_a.pk)  # warm, as it is after the first page
        for params in ({}, {"spent": "1", "tag": str(tags[0].pk), "min_orders": "1"}):
            with CaptureQueriesContext(connection) as queries:
                response = merchant.get(LIST, params)
            assert response.status_code == 200
            counts.append(len(queries))
    assert len(shown(response)) > 3
    assert counts[0] == counts[2] and counts[1] == counts[3], counts


@pytest.fixture
def crowd(shop_a):
    now = timezone.now()
    vip = Tag.objects.create(shop=shop_a, name="VIP")
    return {
        "big": make_profile(
            shop_a,
            user=ShopperFactory(nickname="大客户"),
            spent_fen=200000,
            orders_count=5,
            last_order_at=now - timedelta(days=2),
            province="上海市",
            tags=[vip],
        ),
        "lapsed": make_profile(
            shop_a,
            user=ShopperFactory(nickname="老客户"),
            spent_fen=30000,
            orders_count=2,
            last_order_at=now - timedelta(days=60),
            province="浙江省",
        ),
        "never": make_profile(shop_a, user=ShopperFactory(nickname="只逛不买")),
        "tag": vip,
    }


def test_the_filters_are_the_segment_conditions(merchant, shop_a, crowd):
    assert set(shown(merchant.get(LIST, {"spent": "300"}))) == {"大客户", "老客户"}
    assert set(shown(merchant.get(LIST, {"spent": "300.01"}))) == {"大客户"}
    assert set(shown(merchant.get(LIST, {"inactive_days": "30"}))) == {"老客户", "只逛不买"}
    assert set(shown(merchant.get(LIST, {"inactive_days": "30", "min_orders": "1"}))) == {"老客户"}
    assert set(shown(merchant.get(LIST, {"province": "浙江省"}))) == {"老客户"}
    assert set(shown(merchant.get(LIST, {"tag": crowd["tag"].pk}))) == {"大客户"}
    assert set(shown(merchant.get(LIST, {"follower": "0", "q": "客户"}))) == {"大客户", "老客户"}
    from catalog.models import Category

    Category.objects.create(shop=shop_a, name="服装")
    MemberLevel.objects.create(shop=shop_a, name="金卡", threshold_fen=1)
    channel(shop_a, "mama")
    page = merchant.get(LIST).content.decode()
    for title in ("累计消费满（元）", "多少天未下单", "订单数至少", "购买过分类", "来源渠道", "省份", "会员等级",
                  "标签", "已关注公众号"):  # fmt: skip
        assert title in page, title


def test_a_bad_filter_value_is_said_in_chinese_and_the_other_conditions_kept(merchant, shop_a, crowd):
    response = merchant.get(LIST, {"spent": "一百", "province": "浙江省"})
    assert response.status_code == 302 and "province=" in response.url and "spent" not in response.url
    page = merchant.get(response.url)
    assert "“累计消费满”请填写金额（元）" in page.content.decode()
    assert set(shown(page)) == {"老客户"}


def test_another_shop_s_tag_in_the_query_string_is_refused(merchant, shop_b, crowd):
    theirs = Tag.objects.create(shop=shop_b, name="乙的标签")
    response = merchant.get(LIST, {"tag": theirs.pk})
    assert response.status_code == 302
    assert "标签不存在或已删除" in merchant.get(response.url).content.decode()


def test_save_as_segment_shows_the_conditions_and_saves_them(merchant, shop_a, crowd):
    url = (
        reverse("admin:crm_customerprofile_save_segment")
        + "?"
        + urlencode({"spent": "300", "min_orders": "1"})
    )
    page = merchant.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "累计消费满 ¥300" in text and "订单数至少 1" in text and "2 人" in text
    response = merchant.post(url, {"name": "高消费"})
    segment = Segment.objects.get(shop=shop_a, name="高消费")
    assert response.status_code == 302 and response.url == reverse(
        "admin:crm_segment_change", args=[segment.pk]
    )
    assert segment.filters == {"min_spent_fen": 30000, "min_orders": 1}
    again = merchant.post(url, {"name": "高消费"})
    assert again.status_code == 200 and "已有名为“高消费”的分群" in again.content.decode()
    merchant.post(
        reverse("admin:crm_customerprofile_save_segment") + "?min_orders=5",
        {"name": "高消费", "replace": "on"},
    )
    assert Segment.objects.get(pk=segment.pk).filters == {"min_orders": 5}
    # the list's button carries the list's conditions
    assert "save-segment/?spent=300" in merchant.get(LIST, {"spent": "300"}).content.decode()


def test_a_segment_shows_its_conditions_its_live_size_its_customers_and_its_csv(merchant, shop_a, crowd):
    from crm.services.profiles import segment_save

    segment = segment_save(
        shop_id=shop_a.pk, name="VIP", filters={"tag": crowd["tag"].pk, "min_spent_fen": 100}
    )
    listing = merchant.get("/admin/crm/segment/").content.decode()
    assert "累计消费满 ¥1；标签“VIP”" in listing and "1 人" in listing
    page = merchant.get(reverse("admin:crm_segment_change", args=[segment.pk])).content.decode()
    assert "1 人" in page and "查看顾客" in page and "导出 CSV" in page
    crowd["lapsed"].tags.add(crowd["tag"])  # live: the size follows the customers
    assert "2 人" in merchant.get(reverse("admin:crm_segment_change", args=[segment.pk])).content.decode()
    link = re.search(r'href="(/admin/crm/customerprofile/\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert set(shown(merchant.get(link))) == {"大客户", "老客户"}
    CustomerProfile.objects.filter(pk=crowd["big"].pk).update(province="=HYPERLINK(1)")
    crowd["big"].user.phone = "13812348000"
    crowd["big"].user.save()
    rows = rows_of(merchant.get(reverse("admin:crm_segment_export", args=[segment.pk])))
    assert rows[0] == ["顾客", "手机号", "首次来源", "推荐人", "已关注", "订单数", "累计消费（元）", "客单价（元）",
                       "最近下单", "会员等级", "可用积分", "标签", "省份"]  # fmt: skip
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"大客户", "老客户"}
    assert by_name["大客户"][1] == "138****8000" and by_name["大客户"][6] == "2000"
    assert by_name["大客户"][12] == "'=HYPERLINK(1)"
    assert (
        "13812348000"
        not in merchant.get(reverse("admin:crm_segment_export", args=[segment.pk])).content.decode()
    )


def test_segment_list_queries_stay_fixed_with_more_segments(merchant, shop_a, crowd):
    from crm.services.profiles import segment_save

    counts = []
    for n in (2, 8):
        for i in range(n):
            segment_save(
                shop_id=shop_a.pk, name=f"分群{n}-{i}", filters={"min_orders": i + 1, "tag": crowd["tag"].pk}
            )
        with CaptureQueriesContext(connection) as queries:
            assert merchant.get("/admin/crm/segment/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def bulk(merchant, action, profiles, **data):
    return merchant.post(LIST, {"action": action, "_selected_action": [p.pk for p in profiles], **data})


def test_bulk_tagging_asks_for_the_tag_then_adds_or_removes_it(merchant, shop_a, crowd):
    chosen = [crowd["lapsed"], crowd["never"]]
    page = bulk(merchant, "tag_add", chosen)
    assert page.status_code == 200
    text = page.content.decode()
    assert "批量添加标签" in text and "共选中 2 位顾客" in text and "老客户" in text and "或新建标签" in text
    done = bulk(merchant, "tag_add", chosen, apply="1", tag=crowd["tag"].pk)
    assert done.status_code == 302
    assert set(Tag.objects.get(pk=crowd["tag"].pk).profiles.values_list("pk", flat=True)) == {
        crowd["big"].pk, crowd["lapsed"].pk, crowd["never"].pk
    }  # fmt: skip
    bulk(merchant, "tag_add", chosen, apply="1", new_tag="待回访")
    new = Tag.objects.get(shop=shop_a, name="待回访")
    assert set(new.profiles.values_list("pk", flat=True)) == {p.pk for p in chosen}
    refused = bulk(merchant, "tag_add", chosen, apply="1")
    assert "请选择一个标签，或填写新标签名" in refused.content.decode()
    assert bulk(merchant, "tag_remove", chosen).status_code == 200
    bulk(merchant, "tag_remove", [crowd["lapsed"]], apply="1", tag=new.pk)
    assert list(new.profiles.values_list("pk", flat=True)) == [crowd["never"].pk]


def test_bulk_tagging_every_customer_across_pages_of_a_filtered_list(merchant, shop_a, crowd):
    tag = Tag.objects.create(shop=shop_a, name="低消费")
    merchant.post(LIST + "?spent=0&min_orders=1", {"action": "tag_add", "select_across": "1", "index": "0",
                                                    "_selected_action": [crowd["big"].pk], "apply": "1", "tag": tag.pk})  # fmt: skip
    assert set(tag.profiles.values_list("pk", flat=True)) == {crowd["big"].pk, crowd["lapsed"].pk}


def test_the_export_action_masks_phones(merchant, shop_a, crowd):
    crowd["never"].user.phone = "13900001234"
    crowd["never"].user.save()
    rows = rows_of(bulk(merchant, "export_csv", [crowd["never"]]))
    assert rows[1][:2] == ["只逛不买", "139****1234"]


def test_tags_list_their_customer_counts(merchant, shop_a, crowd):
    page = merchant.get("/admin/crm/tag/").content.decode()
    assert "VIP" in page and "1 人" in page and "顾客数" in page


def test_a_profile_page_edits_tags_only(merchant, shop_a, crowd):
    big = crowd["big"]
    url = reverse("admin:crm_customerprofile_change", args=[big.pk])
    page = merchant.get(url)
    assert page.status_code == 200 and "¥2000" in page.content.decode()
    other = Tag.objects.create(shop=shop_a, name="回访过")
    response = merchant.post(url, {"tags": [other.pk], "orders_count": "999", "spent_fen": "1"})
    assert response.status_code == 302
    big.refresh_from_db()
    assert (big.orders_count, big.spent_fen) == (5, 200000)
    assert list(big.tags.values_list("name", flat=True)) == ["回访过"]
    assert merchant.get("/admin/crm/customerprofile/add/").status_code == 403


def test_a_channel_tag_rule_is_made_in_admin_and_tags_earlier_arrivals(merchant, shop_a):
    found = channel(shop_a, "pyq", name="朋友圈")
    buyer = ShopperFactory()
    place(shop_a, buyer, channel="pyq")
    tag = Tag.objects.create(shop=shop_a, name="朋友圈来的")
    response = merchant.post("/admin/crm/channeltagrule/add/", {"channel": found.pk, "tags": [tag.pk]})
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = ChannelTagRule.objects.get(channel=found)
    assert rule.shop_id == shop_a.pk
    page = merchant.get("/admin/crm/channeltagrule/").content.decode()
    assert "朋友圈（pyq）" in page and "朋友圈来的" in page
    merchant.post("/admin/crm/channeltagrule/", {"action": "backfill", "_selected_action": [rule.pk]})
    assert list(CustomerProfile.objects.get(user=buyer).tags.values_list("name", flat=True)) == ["朋友圈来的"]


def test_merchant_b_never_sees_shop_a_s_figures_of_a_shopper_of_both(client, shop_a, shop_b, merchant_b):
    from crm.services.profiles import segment_save

    both = ShopperFactory(nickname="两家都买", phone="13811112222")
    pay(place(shop_a, both, price_fen=90000, channel="a-only"))
    pay(place(shop_b, both, price_fen=1000))
    a_tag = Tag.objects.create(shop=shop_a, name="甲的VIP")
    CustomerProfile.objects.get(shop=shop_a, user=both).tags.add(a_tag)
    a_segment = segment_save(shop_id=shop_a.pk, name="甲的分群", filters={})
    client.force_login(merchant_b)
    response = client.get(LIST)
    profiles = list(response.context["cl"].result_list)
    assert [(p.shop_id, p.spent_fen) for p in profiles] == [(shop_b.pk, 1000)]
    page = response.content.decode()
    assert "¥900" not in page and "a-only" not in page and "甲的VIP" not in page
    assert (
        "甲的VIP"
        not in client.get(reverse("admin:crm_customerprofile_change", args=[profiles[0].pk])).content.decode()
    )
    a_profile = CustomerProfile.objects.get(shop=shop_a, user=both)
    assert client.get(reverse("admin:crm_customerprofile_change", args=[a_profile.pk])).status_code in (
        302,
        404,
    )
    assert client.get(reverse("admin:crm_segment_export", args=[a_segment.pk])).status_code == 404
    assert client.get(LIST, {"tag": a_tag.pk}).status_code == 302  # A's tag is not B's to filter by
    rows = rows_of(
        client.post(LIST, {"action": "export_csv", "_selected_action": [a_profile.pk, profiles[0].pk]})
    )
    assert [row[5:7] for row in rows[1:]] == [["1", "10"]]
    # bulk tagging A's customer with B's tag changes nothing of A's
    b_tag = Tag.objects.create(shop=shop_b, name="乙的标签")
    client.post(
        LIST, {"action": "tag_add", "_selected_action": [a_profile.pk], "apply": "1", "tag": b_tag.pk}
    )
    assert list(a_profile.tags.values_list("name", flat=True)) == ["甲的VIP"]


def test_a_merchant_of_two_shops_picks_the_shop_before_saving_a_segment(client, shop_a, shop_b, merchant_a):
    from shop.models import ShopMember

    ShopMember.objects.create(shop=shop_b, user=merchant_a, role=ShopMember.Role.OWNER)
    make_profile(shop_a, spent_fen=50000)
    make_profile(shop_b, spent_fen=50000)
    client.force_login(merchant_a)
    assert len(shown(client.get(LIST, {"spent": "100"}))) == 2
    assert len(shown(client.get(LIST, {"spent": "100", "shop": shop_b.pk}))) == 1
    url = reverse("admin:crm_customerprofile_save_segment")
    asked = client.get(url, {"spent": "100"})
    assert asked.status_code == 302
    assert "请先在右侧“店铺”中选择一个店铺" in client.get(asked.url).content.decode()
    client.post(url + "?" + urlencode({"spent": "100", "shop": shop_b.pk}), {"name": "乙的高消费"})
    saved = Segment.objects.get(name="乙的高消费")
    assert (saved.shop_id, saved.filters) == (shop_b.pk, {"min_spent_fen": 10000})
