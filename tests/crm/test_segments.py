"""Segments as data (crm/segments.py): each condition of a filter dict, their checks (an unknown key,
a value of the wrong kind or another shop's tag is ``segment_filter_invalid``, in Chinese), the
query string of the admin list, the words of a saved segment, and counts in a fixed number of
queries whatever the number of customers or segments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Category
from core.errors import ApplicationError
from crm import segments
from crm.models.members import MemberLevel
from crm.models.profiles import CustomerProfile, Segment, Tag
from crm.selectors.profiles import segment_sizes
from crm.services.profiles import segment_save
from tests.crm.test_profiles import pay, place, refund
from tests.factories import ShopperFactory, make_product

pytestmark = pytest.mark.django_db


def make_profile(shop, **fields) -> CustomerProfile:
    tags = fields.pop("tags", [])
    user = fields.pop("user", None) or ShopperFactory()
    found = CustomerProfile.objects.create(shop=shop, user=user, **fields)
    found.tags.set(tags)
    return found


def names(shop, filters) -> set[str]:
    return {str(p) for p in segments.profiles_matching(shop=shop, filters=filters).select_related("user")}


@pytest.fixture
def crowd(shop_a):
    """Four customers of shop A, told apart by every condition."""
    now = timezone.now()
    gold = MemberLevel.objects.create(shop=shop_a, name="金卡", threshold_fen=100000)
    vip = Tag.objects.create(shop=shop_a, name="VIP")
    return {
        "big": make_profile(
            shop_a,
            user=ShopperFactory(nickname="大客户"),
            spent_fen=200000,
            orders_count=5,
            last_order_at=now - timedelta(days=2),
            province="上海市",
            level=gold,
            first_channel_code="pyq",
            is_follower=True,
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
        "once": make_profile(
            shop_a,
            user=ShopperFactory(nickname="新客户"),
            spent_fen=5000,
            orders_count=1,
            last_order_at=now - timedelta(days=10),
            province="浙江省",
            first_channel_code="pyq",
        ),
        "never": make_profile(shop_a, user=ShopperFactory(nickname="只逛不买"), is_follower=True),
        "level": gold,
        "tag": vip,
    }


def test_each_condition_picks_its_customers(shop_a, crowd):
    assert names(shop_a, {}) == {"大客户", "老客户", "新客户", "只逛不买"}
    assert names(shop_a, {"min_spent_fen": 30000}) == {"大客户", "老客户"}
    assert names(shop_a, {"min_spent_fen": 0}) == {"大客户", "老客户", "新客户", "只逛不买"}
    assert names(shop_a, {"inactive_days": 30}) == {"老客户", "只逛不买"}  # never ordered counts too
    assert names(shop_a, {"inactive_days": 30, "min_orders": 1}) == {"老客户"}
    assert names(shop_a, {"min_orders": 2}) == {"大客户", "老客户"}
    assert names(shop_a, {"channel": "pyq"}) == {"大客户", "新客户"}
    assert names(shop_a, {"province": "浙江省"}) == {"老客户", "新客户"}
    assert names(shop_a, {"level": crowd["level"].pk}) == {"大客户"}
    assert names(shop_a, {"tag": crowd["tag"].pk}) == {"大客户"}
    assert names(shop_a, {"follower": True}) == {"大客户", "只逛不买"}
    assert names(shop_a, {"follower": False}) == {"老客户", "新客户"}
    assert names(shop_a, {"channel": "pyq", "province": "浙江省"}) == {"新客户"}


def test_bought_from_a_category_means_a_paid_order_with_it_or_a_sub_category(shop_a, shop_b):
    clothes = Category.objects.create(shop=shop_a, name="服装")
    tees = Category.objects.create(shop=shop_a, name="T恤", parent=clothes)
    food = Category.objects.create(shop=shop_a, name="食品")

    def sku_in(category):
        product = make_product(shop=category.shop, price_fen=5000, stock=50)
        product.category = category
        product.save()
        return product.skus.get()

    tee, snack = sku_in(tees), sku_in(food)
    paid_tee = ShopperFactory(nickname="买了T恤")
    pay(place(shop_a, paid_tee, sku=tee))
    unpaid = ShopperFactory(nickname="没付款")
    place(shop_a, unpaid, sku=tee)
    refunded = ShopperFactory(nickname="全退了")
    order = pay(place(shop_a, refunded, sku=tee))
    refund(order, order.paid_fen)
    snacker = ShopperFactory(nickname="买了零食")
    pay(place(shop_a, snacker, sku=snack))
    assert names(shop_a, {"category": clothes.pk}) == {"买了T恤"}
    assert names(shop_a, {"category": tees.pk}) == {"买了T恤"}
    assert names(shop_a, {"category": food.pk}) == {"买了零食"}
    # the snacker buying in shop B too: B's profile of them never bought from A's category
    pay(place(shop_b, snacker))
    assert names(shop_b, {}) == {"买了零食"}
    assert (
        CustomerProfile.objects.filter(shop=shop_b)
        .filter(segments.profile_conditions({"category": food.pk}))
        .count()
        == 0
    )


@pytest.mark.parametrize(
    ("filters", "says"),
    [
        ({"spend": 100}, "不认识的筛选条件：spend"),
        ({"min_spent_fen": "100"}, "累计消费"),
        ({"min_spent_fen": -1}, "累计消费"),
        ({"min_spent_fen": True}, "累计消费"),
        ({"min_spent_fen": 1.5}, "累计消费"),
        ({"inactive_days": 0}, "未下单天数"),
        ({"inactive_days": 4000}, "未下单天数"),
        ({"min_orders": 0}, "订单数"),
        ({"channel": "宝妈群"}, "渠道代码"),
        ({"channel": ""}, "渠道代码"),
        ({"province": ""}, "省份"),
        ({"province": 31}, "省份"),
        ({"follower": "1"}, "已关注"),
        ({"tag": 999999}, "标签不存在"),
        ({"level": 999999}, "会员等级不存在"),
        ({"category": 999999}, "分类不存在"),
    ],
)
def test_a_bad_filter_is_refused_in_chinese(shop_a, filters, says):
    with pytest.raises(ApplicationError) as refused:
        segments.profiles_matching(shop=shop_a, filters=filters)
    assert refused.value.code == "segment_filter_invalid"
    assert says in refused.value.message


def test_a_filter_that_is_no_dict_is_refused(shop_a):
    with pytest.raises(ApplicationError) as refused:
        segments.profiles_matching(shop=shop_a, filters=["tag", 1])  # type: ignore[arg-type]
    assert refused.value.code == "segment_filter_invalid"


def test_another_shop_s_tag_level_or_category_is_refused(shop_a, shop_b):
    for ref in (
        {"tag": Tag.objects.create(shop=shop_b, name="乙的标签").pk},
        {"level": MemberLevel.objects.create(shop=shop_b, name="乙的金卡", threshold_fen=1).pk},
        {"category": Category.objects.create(shop=shop_b, name="乙的分类").pk},
    ):
        with pytest.raises(ApplicationError) as refused:
            segments.profiles_matching(shop=shop_a, filters=ref)
        assert refused.value.code == "segment_filter_invalid"
        assert "不存在或已删除" in refused.value.message


def test_the_admin_query_string_and_the_filter_are_one_thing(shop_a, crowd):
    params = {"spent": "99.5", "inactive_days": "30", "min_orders": "1", "channel": "pyq", "province": "浙江省",
              "tag": str(crowd["tag"].pk), "follower": "0", "q": "ignored"}  # fmt: skip
    filters = segments.filters_from_params(params)
    assert filters == {"min_spent_fen": 9950, "inactive_days": 30, "min_orders": 1, "channel": "pyq",
                       "province": "浙江省", "tag": crowd["tag"].pk, "follower": False}  # fmt: skip
    back = segments.params_from_filters(filters)
    assert segments.filters_from_params(back) == filters
    assert segments.filters_from_params({"spent": "", "tag": " "}) == {}
    for bad in ({"spent": "1e3"}, {"spent": "-5"}, {"spent": "１００"}, {"spent": "1.234"}, {"tag": "3a"},
                {"inactive_days": "٣"}, {"follower": "yes"}):  # fmt: skip
        with pytest.raises(ApplicationError) as refused:
            segments.filters_from_params(bad)
        assert refused.value.code == "segment_filter_invalid"


def test_a_segment_reads_in_words(shop_a, crowd):
    category = Category.objects.create(shop=shop_a, name="服装")
    from marketing.models import Channel
    from marketing.services import channel_save

    channel_save(channel=Channel(shop=shop_a, name="宝妈群", code="mama"))
    filters = {"min_spent_fen": 10000, "inactive_days": 30, "min_orders": 2, "category": category.pk,
               "channel": "mama", "province": "上海市", "level": crowd["level"].pk, "tag": crowd["tag"].pk,
               "follower": True}  # fmt: skip
    found = segments.filter_names([(shop_a.pk, filters)])
    assert segments.filters_describe(filters, shop_id=shop_a.pk, names=found) == [
        "累计消费满 ¥100", "30 天未下单", "订单数至少 2", "购买过分类“服装”", "来源渠道“宝妈群（mama）”",
        "省份：上海市", "会员等级“金卡”", "标签“VIP”", "已关注公众号",
    ]  # fmt: skip
    assert segments.filters_describe({}, shop_id=shop_a.pk, names=found) == ["全部顾客"]
    gone = {"tag": 987654, "channel": "old"}
    assert segments.filters_describe(
        gone, shop_id=shop_a.pk, names=segments.filter_names([(shop_a.pk, gone)])
    ) == [
        "来源渠道“old”",
        "标签“（已删除）”",
    ]


def test_a_segment_count_is_a_fixed_number_of_queries(shop_a, crowd):
    tag = crowd["tag"]

    def count_queries(n):
        for _ in range(n):
            make_profile(shop_a, spent_fen=50000, orders_count=3, tags=[tag], province="上海市")
        with CaptureQueriesContext(connection) as queries:
            size = segments.profiles_matching(
                shop=shop_a, filters={"tag": tag.pk, "min_spent_fen": 10000, "province": "上海市"}
            ).count()
        return size, len(queries)

    small, large = count_queries(3), count_queries(27)
    assert small[0] == 4 and large[0] == 31  # the crowd's 大客户 too
    assert small[1] == large[1]


def test_sizes_of_a_page_of_segments_take_one_query(shop_a, shop_b, crowd):
    saved = [
        segment_save(shop_id=shop_a.pk, name="高消费", filters={"min_spent_fen": 30000}),
        segment_save(shop_id=shop_a.pk, name="VIP", filters={"tag": crowd["tag"].pk}),
        segment_save(shop_id=shop_a.pk, name="全部", filters={}),
        segment_save(shop_id=shop_b.pk, name="乙的全部", filters={}),
    ]
    make_profile(shop_b)
    broken = Segment.objects.create(shop=shop_a, name="坏的", filters={"nope": 1})
    with CaptureQueriesContext(connection) as queries:
        sizes = segment_sizes([*saved, broken])
    assert len(queries) == 1
    assert [sizes[s.pk].count for s in saved] == [2, 1, 4, 1]
    assert sizes[broken.pk].count is None and "nope" in sizes[broken.pk].error


def test_segment_save_checks_names_and_conditions(shop_a, crowd):
    made = segment_save(shop_id=shop_a.pk, name=" 回头客 ", filters={"min_orders": 2})
    assert (made.name, made.filters) == ("回头客", {"min_orders": 2})
    with pytest.raises(ApplicationError) as taken:
        segment_save(shop_id=shop_a.pk, name="回头客", filters={"min_orders": 3})
    assert taken.value.code == "segment_name_taken"
    replaced = segment_save(shop_id=shop_a.pk, name="回头客", filters={"min_orders": 3}, replace=True)
    assert replaced.pk == made.pk and replaced.filters == {"min_orders": 3}
    for name, code in (("", "segment_name_required"), ("长" * 33, "segment_name_too_long")):
        with pytest.raises(ApplicationError) as refused:
            segment_save(shop_id=shop_a.pk, name=name, filters={})
        assert refused.value.code == code
    with pytest.raises(ApplicationError) as refused:
        segment_save(shop_id=shop_a.pk, name="坏的", filters={"min_orders": "2"})
    assert refused.value.code == "segment_filter_invalid"
    assert Segment.objects.filter(shop=shop_a).count() == 1
