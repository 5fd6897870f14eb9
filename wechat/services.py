"""Use cases of the shop's official account: menu, channel QR codes, and the message callback."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import requests
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wechatpy.exceptions import WeChatException

from core.errors import ApplicationError
from shop.models import Shop
from wechat import customer_service, ports
from wechat.client import account_client
from wechat.models import AutoReplyRule, ChannelQRCode, Follower, InboundMessage, QRScan, WeChatAccount

logger = logging.getLogger(__name__)

ACCOUNT_CACHE_SECONDS = 300


def account_for_shop(*, shop_slug: str) -> WeChatAccount | None:
    """The shop's official account, if it has one (active shops only)."""
    return (
        WeChatAccount.objects.select_related("shop")
        .filter(shop__slug=shop_slug, shop__is_active=True)
        .first()
    )


def shop_has_account(*, shop_slug: str) -> bool:
    """Cached: asked by the login middleware on WeChat page views."""
    key = f"wechat:has-account:{shop_slug}"
    found: bool | None = cache.get(key)
    if found is None:
        found = WeChatAccount.objects.filter(shop__slug=shop_slug, shop__is_active=True).exists()
        cache.set(key, found, ACCOUNT_CACHE_SECONDS)
    return found


def account_changed(*, shop: Shop) -> None:
    cache.delete(f"wechat:has-account:{shop.slug}")


def wechat_error(exc: Exception) -> ApplicationError:
    """What a merchant or shopper is told when WeChat (or the network to it) says no."""
    detail = f"{exc.errcode} {exc.errmsg}" if isinstance(exc, WeChatException) else exc.__class__.__name__
    logger.warning("WeChat call failed: %s", detail)
    return ApplicationError("wechat_error", _("微信接口返回错误：%(d)s") % {"d": detail}, http_status=502)


# ---------------------------------------------------------------- menu


def _utf8_len(text: str) -> int:
    return len(text.encode())


def menu_build(*, account: WeChatAccount, site_url: str) -> dict[str, Any]:
    """The account menu: 逛店 (home, categories, top categories), 我的订单, 会员中心 (the member page
    an app offers through ``wechat.ports.menu_member_page``, me, addresses, service, the
    mini-program when configured). URLs are absolute on ``site_url``."""
    shop = account.shop

    def url(name: str, *args: Any) -> str:
        return f"{site_url}{reverse(name, args=[shop.slug, *args])}"

    from catalog.models import Category

    browse = [
        {"type": "view", "name": _("店铺首页"), "url": url("h5:home")},
        {"type": "view", "name": _("全部分类"), "url": url("h5:categories")},
    ]
    top = Category.objects.filter(shop=shop, parent=None, is_active=True).order_by("position", "id")[:3]
    browse.extend({"type": "view", "name": c.name[:20], "url": url("h5:category", c.pk)} for c in top)
    member = [
        {"type": "view", "name": _("个人中心"), "url": url("h5:me")},
        {"type": "view", "name": _("收货地址"), "url": url("h5:addresses")},
        {"type": "view", "name": _("联系客服"), "url": url("h5:about")},
    ]
    if page := ports.menu_member_page(shop=shop):  # crm's 会员中心 (level and points), through the port
        member.insert(0, {"type": "view", "name": page[0][:20], "url": f"{site_url}{page[1]}"})
    if account.miniprogram_appid:
        member.insert(0, {
            "type": "miniprogram", "name": _("小程序商城"), "url": url("h5:home"),
            "appid": account.miniprogram_appid, "pagepath": account.miniprogram_home or "pages/index/index",
        })  # fmt: skip
    menu = {
        "button": [
            {"name": _("逛店"), "sub_button": browse[:5]},
            {"type": "view", "name": _("我的订单"), "url": url("h5:orders")},
            {"name": _("会员中心"), "sub_button": member[:5]},
        ]
    }
    menu_check(menu)
    return menu


def menu_check(menu: dict[str, Any]) -> None:
    """WeChat's limits: ≤3 top buttons, ≤5 sub-buttons, names ≤16/≤60 bytes, URLs ≤1024 bytes."""
    problems = []
    buttons = menu["button"]
    if len(buttons) > 3:
        problems.append(_("一级菜单最多 3 个"))
    for button in buttons:
        if _utf8_len(button["name"]) > 16:
            problems.append(_("一级菜单“%(n)s”超过 16 字节") % {"n": button["name"]})
        subs = button.get("sub_button", [])
        if len(subs) > 5:
            problems.append(_("“%(n)s”的子菜单最多 5 个") % {"n": button["name"]})
        for sub in [button, *subs]:
            if sub is not button and _utf8_len(sub["name"]) > 60:
                problems.append(_("子菜单“%(n)s”超过 60 字节") % {"n": sub["name"]})
            if _utf8_len(sub.get("url", "")) > 1024:
                problems.append(_("“%(n)s”的链接超过 1024 字节") % {"n": sub["name"]})
    if problems:
        raise ApplicationError("menu_invalid", "；".join(problems))


def menu_publish(*, account: WeChatAccount, site_url: str) -> dict[str, Any]:
    """Send the menu to WeChat (``menu/create``); returns what was sent."""
    if not site_url.startswith("https://") and account.mode == WeChatAccount.Mode.LIVE:
        raise ApplicationError("menu_needs_https", _("公众号菜单的链接必须是 https：请设置 PUBLIC_URL。"))
    menu = menu_build(account=account, site_url=site_url)
    try:
        account_client(account).menu.create(menu)
    except (WeChatException, requests.RequestException) as exc:
        raise wechat_error(exc) from exc
    account.menu_published_at = timezone.now()
    account.save(update_fields=["menu_published_at", "updated_at"])
    return menu


def menu_json(menu: dict[str, Any]) -> str:
    return json.dumps(menu, ensure_ascii=False, indent=2)


# ---------------------------------------------------------------- channel QR codes


def qrcode_issue(*, qrcode: ChannelQRCode) -> ChannelQRCode:
    """Ask WeChat for the parametric QR code of this channel (``qrcode/create``)."""
    account = WeChatAccount.objects.filter(shop_id=qrcode.shop_id).first()
    if account is None:
        raise ApplicationError("wechat_not_configured", _("请先配置店铺的公众号。"))
    client = account_client(account)
    try:
        data: dict[str, Any]
        if qrcode.is_permanent:
            data = {
                "action_name": "QR_LIMIT_STR_SCENE",
                "action_info": {"scene": {"scene_str": qrcode.scene}},
            }
        else:
            seconds = min(max(int(qrcode.expire_days), 1), 30) * 86400
            data = {"expire_seconds": seconds, "action_name": "QR_STR_SCENE",
                    "action_info": {"scene": {"scene_str": qrcode.scene}}}  # fmt: skip
        result = client.qrcode.create(data)
    except (WeChatException, requests.RequestException) as exc:
        raise wechat_error(exc) from exc
    qrcode.ticket = result["ticket"]
    qrcode.url = result["url"]
    qrcode.expires_at = (
        timezone.now() + timedelta(seconds=int(result["expire_seconds"]))
        if result.get("expire_seconds")
        else None
    )
    qrcode.save(update_fields=["ticket", "url", "expires_at", "updated_at"])
    return qrcode


# ---------------------------------------------------------------- message callback


def _links(account: WeChatAccount, site_url: str) -> dict[str, str]:
    slug = account.shop.slug
    return {
        "shop_url": f"{site_url}{reverse('h5:home', args=[slug])}",
        "orders_url": f"{site_url}{reverse('h5:orders', args=[slug])}",
        "me_url": f"{site_url}{reverse('h5:me', args=[slug])}",
    }


def _fill(text: str, links: dict[str, str]) -> str:
    for name, value in links.items():
        text = text.replace("{" + name + "}", value)
    return text


def _dedup_key(message: Any) -> str:
    """WeChat retries an unanswered push 3 times: messages carry ``MsgId``; events are told apart by
    sender + creation time (+ event, as one click can push two events in the same second)."""
    if message.id:
        return f"msg:{message.id}"
    return f"evt:{message.source}:{message.time}:{getattr(message, 'event', '')}"


def message_handle(*, account: WeChatAccount, message: Any, site_url: str) -> str:
    """Record a pushed message or event once and return the text to answer with ("" = no reply).
    A retry of the same push gets the same answer and changes nothing."""
    key = _dedup_key(message)
    previous = InboundMessage.objects.filter(shop_id=account.shop_id, dedup_key=key).first()
    if previous is not None:
        return previous.reply
    event = getattr(message, "event", "") or ""
    content = getattr(message, "content", "") or ""
    try:
        with transaction.atomic():
            record = InboundMessage.objects.create(
                shop_id=account.shop_id, dedup_key=key, from_openid=message.source[:64],
                msg_type=message.type[:32], event=event[:32], content=content[:2000],
            )  # fmt: skip
            reply = _react(account=account, message=message, event=event, content=content, site_url=site_url)
            # the 48-hour customer-service window and the inbox (wechat/customer_service.py)
            customer_service.interaction_record(account=account, message=record)
            record.reply = reply
            record.save(update_fields=["reply"])
    except IntegrityError:  # a retry raced the first delivery
        previous = InboundMessage.objects.filter(shop_id=account.shop_id, dedup_key=key).first()
        return previous.reply if previous else ""
    return reply


def _react(*, account: WeChatAccount, message: Any, event: str, content: str, site_url: str) -> str:
    links = _links(account, site_url)
    openid = message.source[:64]
    now = timezone.now()
    if event in ("subscribe", "subscribe_scan"):
        scene = str(getattr(message, "scene_id", "") or "")[:64]
        follower, created = Follower.objects.get_or_create(
            shop_id=account.shop_id, openid=openid, defaults={"subscribed_at": now, "first_scene": scene}
        )
        if not created:
            follower.is_subscribed = True
            follower.subscribed_at = now
            follower.first_scene = follower.first_scene or scene
            follower.save(update_fields=["is_subscribed", "subscribed_at", "first_scene", "updated_at"])
        if scene:
            QRScan.objects.create(
                shop_id=account.shop_id, openid=openid, scene=scene, is_new_follower=created
            )
        welcome = account.welcome_message or _(
            "欢迎关注{shop}！点击菜单“逛店”开始购物，回复“订单”查看我的订单。\n{shop_url}"
        ).replace("{shop}", account.shop.name)
        # the follow port (wechat/ports.py): apps above hear it here, in this transaction
        lines = ports.follow_listeners_run(
            account=account, openid=openid, followed_at=now, first_time=created, scene=scene
        )
        return _fill("\n".join([welcome, *lines]), links)
    if event == "unsubscribe":
        Follower.objects.update_or_create(
            shop_id=account.shop_id, openid=openid, defaults={"is_subscribed": False, "unsubscribed_at": now}
        )
        ports.unfollow_listeners_run(account=account, openid=openid, unfollowed_at=now)  # apps above hear it
        return ""  # WeChat delivers nothing to someone who just left
    if event == "scan":
        scene = str(getattr(message, "scene_id", "") or "")[:64]
        if scene:
            QRScan.objects.create(shop_id=account.shop_id, openid=openid, scene=scene, is_new_follower=False)
        return _fill(_("欢迎回来！\n{shop_url}"), links)
    if message.type == "text":
        return _fill(keyword_reply(account=account, text=content), links)
    if message.type == "event":
        return ""  # menu clicks on view buttons, location reports...: nothing to say
    return _fill(account.default_reply or default_reply(account), links)


def default_reply(account: WeChatAccount) -> str:
    return _("您好，这里是{shop}。回复“订单”查看我的订单，或点击菜单进入店铺：{shop_url}").replace(
        "{shop}", account.shop.name
    )


def keyword_reply(*, account: WeChatAccount, text: str) -> str:
    """The first active rule that matches (exact rules before "contains" rules, then by position),
    else the account's default reply."""
    text = text.strip()
    rules = AutoReplyRule.objects.filter(shop_id=account.shop_id, is_active=True).order_by("position", "id")
    exact = [r for r in rules if r.match == AutoReplyRule.Match.EXACT and r.keyword == text]
    contains = [r for r in rules if r.match == AutoReplyRule.Match.CONTAINS and r.keyword in text]
    for rule in exact or contains:
        return rule.reply
    return account.default_reply or default_reply(account)
