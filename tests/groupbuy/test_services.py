"""Group-buy's money and state, through the real services (SQLite is enough; the races are in
test_races.py on PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import SKU
from core.errors import ApplicationError
from groupbuy import services
from groupbuy.models import Group, GroupMember
from orders import services as order_services
from orders.models import AfterSale, OrderEvent, OrderStatus
from orders.services import checkout_preview
from tests.factories import make_product
from tests.groupbuy.helpers import buyer, group_of, make_activity, pay, place

pytestmark = pytest.mark.django_db

G = Group.Status
M = GroupMember.Status


@pytest.fixture
def activity(shop_a):
    return make_activity(shop=shop_a, price_fen=9900, group_price_fen=5900, size=3, stock=20)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what the services queue for after commit (the refunds, the cancellations)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def refused(code: str):
    class Refused:
        def __enter__(self):
            self.ctx = pytest.raises(ApplicationError)
            self.info = self.ctx.__enter__()
            return self.info

        def __exit__(self, *exc):
            self.ctx.__exit__(*exc)
            assert self.info.value.code == code, self.info.value.code
            return True

    return Refused()


def open_group(activity, commit, name="leader"):
    leader = buyer(name)
    order = place(activity, leader)
    with commit():
        pay(order)
    return leader, order, group_of(order)


# ---------------------------------------------------------------- the price


def test_the_group_price_is_applied_on_the_server_and_only_when_asked(activity, shop_a):
    user = buyer()
    sku = activity.product.skus.get()
    plain = order_services.order_place(
        shop=shop_a, user=user, items=[(sku.pk, 1)], address_id=user.address_id
    )
    assert plain.discount_fen == 0 and not hasattr(plain, "group_member")
    order = place(activity, buyer(), quantity=1)
    assert order.goods_fen == 9900 and order.discount_fen == 4000
    assert order.total_fen == 5900 + order.shipping_fen
    line = order.discounts.get()
    assert (line.code, line.amount_fen, line.ref) == ("group_buy", 4000, f"group_buy:{activity.pk}")
    assert order.lines.get().discount_fen == 4000
    member = order.group_member
    assert member.is_leader and member.status == M.PENDING and member.group.status == G.PENDING


def test_the_preview_says_the_same_and_reserves_nothing(activity, shop_a):
    user = buyer()
    sku = activity.product.skus.get()
    preview = checkout_preview(
        shop=shop_a, user=user, items=[(sku.pk, 1)], options={"group_buy": {"activity_id": activity.pk}}
    )
    assert preview.discount_fen == 4000 and preview.discounts[0].label == "拼团价 · 3人团"
    assert not Group.objects.exists() and SKU.objects.get(pk=sku.pk).stock == 20


def test_a_group_order_is_one_line_of_the_activity_product(activity, shop_a):
    user = buyer()
    other = make_product(shop=shop_a, title="别的", price_fen=1000, stock=5).skus.get()
    sku = activity.product.skus.get()
    for items in ([(sku.pk, 1), (other.pk, 1)], [(other.pk, 1)]):
        with refused("group_order_invalid"):
            order_services.order_place(shop=shop_a, user=user, items=items, address_id=user.address_id,
                                       options={"group_buy": {"activity_id": activity.pk}})  # fmt: skip


def test_a_sku_without_a_group_price_or_priced_below_it_is_refused(activity, shop_a):
    SKU.objects.filter(product=activity.product).update(price_fen=5000)  # the merchant cut the price
    with refused("group_sku_invalid"):
        place(activity, buyer())


def test_another_shops_or_an_unknown_activity_is_not_found(activity, shop_b):
    theirs = make_activity(shop=shop_b)
    user = buyer()
    for activity_id in (theirs.pk, 999999, "3", None):
        with refused("group_buy_not_found"):
            order_services.order_place(
                shop=activity.shop, user=user, items=[(activity.product.skus.get().pk, 1)],
                address_id=user.address_id, options={"group_buy": {"activity_id": activity_id}},
            )  # fmt: skip


def test_a_group_buy_takes_no_coupon(activity, shop_a):
    from promotions import services as promotion_services
    from tests.factories import make_coupon

    user = buyer()
    coupon = make_coupon(shop=shop_a, threshold_fen=0, amount_fen=500)
    claim = promotion_services.coupon_claim(shop=shop_a, user=user, coupon=coupon)
    sku = activity.product.skus.get()
    with refused("group_not_combinable"):
        order_services.order_place(
            shop=shop_a, user=user, items=[(sku.pk, 1)], address_id=user.address_id,
            options={"group_buy": {"activity_id": activity.pk}, "coupon_claim_id": claim.pk},
        )  # fmt: skip
    claim.refresh_from_db()
    assert claim.status == "usable" and not Group.objects.exists()


# ---------------------------------------------------------------- opening and joining


def test_the_group_opens_when_the_opener_pays_and_its_timer_starts_then(activity, commit):
    leader = buyer("团长")
    order = place(activity, leader)
    group = group_of(order)
    assert group.status == G.PENDING and group.expires_at is None and group.joined_count == 0
    before = timezone.now()
    with commit():
        pay(order)
    group.refresh_from_db()
    assert group.status == G.OPEN and group.joined_count == 1
    assert before + timedelta(hours=24) <= group.expires_at <= timezone.now() + timedelta(hours=24)
    note = order.events.filter(type=OrderEvent.Type.NOTE).last()
    assert note.message.startswith("开团成功：还差 2 人")


def test_friends_cannot_join_before_the_opener_paid(activity):
    order = place(activity, buyer())
    with refused("group_not_open"):
        place(activity, buyer(), group_no=group_of(order).group_no)


def test_joining_your_own_group_or_twice_is_refused(activity, commit):
    leader, _order, group = open_group(activity, commit)
    with refused("group_already_joined"):
        place(activity, leader, group_no=group.group_no)
    friend = buyer()
    place(activity, friend, group_no=group.group_no)  # unpaid, but it holds their place
    with refused("group_already_joined"):
        place(activity, friend, group_no=group.group_no)


def test_the_per_shopper_limit_counts_every_group_order(shop_a, commit):
    activity = make_activity(shop=shop_a, per_user_limit=2, size=2)
    user = buyer()
    with refused("group_limit_reached"):
        place(activity, user, quantity=3)
    first = place(activity, user, quantity=1)
    place(activity, user, quantity=1)  # two groups of one each: 2 of 2
    with refused("group_limit_reached") as info:
        place(activity, user)
    assert "每人限购 2 件" in info.value.message
    with commit():
        order_services.order_cancel(order=first, actor=user, actor_kind="shopper")
    place(activity, user)  # a cancelled order gives its units back


def test_a_full_group_refuses_joiners(activity, commit):
    _leader, _order, group = open_group(activity, commit)
    for _n in range(2):
        with commit():
            pay(place(activity, buyer(), group_no=group.group_no))
    group.refresh_from_db()
    assert group.status == G.SUCCEEDED and group.joined_count == 3
    with refused("group_full"):
        place(activity, buyer(), group_no=group.group_no)


def test_a_group_past_its_time_or_failed_is_closed(activity, commit):
    _leader, _order, group = open_group(activity, commit)
    Group.objects.filter(pk=group.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with refused("group_closed"):
        place(activity, buyer(), group_no=group.group_no)
    with commit():
        assert services.groups_expire_due() == 1
    with refused("group_closed"):
        place(activity, buyer(), group_no=group.group_no)
    with refused("group_not_found"):
        place(activity, buyer(), group_no="000")


def test_no_group_opens_outside_the_activity_dates_or_when_it_is_off(shop_a, commit):
    now = timezone.now()
    later = make_activity(shop=shop_a, starts_at=now + timedelta(hours=1), ends_at=now + timedelta(days=1))
    with refused("group_buy_not_started"):
        place(later, buyer())
    running = make_activity(shop=shop_a, name="进行中")
    _leader, _order, group = open_group(running, commit)
    running.ends_at = now - timedelta(minutes=1)
    running.starts_at = now - timedelta(days=1)
    running.save()
    with refused("group_buy_ended"):
        place(running, buyer())
    place(running, buyer(), group_no=group.group_no)  # an open group runs to its own time
    off = make_activity(shop=shop_a, name="停用", is_active=False)
    with refused("group_buy_ended"):
        place(off, buyer())


def test_a_joiner_must_pay_before_the_group_closes(activity, commit):
    _leader, _order, group = open_group(activity, commit)
    Group.objects.filter(pk=group.pk).update(expires_at=timezone.now() + timedelta(minutes=7))
    order = place(activity, buyer(), group_no=group.group_no)
    assert order.pay_deadline <= timezone.now() + timedelta(minutes=7, seconds=5)


def test_an_unpaid_openers_order_expiring_cancels_the_group(activity, commit):
    order = place(activity, buyer())
    with commit():
        order_services.order_cancel(order=order, actor=None, actor_kind="system")
    assert group_of(order).status == G.CANCELLED
    assert GroupMember.objects.get().status == M.CANCELLED


# ---------------------------------------------------------------- filling: ship together


def test_orders_ship_only_once_the_group_has_filled(activity, commit, shop_a):
    _leader, first, group = open_group(activity, commit)
    second = place(activity, buyer(), group_no=group.group_no)
    with commit():
        pay(second)
    for order in (first, second):
        with refused("order_ship_blocked") as info:
            order_services.order_ship(shop=shop_a, order_no=order.order_no, carrier="sf",
                                      tracking_no=f"SF{order.pk:010d}", actor=None)  # fmt: skip
        assert info.value.message == "拼团未成团，暂不能发货"
    third = place(activity, buyer(), group_no=group.group_no)
    with commit():
        pay(third)
    group.refresh_from_db()
    assert group.status == G.SUCCEEDED and group.finished_at is not None
    for order in (first, second, third):
        assert order.events.filter(type=OrderEvent.Type.NOTE, message__startswith="拼团成功").count() == 1
        order_services.order_ship(shop=shop_a, order_no=order.order_no, carrier="sf",
                                  tracking_no=f"SF{order.pk:010d}", actor=None)  # fmt: skip
        order.refresh_from_db()
        assert order.status == OrderStatus.SHIPPED


def test_unpaid_orders_left_when_the_group_fills_are_cancelled_and_give_their_stock_back(activity, commit):
    _leader, _first, group = open_group(activity, commit)
    late = place(activity, buyer(), group_no=group.group_no)
    for _n in range(2):
        with commit():
            pay(place(activity, buyer(), group_no=group.group_no))
    late.refresh_from_db()
    assert late.status == OrderStatus.CANCELLED and late.group_member.status == M.CANCELLED
    assert SKU.objects.get(product=activity.product).stock == 20 - 3


def test_a_payment_for_a_group_that_just_filled_is_refunded_automatically(
    activity, commit, django_capture_on_commit_callbacks
):
    _leader, _first, group = open_group(activity, commit)
    late = place(activity, buyer(), group_no=group.group_no)
    with django_capture_on_commit_callbacks(execute=False):  # the fill's cancellations not run yet
        pay(place(activity, buyer(), group_no=group.group_no))
        pay(place(activity, buyer(), group_no=group.group_no))
    with commit():
        pay(late)  # paid after all: the group is full
    late.refresh_from_db()
    member = late.group_member
    assert member.status == M.REFUNDED and member.refund_why == "full"
    after_sale = late.after_sales.get()
    assert (after_sale.kind, after_sale.status, after_sale.amount_fen) == (
        "refund_only",
        "refunded",
        late.paid_fen,
    )
    assert late.status == OrderStatus.CLOSED and late.refunded_fen == late.paid_fen
    group.refresh_from_db()
    assert group.joined_count == 3 and group.members.filter(status=M.JOINED).count() == 3
    note = late.events.filter(type=OrderEvent.Type.NOTE, message__contains="已满员").get()
    assert "自动原路退回" in note.message


def test_a_payment_after_the_groups_time_is_refunded_even_before_the_job_runs(activity, commit):
    _leader, _first, group = open_group(activity, commit)
    order = place(activity, buyer(), group_no=group.group_no)
    Group.objects.filter(pk=group.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with commit():
        pay(order)
    order.refresh_from_db()
    assert order.group_member.refund_why == "closed" and order.status == OrderStatus.CLOSED
    assert Group.objects.get(pk=group.pk).joined_count == 1


# ---------------------------------------------------------------- failing: refunded automatically


def test_a_group_that_runs_out_of_time_refunds_every_paid_member_once(activity, commit):
    _leader, first, group = open_group(activity, commit)
    second = place(activity, buyer(), group_no=group.group_no)
    with commit():
        pay(second)
    waiting = place(activity, buyer(), group_no=group.group_no)
    Group.objects.filter(pk=group.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with commit():
        assert services.groupbuy_sync_job() == 1
    group.refresh_from_db()
    assert group.status == G.FAILED
    for order in (first, second):
        order.refresh_from_db()
        after_sale = order.after_sales.get()
        assert (after_sale.kind, after_sale.status, after_sale.reason) == (
            "refund_only",
            "refunded",
            "拼团失败，自动退款",
        )
        assert order.status == OrderStatus.CLOSED and order.refunded_fen == order.paid_fen == order.total_fen
        assert order.group_member.status == M.REFUNDED
        assert order.group_member.refund_after_sale_no == after_sale.after_sale_no
        assert order.events.filter(type=OrderEvent.Type.NOTE, message__startswith="拼团失败").count() == 1
        opened = order.events.get(type=OrderEvent.Type.REFUND_REQUESTED)
        assert opened.actor_kind == OrderEvent.Actor.SYSTEM  # no request of the shopper's
    waiting.refresh_from_db()
    assert waiting.status == OrderStatus.CANCELLED
    assert SKU.objects.get(product=activity.product).stock == 20  # everything back on sale
    with commit():
        assert services.groupbuy_sync_job() == 0  # again: nothing more
    assert AfterSale.objects.count() == 2


def test_the_automatic_refund_is_idempotent_and_resumes(activity, commit):
    _leader, order, _group = open_group(activity, commit)
    member = order.group_member
    GroupMember.objects.filter(pk=member.pk).update(status=M.REFUNDING, refund_why="failed")
    with commit():
        first = order_services.order_refund_automatic(
            order=order, reason="拼团失败，自动退款", key="groupbuy:x"
        )
        again = order_services.order_refund_automatic(
            order=order, reason="拼团失败，自动退款", key="groupbuy:x"
        )
    assert first.pk == again.pk and AfterSale.objects.count() == 1
    # nobody at the shop approved it: the timeline says the system did, at each step
    steps = first.events.values_list("actor_kind", flat=True)
    assert set(steps) == {OrderEvent.Actor.SYSTEM}
    with commit():
        assert services.group_member_refund(member_id=member.pk)  # a different key: nothing left
    member.refresh_from_db()
    assert member.status == M.REFUNDED and AfterSale.objects.count() == 1


def test_a_member_refunded_in_full_while_the_group_is_open_gives_the_seat_back(activity, commit, shop_a):
    _leader, _first, group = open_group(activity, commit)
    friend = buyer()
    order = place(activity, friend, group_no=group.group_no)
    with commit():
        pay(order)
        after_sale = order_services.after_sale_request(
            order=order, user=friend, kind="refund_only", reason="不想要了", amount_fen=order.paid_fen
        )
        order_services.after_sale_approve(shop=shop_a, after_sale_no=after_sale.after_sale_no, actor=None)
    group.refresh_from_db()
    assert group.joined_count == 1 and order.group_member.__class__.objects.get(order=order).status == M.LEFT
    place(activity, buyer(), group_no=group.group_no)  # the seat is free again


def test_the_ship_guard_in_admin_lists_held_orders(activity, commit, client, merchant_a):
    _leader, order, _group = open_group(activity, commit)
    client.force_login(merchant_a)
    page = client.get("/admin/orders/order/", {"ship_blocked": "1"})
    assert [o.pk for o in page.context["cl"].result_list] == [order.pk]
    assert "暂不能发货" in page.content.decode()
    assert not list(client.get("/admin/orders/order/", {"ship_blocked": "0"}).context["cl"].result_list)
    change = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "拼团未成团，暂不能发货" in change and "/ship/" not in change
