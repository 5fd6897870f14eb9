"""wechat's part of a shopper's privacy (accounts' privacy port, docs/privacy.md).

- **Export** (the shop's official account and mini-program): the WeChat identities under the
  shop's appids (openid, unionid, the nickname and avatar they chose to show; never the session
  key), their follow of the account, their QR-code scans, the messages they sent the account and
  its replies, their subscribe-message acceptances, and the order notifications sent to them.
- **Eraser**: every WeChat identity of the user goes (so the same WeChat signs up as a new shopper
  next time), and with them what links a WeChat user to the person: the follower rows, scans and
  inbound messages of their openids, their subscribe-message acceptances, and the order
  notifications sent to them (each carries the openid and the order's details).
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.privacy import local_time
from shop.models import Shop
from wechat.models import (
    Conversation,
    CustomerServiceMessage,
    Follower,
    InboundMessage,
    MessageSubscription,
    Notification,
    QRScan,
    WeChatAccount,
    WeChatIdentity,
)


def _account_openid_q(user: User, *, field: str = "openid", shop: Shop | None = None) -> Q | None:
    """Rows of an official account's (``shop``'s, or any) under one of the user's openids there:
    ``Q(shop__wechat_account__appid=<appid>, <field>=<openid>) | ...``; None when there are none."""
    identities = WeChatIdentity.objects.filter(user=user, kind=WeChatIdentity.Kind.ACCOUNT)
    if shop is not None:
        identities = identities.filter(appid__in=WeChatAccount.objects.filter(shop=shop).values("appid"))
    pairs = list(identities.values_list("appid", "openid"))
    if not pairs:
        return None
    return reduce(or_, (Q(shop__wechat_account__appid=appid, **{field: openid}) for appid, openid in pairs))


def wechat_export(user: User, shop: Shop) -> dict[str, Any]:
    account = WeChatAccount.objects.filter(shop=shop).first()
    appids = {a for a in (account.appid, account.miniprogram_appid) if a} if account is not None else set()
    identities = WeChatIdentity.objects.filter(user=user, appid__in=appids).order_by("pk")
    follows = _account_openid_q(user, shop=shop)
    messages = _account_openid_q(user, field="from_openid", shop=shop)
    followers = (
        Follower.objects.filter(follows, shop=shop).order_by("pk") if follows else Follower.objects.none()
    )
    scans = QRScan.objects.filter(follows, shop=shop).order_by("pk") if follows else QRScan.objects.none()
    inbound = (
        InboundMessage.objects.filter(messages, shop=shop).order_by("pk")
        if messages
        else InboundMessage.objects.none()
    )
    return {
        _("微信身份"): [
            {
                _("来源"): i.get_kind_display(),
                _("AppID"): i.appid,
                _("OpenID"): i.openid,
                _("UnionID"): i.unionid,
                _("微信昵称"): i.nickname,
                _("微信头像"): i.avatar_url,
                _("首次登录"): local_time(i.created_at),
            }
            for i in identities
        ],
        _("公众号关注"): [
            {
                _("关注中"): f.is_subscribed,
                _("关注时间"): local_time(f.subscribed_at),
                _("取消关注时间"): local_time(f.unsubscribed_at),
                _("首次关注来源"): f.first_scene,
            }
            for f in followers
        ],
        _("扫码记录"): [{_("场景值"): s.scene, _("扫码时间"): local_time(s.created_at)} for s in scans],
        _("发给公众号的消息"): [
            {
                _("收到时间"): local_time(m.created_at),
                _("类型"): m.get_event_display() if m.event else m.get_msg_type_display(),
                _("内容"): m.content,
                _("回复"): m.reply,
            }
            for m in inbound
        ],
        _("商家的客服回复"): [
            {_("发送时间"): local_time(m.created_at), _("内容"): m.content, _("状态"): m.get_status_display()}
            for m in (
                CustomerServiceMessage.objects.filter(follows, shop=shop).order_by("pk")
                if follows
                else CustomerServiceMessage.objects.none()
            )
        ],
        _("订阅消息授权"): [
            {_("模板"): s.template_id, _("可发送次数"): s.remaining}
            for s in MessageSubscription.objects.filter(user=user, shop=shop).order_by("pk")
        ],
        _("订单通知"): [
            {
                _("订单号"): n.order.order_no,
                _("事件"): n.get_event_display(),
                _("渠道"): n.get_channel_display(),
                _("状态"): n.get_status_display(),
                _("发送时间"): local_time(n.sent_at),
            }
            for n in Notification.objects.filter(order__user=user, shop=shop)
            .select_related("order")
            .order_by("pk")
        ],
    }


def wechat_erase(user: User) -> None:
    if (follows := _account_openid_q(user)) is not None:
        Follower.objects.filter(follows).delete()
        QRScan.objects.filter(follows).delete()
        Conversation.objects.filter(follows).delete()  # the inbox thread; its replies go with it
        CustomerServiceMessage.objects.filter(follows).delete()
    if (messages := _account_openid_q(user, field="from_openid")) is not None:
        InboundMessage.objects.filter(messages).delete()
    Notification.objects.filter(order__user=user).delete()
    MessageSubscription.objects.filter(user=user).delete()
    WeChatIdentity.objects.filter(user=user).delete()


def privacy_ready() -> None:
    from accounts.ports import privacy_register

    privacy_register("wechat", section=gettext_lazy("微信"), export=wechat_export, erase=wechat_erase)
