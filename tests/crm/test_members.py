"""Member levels by total spend (recomputed on paid and refunded events, and when the merchant
changes the levels) and the member discount at checkout, with its stacking rules: no discount on
flash-price or group-price lines, after the coupon, before points."""

from __future__ import annotations

import pytest

from crm.models.members import MemberLevel
from crm.models.profiles import CustomerProfile
from crm.services import members as services
from crm.services.members_pricing import member_discount_fen
from orders.models import OrderDiscount, OrderLine
from promotions import services as promotion_services
from tests.crm.members_helpers import (
    buyer,
    give,
    make_levels,
    pay,
    place,
    points_on,
    profile_of,
    refund,
    sku_of,
    spend_tracking,  # noqa: F401  (the fixture)
)
from tests.factories import make_coupon

pytestmark = pytest.mark.usefixtures("spend_tracking")


def level_name(shop, user) -> str | None:
    level = profile_of(shop, user).level
    return level.name if level else None


def discounts(order) -> dict[str, int]:
    return dict(OrderDiscount.objects.filter(order=order).values_list("code", "amount_fen"))


def test_the_level_follows_the_spend_up_and_down_with_refunds(shop_a):
    make_levels(shop_a)  # 普通 ¥0, 银卡 ¥500, 金卡 ¥2000
    user = buyer()
    pay(place(shop_a, user, price_fen=30000))
    assert level_name(shop_a, user) == "普通"
    big = pay(place(shop_a, user, price_fen=30000))
    assert level_name(shop_a, user) == "银卡"  # ¥600
    refund(big, 20000)
    assert level_name(shop_a, user) == "普通"  # ¥400: a refund lowers it
    pay(place(shop_a, user, price_fen=200000))
    assert level_name(shop_a, user) == "金卡"


def test_changing_the_levels_puts_every_customer_at_their_level(shop_a, shop_b):
    levels = make_levels(shop_a)
    rich, poor = buyer("rich"), buyer("poor")
    pay(place(shop_a, rich, price_fen=60000))
    pay(place(shop_a, poor, price_fen=1000))
    pay(place(shop_b, rich, price_fen=60000))  # another shop: no levels there
    MemberLevel.objects.filter(pk=levels[1].pk).update(threshold_fen=80000)
    assert services.member_levels_recompute(shop=shop_a) == 1
    assert (level_name(shop_a, rich), level_name(shop_a, poor)) == ("普通", "普通")
    MemberLevel.objects.filter(shop=shop_a, threshold_fen=0).delete()
    services.member_levels_recompute(shop=shop_a)
    assert (level_name(shop_a, rich), level_name(shop_a, poor)) == (None, None)
    assert CustomerProfile.objects.get(shop=shop_b, user=rich).level is None


def test_the_discount_is_rounded_up_to_the_fen():
    assert member_discount_fen(eligible_fen=9999, percent=95) == 500  # 499.95
    assert member_discount_fen(eligible_fen=10000, percent=95) == 500
    assert member_discount_fen(eligible_fen=10000, percent=100) == 0
    assert member_discount_fen(eligible_fen=1, percent=50) == 1


def test_a_member_pays_their_levels_price_on_every_line(shop_a):
    make_levels(shop_a)
    user = buyer()
    pay(place(shop_a, user, price_fen=60000))  # 银卡 (9.5 折)
    order = place(shop_a, user, price_fen=9999)
    line = OrderDiscount.objects.get(order=order, code="member_discount")
    assert (line.amount_fen, line.label) == (500, "会员折扣 · 银卡 9.5 折")
    assert order.total_fen == 9499
    assert line.data == {
        "level_id": profile_of(shop_a, user).level_id,
        "level_name": "银卡",
        "discount_percent": 95,
    }


def test_no_level_or_a_level_without_discount_gives_no_line(shop_a):
    user = buyer()
    assert discounts(place(shop_a, user)) == {}  # the shop has no levels
    make_levels(shop_a)
    assert discounts(place(shop_a, user)) == {}  # 普通: 100, no discount


def test_a_new_shopper_gets_the_zero_thresholds_discount(shop_a):
    make_levels(shop_a, [("新客", 0, 98), ("老客", 10000, 95)])
    order = place(shop_a, buyer(), price_fen=10000)  # no profile yet
    assert discounts(order) == {"member_discount": 200}


def test_flash_price_lines_take_no_member_discount(shop_a):
    from promotions.flash.services import flash_sessions_sync
    from tests.promotions.flash.helpers import make_session

    make_levels(shop_a, [("金卡", 0, 90)])
    flash = sku_of(shop_a, price_fen=10000, title="秒杀品")
    plain = sku_of(shop_a, price_fen=10000, title="普通品")
    make_session(shop=shop_a, sku=flash, flash_price_fen=6000, quantity=5)
    flash_sessions_sync()
    user = buyer()
    from orders import services as order_services

    order = order_services.order_place(
        shop=shop_a, user=user, items=[(flash.pk, 1), (plain.pk, 1)], address_id=user.address_id,
        options={"coupon_claim_id": "none"},
    )  # fmt: skip
    assert discounts(order) == {"flash": 4000, "member_discount": 1000}  # 10% of the plain line only
    shares = dict(OrderLine.objects.filter(order=order).values_list("sku_id", "discount_fen"))
    assert shares == {flash.pk: 4000, plain.pk: 1000}


def test_group_price_orders_take_no_member_discount(shop_a):
    from tests.groupbuy.helpers import make_activity
    from tests.groupbuy.helpers import place as group_place

    make_levels(shop_a, [("金卡", 0, 90)])
    activity = make_activity(shop=shop_a, price_fen=9900, group_price_fen=5900)
    order = group_place(activity, buyer())
    assert discounts(order) == {"group_buy": 4000}


def test_a_coupon_comes_first_and_the_member_discount_is_taken_off_what_it_leaves(shop_a):
    make_levels(shop_a, [("银卡", 0, 95)])
    user = buyer()
    coupon = make_coupon(shop=shop_a, name="满99减10", threshold_fen=9900, amount_fen=1000)
    promotion_services.coupon_claim(shop=shop_a, user=user, coupon=coupon)
    from orders import services as order_services

    sku = sku_of(shop_a, price_fen=10000)
    order = order_services.order_place(
        shop=shop_a, user=user, items=[(sku.pk, 1)], address_id=user.address_id
    )
    assert discounts(order) == {"coupon": 1000, "member_discount": 450}  # 5% of ¥90
    assert order.total_fen == 8550


def test_points_come_last_and_are_capped_on_what_every_discount_leaves(shop_a):
    make_levels(shop_a, [("金卡", 0, 90)])
    points_on(shop_a, max_percent=50)
    user = buyer()
    give(shop_a, user, 100000)
    order = place(shop_a, user, price_fen=10000, options={"points": True})
    assert discounts(order) == {"member_discount": 1000, "points": 4500}  # 50% of ¥90
    assert order.total_fen == 4500
