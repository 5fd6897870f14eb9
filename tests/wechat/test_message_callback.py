"""The official account's message callback: signatures (plain and AES), freshness, replies,
followers and QR scenes, and WeChat's retries."""

from __future__ import annotations

import hashlib
import time
import uuid

import pytest
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto

from tests.wechat.conftest import AES_KEY, APPID, TOKEN
from wechat.models import AutoReplyRule, Follower, InboundMessage, QRScan

URL = "/wechat/shop-a/callback/"


def signed(timestamp: int | None = None, nonce: str | None = None, token: str = TOKEN) -> dict[str, str]:
    """The query WeChat signs: a fresh nonce for every push, as WeChat sends."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or uuid.uuid4().hex[:10]
    signature = hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest()  # noqa: S324
    return {"timestamp": ts, "nonce": nonce, "signature": signature}


def xml(*, msg_type: str = "text", sender: str = "oUser1", created: int = 1700000000, **fields: str) -> str:
    extra = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
    return (f"<xml><ToUserName><![CDATA[gh_shop]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{extra}</xml>")  # fmt: skip


def push(client, body: str, nonce: str | None = None, timestamp: int | None = None, **params):
    query = "&".join(f"{k}={v}" for k, v in {**signed(timestamp, nonce=nonce), **params}.items())
    return client.post(f"{URL}?{query}", data=body, content_type="text/xml")


def reply_text(response) -> str:
    return parse_message(response.content).content


@pytest.fixture
def rules(account):
    AutoReplyRule.objects.create(shop=account.shop, keyword="订单", reply="查看我的订单：{orders_url}")
    AutoReplyRule.objects.create(shop=account.shop, keyword="退货", match="exact", reply="退货请在订单页申请")
    return account


def test_setup_check_echoes_only_a_correct_signature(client, account):
    ok = client.get(URL, {**signed(), "echostr": "hello-wechat"})
    assert ok.status_code == 200 and ok.content == b"hello-wechat"
    forged = client.get(URL, {**signed(token="not-our-token"), "echostr": "hello-wechat"})
    assert forged.status_code == 403 and b"hello-wechat" not in forged.content


def test_a_stale_or_forged_push_is_refused_and_changes_nothing(client, rules):
    body = xml(Content="订单", MsgId="1001")
    stale = client.post(f"{URL}?" + "&".join(f"{k}={v}" for k, v in signed(timestamp=int(time.time()) - 3600).items()),
                        data=body, content_type="text/xml")  # fmt: skip
    forged = push(client, body, signature="0" * 40)
    assert stale.status_code == forged.status_code == 403
    assert not InboundMessage.objects.exists()


def test_keyword_reply_links_to_my_orders(client, rules):
    response = push(client, xml(Content="我的订单在哪", MsgId="1002"))
    text = reply_text(response)
    assert response.status_code == 200 and text.startswith("查看我的订单：http")
    assert text.endswith("/s/shop-a/orders/")
    assert parse_message(response.content).target == "oUser1"  # the reply goes back to the sender


def test_exact_rules_win_and_unknown_text_gets_the_default_reply(client, rules):
    assert reply_text(push(client, xml(Content="退货", MsgId="1003"))) == "退货请在订单页申请"
    default = reply_text(push(client, xml(Content="你好", MsgId="1004")))
    assert "甲店" in default and "/s/shop-a/" in default
    rules.default_reply = "稍后回复您 {shop_url}"
    rules.save()
    assert reply_text(push(client, xml(Content="在吗", MsgId="1005"))).startswith("稍后回复您 http")


def test_a_retried_message_is_recorded_once_and_answered_the_same(client, rules):
    body = xml(Content="订单", MsgId="2001")
    first, second, third = (push(client, body, nonce=f"n{i}") for i in range(3))
    assert reply_text(first) == reply_text(second) == reply_text(third)
    assert InboundMessage.objects.filter(dedup_key="msg:2001").count() == 1
    # events have no MsgId: sender + creation time tell retries apart
    event = xml(
        msg_type="event", sender="oFan", created=1700000100, Event="subscribe", EventKey="qrscene_poster-1"
    )
    push(client, event)
    push(client, event)
    assert QRScan.objects.filter(scene="poster-1").count() == 1


def test_follow_by_qr_scan_records_the_scene_and_unfollow_is_kept(client, account):
    welcome = push(
        client, xml(msg_type="event", sender="oFan", Event="subscribe", EventKey="qrscene_store-counter")
    )
    assert "欢迎关注甲店" in reply_text(welcome)
    follower = Follower.objects.get(shop=account.shop, openid="oFan")
    assert follower.is_subscribed and follower.first_scene == "store-counter"
    scan = QRScan.objects.get(openid="oFan")
    assert scan.scene == "store-counter" and scan.is_new_follower

    push(client, xml(msg_type="event", sender="oFan", created=1700000200, Event="unsubscribe"))
    follower.refresh_from_db()
    assert not follower.is_subscribed and follower.unsubscribed_at is not None

    push(client, xml(msg_type="event", sender="oFan", created=1700000300, Event="subscribe"))
    push(client, xml(msg_type="event", sender="oFan", created=1700000400, Event="SCAN", EventKey="flyer-7"))
    follower.refresh_from_db()
    assert follower.is_subscribed and follower.first_scene == "store-counter"
    assert QRScan.objects.get(scene="flyer-7").is_new_follower is False

    # coming back through another channel code is a scan of that channel, not a new follower
    push(client, xml(msg_type="event", sender="oFan", created=1700000500, Event="unsubscribe"))
    push(
        client,
        xml(
            msg_type="event",
            sender="oFan",
            created=1700000600,
            Event="subscribe",
            EventKey="qrscene_poster-9",
        ),
    )
    assert QRScan.objects.get(scene="poster-9").is_new_follower is False


def test_safe_mode_round_trip(client, rules):
    """WeChat encrypts with the EncodingAESKey (AES-256-CBC) and signs the ciphertext; our reply
    comes back encrypted the same way, for the same appid."""
    wechat = WeChatCrypto(TOKEN, AES_KEY, APPID)
    params = signed(nonce="safe1")
    envelope = wechat.encrypt_message(xml(Content="订单", MsgId="3001"), params["nonce"], params["timestamp"])
    encrypted = parse_message_fields(envelope)
    response = push(
        client,
        envelope,
        nonce="safe1",
        timestamp=int(params["timestamp"]),
        encrypt_type="aes",
        msg_signature=encrypted["MsgSignature"],
    )
    assert response.status_code == 200 and b"<Encrypt>" in response.content
    reply = parse_message_fields(response.content.decode())
    plain = wechat.decrypt_message(
        response.content.decode(), reply["MsgSignature"], reply["TimeStamp"], reply["Nonce"]
    )
    assert "查看我的订单" in parse_message(plain).content


def test_safe_mode_refuses_a_bad_signature_or_another_appid(client, rules):
    params = signed(nonce="safe2")
    envelope = WeChatCrypto(TOKEN, AES_KEY, APPID).encrypt_message(xml(Content="订单", MsgId="3002"),
                                                                   params["nonce"], params["timestamp"])  # fmt: skip
    bad_sig = push(
        client,
        envelope,
        nonce="safe2",
        timestamp=int(params["timestamp"]),
        encrypt_type="aes",
        msg_signature="0" * 40,
    )
    params = signed(nonce="safe3")
    foreign = WeChatCrypto(TOKEN, AES_KEY, "wx9999999999999999").encrypt_message(
        xml(Content="订单", MsgId="3003"), params["nonce"], params["timestamp"]
    )
    other_app = push(client, foreign, nonce="safe3", timestamp=int(params["timestamp"]), encrypt_type="aes",
                     msg_signature=parse_message_fields(foreign)["MsgSignature"])  # fmt: skip
    assert bad_sig.status_code == other_app.status_code == 403
    assert not InboundMessage.objects.exists()


def test_a_signed_query_replayed_with_a_new_body_is_refused(client, rules):
    """The plain signature covers only token, timestamp and nonce: anyone who saw one push could
    send its query again with a body of their own within the 5 minutes. A nonce is remembered (per
    account, in the shared cache) for the freshness window; reusing it for another body is a 403
    that changes nothing."""
    query = signed()
    url = f"{URL}?" + "&".join(f"{k}={v}" for k, v in query.items())
    first = client.post(url, data=xml(Content="你好", MsgId="4001"), content_type="text/xml")
    assert first.status_code == 200
    forged = xml(msg_type="event", sender="oVictim", Event="unsubscribe")
    Follower.objects.create(shop=rules.shop, openid="oVictim", is_subscribed=True)
    replay = client.post(url, data=forged, content_type="text/xml")
    assert replay.status_code == 403
    assert Follower.objects.get(openid="oVictim").is_subscribed
    assert not InboundMessage.objects.filter(from_openid="oVictim").exists()
    # WeChat resending the very same push (same query, same body) is its retry: answered the same, once
    again = client.post(url, data=xml(Content="你好", MsgId="4001"), content_type="text/xml")
    assert again.status_code == 200 and reply_text(again) == reply_text(first)
    assert InboundMessage.objects.filter(dedup_key="msg:4001").count() == 1


def test_a_push_without_a_nonce_is_refused(client, rules):
    """WeChat always sends a nonce; without one there is nothing to remember, so no replay guard."""
    ts = str(int(time.time()))
    signature = hashlib.sha1("".join(sorted([TOKEN, ts, ""])).encode()).hexdigest()  # noqa: S324
    response = client.post(f"{URL}?timestamp={ts}&nonce=&signature={signature}", data=xml(Content="你好", MsgId="4201"),
                           content_type="text/xml")  # fmt: skip
    assert response.status_code == 403 and not InboundMessage.objects.exists()


def test_nonces_are_remembered_per_account(client, rules):
    from tests.factories import ShopFactory
    from wechat.models import WeChatAccount

    shop_b = ShopFactory(slug="shop-b")
    WeChatAccount.objects.create(shop=shop_b, appid="wx3333333333333333", secret="s", token=TOKEN)
    query = "&".join(f"{k}={v}" for k, v in signed(nonce="shared-nonce").items())
    a = client.post(f"{URL}?{query}", data=xml(Content="你好", MsgId="4101"), content_type="text/xml")
    b = client.post(
        f"/wechat/shop-b/callback/?{query}", data=xml(Content="在吗", MsgId="4102"), content_type="text/xml"
    )
    assert a.status_code == b.status_code == 200


def test_safe_mode_refuses_a_reused_nonce_for_another_message(client, rules):
    wechat = WeChatCrypto(TOKEN, AES_KEY, APPID)
    params = signed(nonce="safe4")
    answers = []
    for msg_id in ("3101", "3102"):
        envelope = wechat.encrypt_message(
            xml(Content="订单", MsgId=msg_id), params["nonce"], params["timestamp"]
        )
        answers.append(push(client, envelope, nonce="safe4", timestamp=int(params["timestamp"]), encrypt_type="aes",
                            msg_signature=parse_message_fields(envelope)["MsgSignature"]))  # fmt: skip
    assert [a.status_code for a in answers] == [200, 403]
    assert list(InboundMessage.objects.values_list("dedup_key", flat=True)) == ["msg:3101"]


def test_garbage_gets_a_clear_400(client, account):
    assert push(client, "<xml><oops").status_code == 400
    assert push(client, "not xml at all").status_code == 400


def test_unknown_shop_is_404(client, account):
    assert client.get("/wechat/nope-shop/callback/", signed()).status_code == 404


def parse_message_fields(text: str) -> dict[str, str]:
    import xmltodict

    return dict(xmltodict.parse(text)["xml"])
