"""The merchant's inbox (客服消息): followers' messages make conversations, newest first, unread
until opened; the callback keeps each follower's 48-hour customer-service window; a reply goes out
as a customer-service message inside the window only (WeChat's 45015 is shown as such), is stored
and shown in the thread; another shop's merchant sees and sends nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.devtools import hooks
from tests.factories import ShopperFactory
from tests.wechat.conftest import APPID
from tests.wechat.test_message_callback import push, xml
from wechat.models import Conversation, CustomerServiceMessage, Follower, WeChatIdentity

CHANGELIST = reverse("admin:wechat_conversation_changelist")


def thread_url(conversation: Conversation) -> str:
    return reverse("admin:wechat_conversation_change", args=[conversation.pk])


def reply_url(conversation: Conversation) -> str:
    return reverse("admin:wechat_conversation_reply", args=[conversation.pk])


def write(client, sender: str, text: str, msg_id: str):
    return push(client, xml(sender=sender, Content=text, MsgId=msg_id))


@pytest.mark.django_db
def test_messages_open_conversations_and_interactions_open_the_window(client, account):
    write(client, "oFan1", "围巾还有货吗？", "2001")
    follower = Follower.objects.get(openid="oFan1")
    first = follower.last_interaction_at
    assert follower.is_subscribed and first is not None  # a follower from before the shop connected
    conversation = Conversation.objects.get(openid="oFan1")
    assert (conversation.unread_count, conversation.last_message_preview) == (1, "围巾还有货吗？")

    push(client, xml(sender="oFan1", msg_type="image", PicUrl="http://x/p.jpg", MediaId="m1", MsgId="2002"))
    conversation.refresh_from_db()
    assert (conversation.unread_count, conversation.last_message_preview) == (2, "[图片]")

    push(client, xml(sender="oFan1", msg_type="event", Event="CLICK", EventKey="menu"))  # counts for WeChat
    follower.refresh_from_db()
    clicked = follower.last_interaction_at
    assert clicked >= first
    Follower.objects.filter(pk=follower.pk).update(last_interaction_at=first - timedelta(hours=1))
    push(
        client, xml(sender="oFan1", msg_type="event", Event="VIEW", EventKey="http://x/", created=1700000001)
    )
    follower.refresh_from_db()
    assert follower.last_interaction_at == first - timedelta(hours=1)  # opening a menu link does not
    conversation.refresh_from_db()
    assert conversation.unread_count == 2  # events are not messages of the conversation

    push(client, xml(sender="oNew", msg_type="event", Event="subscribe"))
    assert Follower.objects.get(openid="oNew").last_interaction_at is not None
    assert not Conversation.objects.filter(openid="oNew").exists()


@pytest.mark.django_db
def test_the_inbox_lists_newest_first_and_opening_marks_read(client, account, merchant_a):
    write(client, "oOld", "早上的问题", "3001")
    write(client, "oNew", "刚刚的问题", "3002")
    Conversation.objects.filter(openid="oOld").update(last_message_at=timezone.now() - timedelta(hours=2))
    shopper = ShopperFactory(nickname="小王")
    WeChatIdentity.objects.create(user=shopper, kind="account", appid=APPID, openid="oNew")
    client.force_login(merchant_a)
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    listed = [c.openid for c in page.context["cl"].result_list]
    assert listed == ["oNew", "oOld"]
    html = page.content.decode()
    assert shopper.nickname in html and "可回复" in html and "weishop-unread" in html

    conversation = Conversation.objects.get(openid="oNew")
    thread = client.get(thread_url(conversation))
    assert thread.status_code == 200 and "刚刚的问题" in thread.content.decode()
    conversation.refresh_from_db()
    assert conversation.unread_count == 0 and conversation.last_read_at is not None
    client.post(CHANGELIST, {"action": "mark_unread", "_selected_action": [conversation.pk]})
    conversation.refresh_from_db()
    assert conversation.unread_count == 1
    unread = client.get(CHANGELIST, {"unread": "1"})
    assert [c.openid for c in unread.context["cl"].result_list] == ["oNew", "oOld"]


@pytest.mark.django_db(transaction=True)
def test_a_reply_inside_the_window_is_sent_stored_and_shown(sim, client, account, merchant_a):
    write(client, "oFan2", "请问几天发货？", "4001")
    hooks.follower_interacted(APPID, "oFan2")  # WeChat saw the same message
    conversation = Conversation.objects.get(openid="oFan2")
    client.force_login(merchant_a)
    page = client.get(thread_url(conversation)).content.decode()
    assert "本对话可回复至" in page and "disabled" not in page.split('id="reply"')[1]
    response = client.post(reply_url(conversation), {"content": "今天下午就发，顺丰包邮。"})
    assert response.status_code == 302
    (message,) = hooks.custom_messages(APPID)
    assert message == {"touser": "oFan2", "msgtype": "text", "text": {"content": "今天下午就发，顺丰包邮。"}}
    reply = CustomerServiceMessage.objects.get()
    assert (reply.status, reply.sent_by, reply.conversation) == ("sent", merchant_a, conversation)
    page = client.get(thread_url(conversation)).content.decode()
    assert "今天下午就发，顺丰包邮。" in page and "已发送" in page
    conversation.refresh_from_db()
    assert conversation.last_message_preview.startswith("[回复]")


@pytest.mark.django_db(transaction=True)
def test_outside_the_window_the_form_is_disabled_and_a_reply_refused(sim, client, account, merchant_a):
    write(client, "oFan3", "在吗", "5001")
    Follower.objects.filter(openid="oFan3").update(last_interaction_at=timezone.now() - timedelta(hours=49))
    conversation = Conversation.objects.get(openid="oFan3")
    client.force_login(merchant_a)
    page = client.get(thread_url(conversation)).content.decode()
    form = page.split('id="reply"')[1]
    assert "disabled" in form and "微信不允许主动发送客服消息" in form
    response = client.post(reply_url(conversation), {"content": "您好"})
    assert response.status_code == 200 and "48 小时" in response.content.decode()
    assert hooks.custom_messages() == [] and not CustomerServiceMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_wechat_answering_45015_is_shown_as_such(sim, client, account, merchant_a):
    write(client, "oFan4", "还在吗", "6001")  # our records: inside the window ...
    hooks.follower_interacted(APPID, "oFan4", hours_ago=50)  # ... WeChat's: outside
    conversation = Conversation.objects.get(openid="oFan4")
    client.force_login(merchant_a)
    response = client.post(reply_url(conversation), {"content": "在的"}, follow=True)
    page = response.content.decode()
    assert "45015" in page and "48 小时" in page
    reply = CustomerServiceMessage.objects.get()
    assert (reply.status, reply.errcode) == ("failed", 45015)
    assert "未送达" in client.get(thread_url(conversation)).content.decode()
    assert hooks.custom_messages() == []


@pytest.mark.django_db
def test_an_empty_or_too_long_reply_is_refused_in_chinese(client, account, merchant_a):
    write(client, "oFan5", "你好", "7001")
    conversation = Conversation.objects.get(openid="oFan5")
    client.force_login(merchant_a)
    empty = client.post(reply_url(conversation), {"content": "  "})
    assert "请输入回复内容" in empty.content.decode()
    long = client.post(reply_url(conversation), {"content": "好" * 601})
    assert "最多 600 个字" in long.content.decode()
    assert not CustomerServiceMessage.objects.exists()


@pytest.mark.django_db
def test_another_shops_merchant_neither_reads_nor_replies(client, account, merchant_b):
    write(client, "oFan6", "甲的顾客的问题", "8001")
    conversation = Conversation.objects.get(openid="oFan6")
    client.force_login(merchant_b)
    assert "甲的顾客的问题" not in client.get(CHANGELIST).content.decode()
    assert client.get(thread_url(conversation)).status_code == 302
    response = client.post(reply_url(conversation), {"content": "乙回复"})
    assert response.status_code == 302 and not CustomerServiceMessage.objects.exists()
    client.post(CHANGELIST, {"action": "mark_read", "_selected_action": [conversation.pk]})
    conversation.refresh_from_db()
    assert conversation.unread_count == 1
