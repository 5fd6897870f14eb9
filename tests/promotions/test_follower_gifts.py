"""Coupons for every new follower of the shop's official account (关注有礼), through the signed
message callback as WeChat sends it: a known shopper gets them at once, anyone else when they first
sign in — once per follower ever, never over the coupon's total, never another shop's."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from accounts.ports import login_hooks_run
from promotions import services
from promotions.models import Coupon, CouponClaim, FollowerGrant
from tests.factories import ShopperFactory, make_coupon, simulator_wechat_account
from tests.wechat.test_message_callback import reply_text, signed, xml
from wechat import ports as wechat_ports
from wechat.identity import identity_login
from wechat.models import WeChatIdentity

pytestmark = pytest.mark.django_db

TOKEN = "followToken2026"
APPID_A, APPID_B = "wxfollow00000000a", "wxfollow00000000b"
FOLLOWER = Coupon.Distribution.FOLLOWER
G = FollowerGrant.Status


@pytest.fixture
def accounts(shop_a, shop_b):
    return (
        simulator_wechat_account(shop_a, appid=APPID_A, token=TOKEN, miniprogram_appid="wxfollowmini0000a"),
        simulator_wechat_account(shop_b, appid=APPID_B, token=TOKEN, miniprogram_appid="wxfollowmini0000b"),
    )


@pytest.fixture
def gift(shop_a):
    return make_coupon(shop=shop_a, name="关注立减券", distribution=FOLLOWER)


_clock = iter(range(1700000000, 1800000000, 10))


def event(client, openid: str, name: str, *, shop: str = "shop-a", scene: str = ""):
    """One event pushed to the shop's callback, signed as WeChat signs it (each a new CreateTime)."""
    fields = {"Event": name, **({"EventKey": f"qrscene_{scene}"} if scene else {})}
    body = xml(msg_type="event", sender=openid, created=next(_clock), **fields)
    response = client.post(f"/wechat/{shop}/callback/?{urlencode(signed(token=TOKEN))}", data=body,
                           content_type="text/xml")  # fmt: skip
    assert response.status_code == 200
    return reply_text(response) if response.content != b"success" else ""


@pytest.fixture
def sign_in(django_capture_on_commit_callbacks):
    """A WeChat sign-in (what OAuth and the mini-program login call), with what it runs after commit."""

    def run(openid: str, appid: str = APPID_A, kind: str = "account", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            user, _identity, _created = identity_login(kind=kind, appid=appid, openid=openid, **kwargs)
        return user

    return run


def claims_of(user) -> list[tuple[str, str]]:
    return list(CouponClaim.objects.filter(user=user).values_list("coupon__name", "source"))


def test_a_known_shopper_s_first_follow_claims_the_follower_coupons_at_once(client, accounts, gift, shop_a):
    make_coupon(shop=shop_a, name="公开券", distribution=Coupon.Distribution.PUBLIC)
    make_coupon(shop=shop_a, name="停用的关注券", distribution=FOLLOWER, is_active=False)
    now = timezone.now()
    make_coupon(shop=shop_a, name="未开始的关注券", distribution=FOLLOWER,
                claim_starts_at=now + timedelta(days=1), claim_ends_at=now + timedelta(days=2))  # fmt: skip
    shopper = ShopperFactory()
    WeChatIdentity.objects.create(user=shopper, kind="account", appid=APPID_A, openid="oKnown")

    text = event(client, "oKnown", "subscribe")

    assert claims_of(shopper) == [("关注立减券", "follower")]
    grant = FollowerGrant.objects.get()
    assert (grant.status, grant.user, grant.coupon, grant.openid) == (G.REDEEMED, shopper, gift, "oKnown")
    assert grant.claim == CouponClaim.objects.get() and grant.redeemed_at is not None
    assert text.startswith("欢迎关注甲店") and "关注有礼" in text and "关注立减券" in text
    assert "我的优惠券" in text
    gift.refresh_from_db()
    assert gift.claimed_count == 1


def test_a_re_follow_grants_nothing(client, accounts, shop_a):
    gift = make_coupon(shop=shop_a, distribution=FOLLOWER, per_user_limit=5)
    shopper = ShopperFactory()
    WeChatIdentity.objects.create(user=shopper, kind="account", appid=APPID_A, openid="oFan")
    event(client, "oFan", "subscribe")
    event(client, "oFan", "unsubscribe")
    text = event(client, "oFan", "subscribe")
    assert CouponClaim.objects.filter(user=shopper).count() == 1
    assert "关注有礼" not in text and text.startswith("欢迎关注甲店")
    # nor does an unknown follower who comes back collect a second pending grant
    event(client, "oStranger", "subscribe")
    event(client, "oStranger", "unsubscribe")
    event(client, "oStranger", "subscribe")
    assert FollowerGrant.objects.filter(openid="oStranger").count() == 1
    gift.refresh_from_db()
    assert gift.claimed_count == 1


def test_an_unknown_follower_s_grant_waits_and_their_first_sign_in_redeems_it_once(
    client, accounts, gift, sign_in
):
    text = event(client, "oStranger", "subscribe", scene="store-counter")
    grant = FollowerGrant.objects.get()
    assert (grant.status, grant.user, grant.claim) == (G.PENDING, None, None)
    assert "关注有礼：已为你准备了优惠券" in text and "登录商城即可领取" in text
    assert not CouponClaim.objects.exists()

    user = sign_in("oStranger")
    assert claims_of(user) == [("关注立减券", "follower")]
    grant.refresh_from_db()
    assert (grant.status, grant.user) == (G.REDEEMED, user) and grant.claim is not None

    sign_in("oStranger")  # the next sign-in, and another redeeming pass, change nothing
    assert services.follower_grants_redeem(user=user) == []
    assert CouponClaim.objects.count() == 1
    gift.refresh_from_db()
    assert gift.claimed_count == 1


def test_a_mini_program_sign_in_redeems_what_the_same_person_s_account_openid_left(
    client, accounts, gift, sign_in
):
    """The follow raced the account sign-in (the grant stayed pending): the next sign-in of the same
    person, here in the mini-program (one unionid), redeems it."""
    event(client, "oRacer", "subscribe")
    shopper = ShopperFactory()
    WeChatIdentity.objects.create(
        user=shopper, kind="account", appid=APPID_A, openid="oRacer", unionid="uRacer"
    )
    user = sign_in("oMini", appid="wxfollowmini0000a", kind="miniprogram", unionid="uRacer")
    assert user == shopper
    assert claims_of(shopper) == [("关注立减券", "follower")]


def test_a_phone_login_redeems_a_grant_left_pending(client, accounts, gift):
    event(client, "oRacer", "subscribe")
    shopper = ShopperFactory()
    WeChatIdentity.objects.create(user=shopper, kind="account", appid=APPID_A, openid="oRacer")
    login_hooks_run(session_key="anonymous-session", user=shopper)  # accounts' login-hook port
    assert claims_of(shopper) == [("关注立减券", "follower")]


def test_sold_out_by_the_sign_in_closes_the_grant_with_a_reason_and_no_error(
    client, accounts, shop_a, sign_in
):
    gift = make_coupon(shop=shop_a, distribution=FOLLOWER, total_quantity=1)
    event(client, "oLate", "subscribe")
    early = ShopperFactory()
    WeChatIdentity.objects.create(user=early, kind="account", appid=APPID_A, openid="oEarly")
    event(client, "oEarly", "subscribe")  # a known shopper takes the last one at once
    late = sign_in("oLate")  # no error for the shopper
    assert claims_of(late) == [] and len(claims_of(early)) == 1
    grant = FollowerGrant.objects.get(openid="oLate")
    assert (grant.status, grant.close_reason, grant.user) == (G.CLOSED, "sold_out", late)
    assert grant.closed_at is not None and grant.redeemed_at is None
    assert grant.get_close_reason_display() == "券已领完"
    gift.refresh_from_db()
    assert gift.claimed_count == 1


def test_a_claim_window_over_by_the_sign_in_closes_the_grant(client, accounts, gift, sign_in):
    event(client, "oLate", "subscribe")
    Coupon.objects.filter(pk=gift.pk).update(claim_ends_at=timezone.now() - timedelta(minutes=1))
    sign_in("oLate")
    grant = FollowerGrant.objects.get()
    assert (grant.status, grant.close_reason) == (G.CLOSED, "claim_ended")
    assert not CouponClaim.objects.exists()


def test_a_coupon_switched_to_another_mode_is_not_given_from_old_grants(client, accounts, gift, sign_in):
    event(client, "oLate", "subscribe")
    Coupon.objects.filter(pk=gift.pk).update(distribution=Coupon.Distribution.PUBLIC)
    sign_in("oLate")
    assert FollowerGrant.objects.get().close_reason == "unavailable"
    assert not CouponClaim.objects.exists()


def test_a_coupon_already_sold_out_at_the_follow_promises_nothing(client, accounts, shop_a):
    gift = make_coupon(shop=shop_a, distribution=FOLLOWER, total_quantity=1)
    services.coupon_send(shop=shop_a, coupon=gift, users=[ShopperFactory()])
    text = event(client, "oStranger", "subscribe")
    assert "关注有礼" not in text and not FollowerGrant.objects.exists()


def test_another_shop_s_follow_never_grants_this_shop_s_coupon(client, accounts, gift, shop_b, sign_in):
    b_gift = make_coupon(shop=shop_b, name="乙店关注券", distribution=FOLLOWER)
    shopper = ShopperFactory()
    WeChatIdentity.objects.create(user=shopper, kind="account", appid=APPID_B, openid="oBFan")
    text = event(client, "oBFan", "subscribe", shop="shop-b")
    assert claims_of(shopper) == [("乙店关注券", "follower")] and "乙店关注券" in text
    assert not FollowerGrant.objects.filter(coupon=gift).exists()
    # an openid pending at shop B is redeemed only by B's identity, never by A's same-looking one
    event(client, "oSame", "subscribe", shop="shop-b")
    a_user = sign_in("oSame", appid=APPID_A)
    assert claims_of(a_user) == []
    assert FollowerGrant.objects.get(openid="oSame").status == G.PENDING
    b_user = sign_in("oSame", appid=APPID_B)
    assert claims_of(b_user) == [("乙店关注券", "follower")]
    gift.refresh_from_db()
    assert gift.claimed_count == 0 and b_gift.claims.count() == 2


def test_the_gift_survives_a_failing_listener_before_it_and_the_answer_is_fast(
    client, accounts, gift, django_assert_max_num_queries
):
    def broken(**kw):
        raise RuntimeError("another app's listener broke")

    wechat_ports.follow_listeners.insert(0, broken)
    try:
        shopper = ShopperFactory()
        WeChatIdentity.objects.create(user=shopper, kind="account", appid=APPID_A, openid="oKnown")
        # the gift's 12 queries, crm's follow listener (the customer profile, about 4), the inbox's
        # last-interaction stamp, and a savepoint around each listener: within WeChat's 5 s
        with django_assert_max_num_queries(52):
            text = event(client, "oKnown", "subscribe")
    finally:
        wechat_ports.follow_listeners.remove(broken)
    assert text.startswith("欢迎关注甲店") and "关注有礼" in text
    assert claims_of(shopper) == [("关注立减券", "follower")]


def test_my_coupons_lists_the_follower_gift(client, accounts, gift, sign_in):
    event(client, "oStranger", "subscribe")
    user = sign_in("oStranger")
    client.force_login(user)
    page = client.get("/s/shop-a/coupons/").content.decode()
    assert "关注立减券" in page


@pytest.mark.django_db(transaction=True)
def test_follow_in_wechat_then_open_the_shop_the_silent_login_brings_the_coupon(
    settings, live_server, client, accounts, gift
):
    """End to end with the WeChat simulator: the simulated person follows (their openid under the
    account), then opens the shop inside WeChat; the silent OAuth login links that openid to a new
    shopper, who finds the coupon in 我的优惠券."""
    from devtools.wechat_sim.views import USER_COOKIE, openid_for
    from tests.wechat.conftest import WECHAT_UA, local

    settings.WECHAT_SIMULATOR = True
    settings.WECHAT_SIMULATOR_URL = f"{live_server.url}/wechat-sim"
    client.cookies[USER_COOKIE] = "fan-1"
    event(client, openid_for(APPID_A, "fan-1"), "subscribe")
    assert FollowerGrant.objects.get().status == G.PENDING

    client.defaults["HTTP_USER_AGENT"] = WECHAT_UA
    to_oauth = client.get("/s/shop-a/coupons/")
    to_wechat = client.get(to_oauth["Location"])
    back = client.get(local(to_wechat["Location"]))  # WeChat's authorize page (the simulator's)
    landing = client.get(local(back["Location"]))  # our OAuth callback: signed in
    assert landing["Location"] == "/s/shop-a/coupons/"
    page = client.get("/s/shop-a/coupons/")
    user = page.wsgi_request.user
    assert user.is_authenticated and "关注立减券" in page.content.decode()
    assert claims_of(user) == [("关注立减券", "follower")]
    assert FollowerGrant.objects.get().status == G.REDEEMED
