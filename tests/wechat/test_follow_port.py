"""wechat's follow and sign-in ports (wechat/ports.py): what an app above hears when someone follows
the shop's account through the signed message callback, or signs in through WeChat — and that a
listener that fails never breaks the answer WeChat waits for."""

from __future__ import annotations

import pytest

from tests.factories import ShopperFactory
from tests.wechat.conftest import APPID
from tests.wechat.test_message_callback import push, reply_text, xml
from wechat import ports
from wechat.identity import identity_login
from wechat.models import AutoReplyRule, Follower, InboundMessage, QRScan

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """Registers listeners for the test and takes them off afterwards (the registries are global)."""
    added: list = []

    def register(fn, *, kind: str = "follow"):
        (ports.follow_listener_register if kind == "follow" else ports.signin_listener_register)(fn)
        added.append((kind, fn))
        return fn

    yield register
    for kind, fn in added:
        (ports.follow_listeners if kind == "follow" else ports.signin_listeners).remove(fn)


def follow(client, sender: str, created: int, scene: str = ""):
    fields = {"Event": "subscribe"}
    if scene:
        fields["EventKey"] = f"qrscene_{scene}"
    return push(client, xml(msg_type="event", sender=sender, created=created, **fields))


def test_a_first_follow_and_a_re_follow_are_told_apart(client, account, heard):
    calls = []
    heard(lambda **kw: calls.append(kw))
    follow(client, "oFan", 1700000000, scene="store-counter")
    push(client, xml(msg_type="event", sender="oFan", created=1700000100, Event="unsubscribe"))
    follow(client, "oFan", 1700000200)
    assert [(c["openid"], c["first_time"], c["scene"]) for c in calls] == [
        ("oFan", True, "store-counter"),
        ("oFan", False, ""),
    ]
    first = calls[0]
    assert first["account"].pk == account.pk and first["followed_at"] is not None
    # the listener runs after the Follower row is written, inside the callback's transaction
    assert Follower.objects.get(openid="oFan").is_subscribed


def test_wechat_s_retry_of_a_follow_is_heard_once(client, account, heard):
    calls = []
    heard(lambda **kw: calls.append(kw))
    body = xml(msg_type="event", sender="oFan", created=1700000000, Event="subscribe")
    push(client, body)
    push(client, body)
    assert len(calls) == 1


def test_someone_seen_leaving_before_is_no_new_follower(client, account, heard):
    """The account followed before the shop connected it: its unsubscribe is the first we hear."""
    calls = []
    heard(lambda **kw: calls.append(kw["first_time"]))
    push(client, xml(msg_type="event", sender="oOld", created=1700000000, Event="unsubscribe"))
    follow(client, "oOld", 1700000100)
    assert calls == [False]


def test_a_listener_s_line_is_added_to_the_welcome_with_its_links_filled(client, account, heard):
    heard(lambda **kw: "关注有礼：去看看 {shop_url}" if kw["first_time"] else None)
    text = reply_text(follow(client, "oFan", 1700000000))
    assert text.startswith("欢迎关注甲店")
    assert text.endswith("关注有礼：去看看 http://testserver/s/shop-a/")
    # a retry gets the same answer, line included
    again = push(client, xml(msg_type="event", sender="oFan", created=1700000000, Event="subscribe"))
    assert reply_text(again) == text


def test_a_failing_listener_never_breaks_the_answer_and_its_writes_are_undone(client, account, heard):
    after = []

    def broken(**kw):
        AutoReplyRule.objects.create(shop=account.shop, keyword="半截", reply="写了一半")
        raise RuntimeError("the listener broke")

    heard(broken)
    heard(lambda **kw: after.append(kw["openid"]) or "后面的监听照常")
    response = follow(client, "oFan", 1700000000, scene="poster")
    assert response.status_code == 200
    text = reply_text(response)
    assert text.startswith("欢迎关注甲店") and text.endswith("后面的监听照常")
    assert after == ["oFan"]  # the listeners after it still ran
    assert not AutoReplyRule.objects.exists()  # the broken one's write was rolled back, alone
    assert Follower.objects.filter(openid="oFan", is_subscribed=True).exists()
    assert QRScan.objects.filter(openid="oFan", scene="poster").exists()
    assert InboundMessage.objects.get(from_openid="oFan").reply == text


def test_a_database_error_in_a_listener_leaves_the_callback_s_transaction_usable(client, account, heard):
    def duplicate(**kw):
        Follower.objects.create(shop=account.shop, openid=kw["openid"])  # unique (shop, openid): fails

    heard(duplicate)
    response = follow(client, "oFan", 1700000000)
    assert response.status_code == 200 and reply_text(response).startswith("欢迎关注甲店")
    assert Follower.objects.filter(openid="oFan").count() == 1
    assert InboundMessage.objects.filter(from_openid="oFan").exists()


def test_sign_in_listeners_hear_each_wechat_sign_in_after_commit(
    account, heard, django_capture_on_commit_callbacks
):
    calls = []
    heard(
        lambda **kw: calls.append((kw["user"].pk, kw["identity"].openid, kw["identity_created"])),
        kind="signin",
    )
    with django_capture_on_commit_callbacks() as pending:
        user, _identity, _created = identity_login(kind="account", appid=APPID, openid="oNew")
    assert calls == [] and pending  # nothing heard before the identity is committed
    for callback in pending:  # the sign-in listeners (and the auth cache forgetting the new user)
        callback()
    with django_capture_on_commit_callbacks(execute=True):
        identity_login(kind="account", appid=APPID, openid="oNew")
    assert calls == [(user.pk, "oNew", True), (user.pk, "oNew", False)]


def test_an_identity_linked_to_a_signed_in_shopper_is_heard(
    account, heard, django_capture_on_commit_callbacks
):
    calls = []
    heard(lambda **kw: calls.append((kw["user"].pk, kw["identity_created"])), kind="signin")
    shopper = ShopperFactory()
    with django_capture_on_commit_callbacks(execute=True):
        identity_login(kind="account", appid=APPID, openid="oPhone", current_user=shopper)
    assert calls == [(shopper.pk, True)]


def test_a_failing_sign_in_listener_never_breaks_the_sign_in(
    account, heard, django_capture_on_commit_callbacks
):
    def broken(**kw):
        raise RuntimeError("the listener broke")

    heard(broken, kind="signin")
    with django_capture_on_commit_callbacks(execute=True):
        user, identity, created = identity_login(kind="account", appid=APPID, openid="oNew")
    assert created and identity.user == user
