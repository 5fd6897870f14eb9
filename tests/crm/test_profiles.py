"""Customer profiles kept up to date (crm/services/profiles.py): from order events (placed, paid,
refunded), follows and unfollows of the shop's official account, WeChat sign-ins (an openid-only
profile meets its shopper, two profiles merge), analytics' visit roll-up (in a fixed number of
queries) and channel tag rules; a shopper of two shops has two profiles; the rebuild command."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.attribution import Attribution
from crm.models.profiles import ChannelTagRule, CustomerProfile, Tag
from crm.services import profiles as services
from orders import services as order_services
from orders.models import AfterSale, Order
from tests.factories import AddressFactory, ShopperFactory, make_product, simulator_wechat_account

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- helpers (other crm tests use them)


def place(
    shop, user, *, price_fen=10000, channel="", referrer="", province=None, quantity=1, sku=None
) -> Order:
    """An order placed through the real services (a product of its own unless ``sku``), optionally
    through a channel or a referrer, to an address in ``province`` (default 上海市)."""
    region = {}
    if province == "浙江省":
        region = {"province_code": "330000", "city_code": "330100", "district_code": "330106",
                  "province": "浙江省", "city": "杭州市", "district": "西湖区"}  # fmt: skip
    address = AddressFactory(user=user, **region)
    if sku is None:
        sku = make_product(shop=shop, price_fen=price_fen, stock=100).skus.get()
    touch = Attribution(
        shop_id=shop.pk, channel_code=channel, referrer_code=referrer, touched_at=timezone.now()
    )
    return order_services.order_place(
        shop=shop, user=user, items=[(sku.pk, quantity)], address_id=address.pk, attribution=touch
    )


def pay(order: Order) -> Order:
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    return Order.objects.get(pk=order.pk)


def refund(order: Order, amount_fen: int) -> None:
    after_sale = order_services.after_sale_request(
        order=order,
        user=order.user,
        kind=AfterSale.Kind.REFUND_ONLY,
        reason="不想要了",
        amount_fen=amount_fen,
    )
    order_services.after_sale_approve(shop=order.shop, after_sale_no=after_sale.after_sale_no, actor=None)


def profile(shop, user) -> CustomerProfile:
    return CustomerProfile.objects.get(shop=shop, user=user)


def channel(shop, code: str, name: str = "宝妈群", tags: tuple[str, ...] = ()):
    from marketing.models import Channel
    from marketing.services import channel_save

    found = channel_save(channel=Channel(shop=shop, name=name, code=code))
    if tags:
        rule = ChannelTagRule.objects.create(shop=shop, channel=found)
        rule.tags.set([Tag.objects.get_or_create(shop=shop, name=name)[0] for name in tags])
    return found


def tag_names(p: CustomerProfile) -> set[str]:
    return set(p.tags.values_list("name", flat=True))


# ---------------------------------------------------------------- order events


def test_a_placed_order_makes_the_profile_with_its_first_channel_and_referrer_set_once(shop_a):
    buyer = ShopperFactory()
    sharer = ShopperFactory()
    first = place(shop_a, buyer, channel="pyq-1", referrer=str(sharer.pk))
    found = profile(shop_a, buyer)
    assert (found.first_channel_code, found.first_referrer_code) == ("pyq-1", str(sharer.pk))
    assert found.orders_count == 0 and found.spent_fen == 0  # not paid yet
    assert found.first_seen_at <= first.created_at
    place(shop_a, buyer, channel="mama-group", referrer="999")
    again = profile(shop_a, buyer)
    assert (again.first_channel_code, again.first_referrer_code) == ("pyq-1", str(sharer.pk))


def test_a_first_order_without_a_channel_leaves_it_to_the_next_one(shop_a):
    buyer = ShopperFactory()
    place(shop_a, buyer)
    place(shop_a, buyer, channel="pyq-2")
    assert profile(shop_a, buyer).first_channel_code == "pyq-2"


def test_payments_add_up_orders_spend_times_and_the_latest_province(shop_a):
    buyer = ShopperFactory()
    one = pay(place(shop_a, buyer, price_fen=10000))
    found = profile(shop_a, buyer)
    assert (found.orders_count, found.spent_fen) == (1, one.paid_fen)
    assert found.first_order_at == found.last_order_at == one.paid_at
    assert found.province == "上海市"
    two = pay(place(shop_a, buyer, price_fen=5000, province="浙江省"))
    found = profile(shop_a, buyer)
    assert (found.orders_count, found.spent_fen) == (2, one.paid_fen + two.paid_fen)
    assert (found.first_order_at, found.last_order_at) == (one.paid_at, two.paid_at)
    assert found.province == "浙江省"
    assert found.average_order_fen == (one.paid_fen + two.paid_fen) // 2


def test_an_unpaid_or_cancelled_order_counts_nothing(shop_a):
    buyer = ShopperFactory()
    order = place(shop_a, buyer)
    order_services.order_cancel(order=order, actor=buyer, actor_kind="shopper")
    found = profile(shop_a, buyer)
    assert (found.orders_count, found.spent_fen, found.last_order_at) == (0, 0, None)


def test_a_refund_takes_its_amount_off_the_spend(shop_a):
    buyer = ShopperFactory()
    order = pay(place(shop_a, buyer, price_fen=10000))
    refund(order, 3000)
    found = profile(shop_a, buyer)
    assert (found.orders_count, found.spent_fen) == (1, order.paid_fen - 3000)
    refund(Order.objects.get(pk=order.pk), order.paid_fen - 3000)  # the rest: the order closes
    assert profile(shop_a, buyer).spent_fen == 0


def test_a_shopper_of_two_shops_has_two_profiles_that_never_meet(shop_a, shop_b):
    buyer = ShopperFactory()
    a = pay(place(shop_a, buyer, price_fen=10000, channel="a-ch"))
    b = pay(place(shop_b, buyer, price_fen=3000, province="浙江省"))
    in_a, in_b = profile(shop_a, buyer), profile(shop_b, buyer)
    assert in_a.pk != in_b.pk
    assert (in_a.spent_fen, in_a.first_channel_code, in_a.province) == (a.paid_fen, "a-ch", "上海市")
    assert (in_b.spent_fen, in_b.first_channel_code, in_b.province) == (b.paid_fen, "", "浙江省")


def test_a_shopper_who_bought_before_crm_gets_figures_from_their_orders_then_counts_on(shop_a):
    buyer = ShopperFactory()
    old = pay(place(shop_a, buyer, price_fen=10000, channel="old-ch"))
    CustomerProfile.objects.all().delete()  # the shop before crm came in
    made = services.profile_for_user(shop_id=shop_a.pk, user_id=buyer.pk)
    assert (made.orders_count, made.spent_fen, made.first_channel_code) == (1, old.paid_fen, "old-ch")
    assert made.first_seen_at == old.created_at
    CustomerProfile.objects.all().delete()
    new = pay(place(shop_a, buyer, price_fen=5000))  # the event makes it: this payment counted once
    found = profile(shop_a, buyer)
    assert (found.orders_count, found.spent_fen) == (2, old.paid_fen + new.paid_fen)


# ---------------------------------------------------------------- the rebuild command


def test_the_rebuild_recomputes_every_profile_from_orders_and_is_idempotent(shop_a, shop_b):
    buyers = [ShopperFactory() for _ in range(3)]
    orders = [pay(place(shop_a, buyer, price_fen=1000 * (i + 1))) for i, buyer in enumerate(buyers)]
    refund(orders[2], 1000)
    pay(place(shop_b, buyers[0], price_fen=7000))
    truth = {(p.shop_id, p.user_id): p for p in CustomerProfile.objects.all()}
    CustomerProfile.objects.filter(user=buyers[0], shop=shop_a).delete()  # missing
    CustomerProfile.objects.filter(user=buyers[1]).update(orders_count=9, spent_fen=1, province="")  # wrong
    call_command("crm_profiles_rebuild", verbosity=0)
    first = {(p.shop_id, p.user_id): p for p in CustomerProfile.objects.all()}
    assert first.keys() == truth.keys()
    fields = (
        "orders_count",
        "spent_fen",
        "first_order_at",
        "last_order_at",
        "province",
        "first_channel_code",
    )
    for key, right in truth.items():
        assert [getattr(first[key], f) for f in fields] == [getattr(right, f) for f in fields], key
    call_command("crm_profiles_rebuild", verbosity=0)
    second = {(p.shop_id, p.user_id): [getattr(p, f) for f in fields] for p in CustomerProfile.objects.all()}
    assert second == {key: [getattr(p, f) for f in fields] for key, p in first.items()}


def test_the_rebuild_of_one_shop_leaves_the_others(shop_a, shop_b):
    buyer = ShopperFactory()
    pay(place(shop_a, buyer))
    pay(place(shop_b, buyer))
    CustomerProfile.objects.update(orders_count=7)
    call_command("crm_profiles_rebuild", shop=shop_a.slug, verbosity=0)
    assert profile(shop_a, buyer).orders_count == 1
    assert profile(shop_b, buyer).orders_count == 7


def test_the_rebuild_brings_in_the_followers_of_the_official_account(shop_a):
    from wechat.models import Follower, WeChatIdentity

    account = simulator_wechat_account(shop_a)
    known = ShopperFactory()
    WeChatIdentity.objects.create(user=known, kind="account", appid=account.appid, openid="oKnown")
    Follower.objects.create(shop=shop_a, openid="oKnown", subscribed_at=timezone.now())
    Follower.objects.create(shop=shop_a, openid="oStranger", subscribed_at=timezone.now())
    Follower.objects.create(shop=shop_a, openid="oGone", is_subscribed=False)
    call_command("crm_profiles_rebuild", verbosity=0)
    assert profile(shop_a, known).is_follower and profile(shop_a, known).oa_openid == "oKnown"
    stranger = CustomerProfile.objects.get(shop=shop_a, oa_openid="oStranger")
    assert stranger.is_follower and stranger.user is None
    assert not CustomerProfile.objects.filter(oa_openid="oGone").exists()
    call_command("crm_profiles_rebuild", verbosity=0)
    assert CustomerProfile.objects.filter(shop=shop_a).count() == 2


# ---------------------------------------------------------------- follows, unfollows, sign-ins


@pytest.fixture
def account(shop_a):
    from tests.wechat.conftest import AES_KEY, APPID, MP_APPID, TOKEN

    return simulator_wechat_account(
        shop_a, appid=APPID, token=TOKEN, encoding_aes_key=AES_KEY, miniprogram_appid=MP_APPID
    )


def follow(client, openid: str, created: int, scene: str = ""):
    from tests.wechat.test_follow_port import follow as push_follow

    return push_follow(client, openid, created, scene=scene)


def unfollow(client, openid: str, created: int):
    from tests.wechat.test_message_callback import push, xml

    return push(client, xml(msg_type="event", sender=openid, created=created, Event="unsubscribe"))


def test_a_follower_not_signed_in_yet_has_an_openid_profile_that_follows_and_unfollows(client, account):
    follow(client, "oFan", 1700000000)
    found = CustomerProfile.objects.get(shop=account.shop, oa_openid="oFan")
    assert found.user is None and found.is_follower and found.followed_at is not None
    unfollow(client, "oFan", 1700000100)
    found.refresh_from_db()
    assert not found.is_follower and found.unfollowed_at is not None
    follow(client, "oFan", 1700000200)
    found.refresh_from_db()
    assert found.is_follower
    assert CustomerProfile.objects.filter(shop=account.shop).count() == 1


def test_a_follow_by_a_known_shopper_is_on_their_own_profile(client, account):
    from wechat.models import WeChatIdentity

    buyer = ShopperFactory()
    pay(place(account.shop, buyer))
    WeChatIdentity.objects.create(user=buyer, kind="account", appid=account.appid, openid="oBuyer")
    follow(client, "oBuyer", 1700000000)
    found = profile(account.shop, buyer)
    assert found.is_follower and found.oa_openid == "oBuyer" and found.orders_count == 1
    assert CustomerProfile.objects.filter(shop=account.shop).count() == 1


def test_a_follow_through_a_channel_s_qr_code_is_an_arrival_through_the_channel(client, account):
    channel(account.shop, "counter", name="收银台", tags=("到店顾客",))
    follow(client, "oFan", 1700000000, scene="counter")
    found = CustomerProfile.objects.get(shop=account.shop, oa_openid="oFan")
    assert found.first_channel_code == "counter" and tag_names(found) == {"到店顾客"}


def test_a_sign_in_gives_an_openid_profile_its_shopper(client, account, django_capture_on_commit_callbacks):
    from wechat.identity import identity_login

    follow(client, "oFan", 1700000000)
    with django_capture_on_commit_callbacks(execute=True):
        user, _identity, created = identity_login(kind="account", appid=account.appid, openid="oFan")
    assert created
    found = CustomerProfile.objects.get(shop=account.shop, oa_openid="oFan")
    assert found.user == user and found.is_follower


def test_a_sign_in_merges_the_follower_profile_into_the_shopper_s_one(
    client, account, django_capture_on_commit_callbacks
):
    """A shopper bought by phone login; then followed the account (a profile of the openid alone,
    tagged by the merchant); then signed in through WeChat: one profile with everything."""
    from wechat.identity import identity_login

    buyer = ShopperFactory()
    order = pay(place(account.shop, buyer, price_fen=10000, channel="pyq"))
    vip = Tag.objects.create(shop=account.shop, name="VIP")
    mine = profile(account.shop, buyer)
    mine.tags.add(Tag.objects.create(shop=account.shop, name="老客户"))
    follow(client, "oFan", 1700000000)
    fan = CustomerProfile.objects.get(shop=account.shop, oa_openid="oFan")
    fan.tags.add(vip)
    opted_out = timezone.now() - timedelta(days=1)
    CustomerProfile.objects.filter(pk=fan.pk).update(marketing_opt_out_at=opted_out)
    from crm.models.members import PointsEntry
    from crm.services.members import points_adjust

    points_adjust(shop=account.shop, profile_id=fan.pk, points=50, reason="关注有礼", actor=None)
    points_adjust(shop=account.shop, profile_id=mine.pk, points=30, reason="老客户回馈", actor=None)
    merged_heard = []

    def heard(**kw):
        merged_heard.append((kw["kept"].pk, kw["merged"].pk))

    services.profile_merge_register(heard)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            identity_login(kind="account", appid=account.appid, openid="oFan", current_user=buyer)
    finally:
        services.merge_listeners.remove(heard)
    kept = CustomerProfile.objects.get(shop=account.shop)  # exactly one left
    assert kept.pk == mine.pk and kept.user == buyer
    assert merged_heard == [(mine.pk, fan.pk)]
    assert (kept.oa_openid, kept.is_follower) == ("oFan", True)
    assert (kept.orders_count, kept.spent_fen, kept.first_channel_code) == (1, order.paid_fen, "pyq")
    assert kept.marketing_opt_out_at == opted_out
    assert tag_names(kept) == {"老客户", "VIP"}
    # the merged profile's points ledger moved with it: the balance is still the sum of the entries
    entries = PointsEntry.objects.filter(profile=kept)
    assert sorted(entries.values_list("available", flat=True)) == [30, 50]
    assert kept.points_available == 80
    # the merged shopper follows on: an unfollow reaches the kept profile
    unfollow(client, "oFan", 1700000100)
    assert not CustomerProfile.objects.get(pk=kept.pk).is_follower


def test_a_mini_program_sign_in_is_a_visit_of_its_shop(account, django_capture_on_commit_callbacks):
    from wechat.identity import identity_login

    with django_capture_on_commit_callbacks(execute=True):
        user, _identity, _created = identity_login(
            kind="miniprogram", appid=account.miniprogram_appid, openid="oMini"
        )
    assert CustomerProfile.objects.filter(shop=account.shop, user=user).exists()


# ---------------------------------------------------------------- visits and channel tags


def test_profiles_seen_makes_profiles_sets_first_channels_and_tags_in_a_fixed_number_of_queries(shop_a):
    from marketing.selectors import marketing_profile

    channel(shop_a, "mama-group", tags=("宝妈",))
    marketing_profile(shop_id=shop_a.pk)
    now = timezone.now()

    def batch(n):
        users = [ShopperFactory() for _ in range(n)]
        return [
            (u.pk, "mama-group" if i % 2 else "", now - timedelta(minutes=i)) for i, u in enumerate(users)
        ]

    small, large = batch(3), batch(30)
    counts = []
    for visits in (small, large):
        with CaptureQueriesContext(connection) as queries:
            made = services.profiles_seen(shop_id=shop_a.pk, seen=visits)
        counts.append(len(queries))
        assert made == len(visits)
    assert counts[0] == counts[1], counts
    came = CustomerProfile.objects.get(shop=shop_a, user_id=large[1][0])
    assert came.first_channel_code == "mama-group" and tag_names(came) == {"宝妈"}
    assert came.first_seen_at == large[1][2]
    plain = CustomerProfile.objects.get(shop=shop_a, user_id=large[0][0])
    assert plain.first_channel_code == "" and tag_names(plain) == set()
    # seen again: nothing made; a known shopper's first channel is set once; tags again are no error
    again = [(large[0][0], "mama-group", now), (large[1][0], "other", now)]
    assert services.profiles_seen(shop_id=shop_a.pk, seen=again) == 0
    assert CustomerProfile.objects.get(pk=plain.pk).first_channel_code == "mama-group"
    assert CustomerProfile.objects.get(pk=came.pk).first_channel_code == "mama-group"
    assert services.profiles_seen(shop_id=shop_a.pk, seen=[]) == 0


def test_profiles_seen_of_an_earlier_buyer_takes_their_figures_from_orders(shop_a):
    buyer = ShopperFactory()
    order = pay(place(shop_a, buyer))
    CustomerProfile.objects.all().delete()
    services.profiles_seen(shop_id=shop_a.pk, seen=[(buyer.pk, "", timezone.now())])
    assert profile(shop_a, buyer).spent_fen == order.paid_fen


def test_an_order_through_a_tagging_channel_tags_its_shopper(shop_a):
    channel(shop_a, "pyq-1212", name="双十二朋友圈", tags=("双十二", "朋友圈"))
    buyer = ShopperFactory()
    place(shop_a, buyer, channel="pyq-1212")
    assert tag_names(profile(shop_a, buyer)) == {"双十二", "朋友圈"}
    other = ShopperFactory()
    place(shop_a, other)
    assert tag_names(profile(shop_a, other)) == set()


def test_channel_tags_backfill_tags_who_came_before_the_rule(shop_a):
    buyer, visitor = ShopperFactory(), ShopperFactory()
    found = channel(shop_a, "late")
    place(shop_a, buyer, channel="late")
    services.profiles_seen(shop_id=shop_a.pk, seen=[(visitor.pk, "late", timezone.now())])
    rule = ChannelTagRule.objects.create(shop=shop_a, channel=found)
    rule.tags.set([Tag.objects.create(shop=shop_a, name="补打")])
    assert services.channel_tags_backfill(rule=rule) == 2
    assert tag_names(profile(shop_a, buyer)) == tag_names(profile(shop_a, visitor)) == {"补打"}
    assert services.channel_tags_backfill(rule=rule) == 0


def test_tagging_by_hand_touches_only_the_shop_s_profiles(shop_a, shop_b):
    buyer = ShopperFactory()
    place(shop_a, buyer)
    place(shop_b, buyer)
    a_tag = Tag.objects.create(shop=shop_a, name="甲标签")
    ids = list(CustomerProfile.objects.values_list("pk", flat=True))
    assert services.profiles_tag(shop_id=shop_a.pk, tag_id=a_tag.pk, profile_ids=ids, add=True) == 1
    assert services.profiles_tag(shop_id=shop_a.pk, tag_id=a_tag.pk, profile_ids=ids, add=True) == 0
    assert tag_names(profile(shop_b, buyer)) == set()
    from core.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        services.profiles_tag(shop_id=shop_b.pk, tag_id=a_tag.pk, profile_ids=ids, add=True)
    assert refused.value.code == "tag_not_found"
    assert services.profiles_tag(shop_id=shop_a.pk, tag_id=a_tag.pk, profile_ids=ids, add=False) == 1
    assert tag_names(profile(shop_a, buyer)) == set()
