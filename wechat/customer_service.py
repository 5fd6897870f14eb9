"""Customer-service messages (客服消息) of the official account, and the merchant's inbox.

WeChat lets an account send a follower free-form messages (``POST /cgi-bin/message/custom/send``)
only within 48 hours of that follower's last interaction: a message they sent, a tap on a
``click`` (or scan-code) menu button, a follow, a scan of the account's QR code. Outside it WeChat
answers errcode 45015 (and 43004 to someone who does not follow). The message callback records
each interaction on the ``Follower`` row (``interaction_record``) and every message into the
follower's ``Conversation``; the inbox in admin answers from there (``inbox_reply_send``), and
crm's campaigns send their text through ``cs_text_send`` to followers inside their window.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from wechatpy.exceptions import WeChatException

from core.errors import ApplicationError
from shop.models import Shop
from wechat.client import account_client
from wechat.models import (
    Conversation,
    CustomerServiceMessage,
    Follower,
    InboundMessage,
    WeChatAccount,
    WeChatIdentity,
)

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=48)
# Pushes that open (or reopen) the 48-hour window, as WeChat's rules list them: any message, a
# follow, a scan, and taps on menu buttons of the kinds that push an event to the account
# ("view" buttons only open a page and do not count; nor do location reports or an unfollow).
INTERACTION_EVENTS = frozenset(
    {"subscribe", "subscribe_scan", "scan", "click", "scancode_push", "scancode_waitmsg"}
)
WINDOW_CLOSED = 45015  # "response out of time limit or subscription is canceled"
NOT_FOLLOWING = 43004  # "require subscribe"
MAX_REPLY_CHARS = 600  # WeChat takes up to 2048 bytes of text: 600 Chinese characters fit


def interaction_record(*, account: WeChatAccount, message: InboundMessage) -> None:
    """Called by the message callback inside its transaction, after the push is recorded (and after
    a follow wrote its ``Follower`` row): stamps the follower's last interaction, and puts a
    message (not an event) into their conversation as unread."""
    now = message.created_at or timezone.now()
    openid = message.from_openid
    counts = message.msg_type != InboundMessage.MsgType.EVENT or message.event in INTERACTION_EVENTS
    if counts:
        stamped = Follower.objects.filter(shop_id=account.shop_id, openid=openid).update(
            last_interaction_at=now, updated_at=now
        )
        if not stamped:  # someone who followed before the shop connected its account writes in
            try:
                with transaction.atomic():
                    Follower.objects.create(shop_id=account.shop_id, openid=openid, last_interaction_at=now)
            except IntegrityError:
                Follower.objects.filter(shop_id=account.shop_id, openid=openid).update(
                    last_interaction_at=now
                )
    if message.msg_type == InboundMessage.MsgType.EVENT:
        return
    preview = message.preview[:60]
    updated = Conversation.objects.filter(shop_id=account.shop_id, openid=openid).update(
        last_message_at=now, last_message_preview=preview, unread_count=F("unread_count") + 1, updated_at=now
    )
    if updated:
        return
    try:
        with transaction.atomic():
            Conversation.objects.create(
                shop_id=account.shop_id, openid=openid, last_message_at=now,
                last_message_preview=preview, unread_count=1,
            )  # fmt: skip
    except IntegrityError:  # two messages of a new follower at once: the other made it
        Conversation.objects.filter(shop_id=account.shop_id, openid=openid).update(
            last_message_at=now, last_message_preview=preview, unread_count=F("unread_count") + 1
        )


def window_open(*, last_interaction_at: datetime | None, now: datetime | None = None) -> bool:
    """Whether WeChat still takes customer-service messages to this follower."""
    return last_interaction_at is not None and last_interaction_at > (now or timezone.now()) - WINDOW


def window_closes_at(last_interaction_at: datetime | None) -> datetime | None:
    return last_interaction_at + WINDOW if last_interaction_at else None


@dataclass(frozen=True)
class SendResult:
    """What WeChat said to one customer-service message: ``errcode`` 0 is sent; a network failure
    has ``errcode`` None and says so in ``error``."""

    errcode: int | None
    error: str = ""

    @property
    def sent(self) -> bool:
        return self.errcode == 0


def cs_text_send(*, account: WeChatAccount, openid: str, content: str) -> SendResult:
    """One text customer-service message (``message/custom/send``, ``msgtype`` text) through the
    account's client. Never raises for WeChat's or the network's answer: the caller records it."""
    try:
        account_client(account).message.send_text(openid, content)
    except WeChatException as exc:
        return SendResult(errcode=int(exc.errcode or -1), error=f"{exc.errcode} {exc.errmsg}"[:255])
    except (requests.RequestException, ValueError) as exc:
        return SendResult(errcode=None, error=f"{exc.__class__.__name__}: {exc}"[:255])
    except ApplicationError as exc:  # simulator_off, wechat_unavailable (token)
        return SendResult(errcode=None, error=exc.message[:255])
    return SendResult(errcode=0)


def refusal_text(result: SendResult) -> str:
    """A failed send in the merchant's words."""
    if result.errcode == WINDOW_CLOSED:
        return _("微信拒绝：已超过 48 小时客服消息时限（45015）。顾客再次给公众号发消息后才能回复。")
    if result.errcode == NOT_FOLLOWING:
        return _("微信拒绝：顾客已取消关注公众号（43004）。")
    if result.errcode is None:
        return _("连接微信失败，请稍后重试：%(e)s") % {"e": result.error}
    return _("微信返回错误：%(e)s") % {"e": result.error}


# ---------------------------------------------------------------- the inbox


def conversation_get(*, shop: Shop, conversation_id: int) -> Conversation:
    conversation = Conversation.objects.filter(shop=shop, pk=conversation_id).first()
    if conversation is None:
        raise ApplicationError("conversation_not_found", _("没有这个对话。"), http_status=404)
    return conversation


def conversation_mark(*, shop: Shop, conversation_ids: list[int], read: bool) -> int:
    """Mark conversations read (their unread count goes to 0) or unread again (at least 1)."""
    conversations = Conversation.objects.filter(shop=shop, pk__in=conversation_ids)
    if read:
        return conversations.update(unread_count=0, last_read_at=timezone.now())
    return conversations.filter(unread_count=0).update(unread_count=1)


def follower_window(*, shop_id: int, openid: str) -> tuple[bool, datetime | None]:
    """(still within the 48 hours?, when it closes) for one follower of the shop."""
    follower = Follower.objects.filter(shop_id=shop_id, openid=openid).first()
    if follower is None or not follower.is_subscribed:
        return False, None
    return window_open(last_interaction_at=follower.last_interaction_at), window_closes_at(
        follower.last_interaction_at
    )


def inbox_reply_send(
    *, shop: Shop, conversation_id: int, content: str, sender: Any = None
) -> CustomerServiceMessage:
    """The merchant's reply to a follower: checked (text, the 48-hour window), sent to WeChat with
    no transaction open, then stored with WeChat's answer (a refusal too, so the thread shows it).
    Raises ``reply_empty``, ``reply_too_long``, ``cs_window_closed`` or ``wechat_not_configured``
    before anything is sent."""
    conversation = conversation_get(shop=shop, conversation_id=conversation_id)
    text = (content or "").strip()
    if not text:
        raise ApplicationError(
            "reply_empty", _("请输入回复内容。"), fields={"content": _("请输入回复内容。")}
        )
    if len(text) > MAX_REPLY_CHARS:
        message = _("回复最多 %(n)d 个字。") % {"n": MAX_REPLY_CHARS}
        raise ApplicationError("reply_too_long", message, fields={"content": message})
    is_open, _closes = follower_window(shop_id=shop.pk, openid=conversation.openid)
    if not is_open:
        raise ApplicationError(
            "cs_window_closed",
            _("顾客最近 48 小时内没有与公众号互动，微信不允许主动发送客服消息；顾客再次发消息后即可回复。"),
            http_status=409,
        )
    account = WeChatAccount.objects.filter(shop=shop).first()
    if account is None:
        raise ApplicationError("wechat_not_configured", _("请先配置店铺的公众号。"))
    result = cs_text_send(account=account, openid=conversation.openid, content=text)
    if not result.sent:
        logger.info("inbox reply to %s refused: %s", conversation.openid, result.error)
    reply = CustomerServiceMessage.objects.create(
        shop=shop, conversation=conversation, openid=conversation.openid, content=text,
        status=CustomerServiceMessage.Status.SENT if result.sent else CustomerServiceMessage.Status.FAILED,
        errcode=result.errcode, error="" if result.sent else refusal_text(result)[:255],
        sent_by=sender if getattr(sender, "pk", None) else None,
    )  # fmt: skip
    now = timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_at=now, last_message_preview=_("[回复] %(t)s") % {"t": text[:50]},
        unread_count=0, last_read_at=now, updated_at=now,
    )  # fmt: skip
    return reply


@dataclass(frozen=True)
class ThreadItem:
    """One line of a conversation as the inbox shows it."""

    at: datetime
    mine: bool  # the shop's reply (True) or the follower's message/event
    text: str
    is_event: bool = False
    failed: bool = False
    error: str = ""
    sender: str = ""


THREAD_LENGTH = 100


def conversation_thread(*, conversation: Conversation) -> list[ThreadItem]:
    """The conversation's last ``THREAD_LENGTH`` messages and replies, oldest first (two queries)."""
    inbound = InboundMessage.objects.filter(
        shop_id=conversation.shop_id, from_openid=conversation.openid
    ).order_by("-created_at", "-id")[:THREAD_LENGTH]
    replies = conversation.replies.select_related("sent_by").order_by("-created_at", "-id")[:THREAD_LENGTH]
    items = [
        ThreadItem(
            at=m.created_at, mine=False, text=m.preview, is_event=m.msg_type == InboundMessage.MsgType.EVENT
        )
        for m in inbound
    ]
    items += [
        ThreadItem(
            at=r.created_at, mine=True, text=r.content, failed=r.status == CustomerServiceMessage.Status.FAILED,
            error=r.error, sender=str(r.sent_by) if r.sent_by else "",
        )
        for r in replies
    ]  # fmt: skip
    items.sort(key=lambda item: item.at)
    return items[-THREAD_LENGTH:]


def follower_names(*, shop_id: int, openids: list[str]) -> dict[str, str]:
    """{openid: the shopper's nickname} for openids of the shop's account known as shoppers (one
    query)."""
    account = WeChatAccount.objects.filter(shop_id=shop_id).only("appid").first()
    if account is None or not openids:
        return {}
    rows = WeChatIdentity.objects.filter(appid=account.appid, openid__in=openids).values_list(
        "openid", "nickname", "user__nickname"
    )
    return {openid: (nickname or user_nickname or "") for openid, nickname, user_nickname in rows}
