"""Ports of ``wechat`` that an app above it fills in its ``AppConfig.ready()``
(docs/architecture.md#layers-and-ports): what happens on the shop's official account reaches
promotions (and later CRM, marketing) without wechat importing them.

- **Follows** (``follow_listener_register``): ``fn(*, account, openid, followed_at, first_time,
  scene) -> str | None``, called by the message callback for every ``subscribe`` push, after the
  ``Follower`` row is written and inside the callback's transaction (so what a listener writes is
  committed with the follow, exactly once: WeChat's retries are answered from the stored reply and
  call nobody again). ``first_time`` is true only for the first follow of this shop's account ever
  (no ``Follower`` row before, not even from an unsubscribe); a re-follow is heard with ``False``.
  ``scene`` is the channel QR code's scene value ("" without one). A listener may return one line
  for the follower (it is added to the 关注回复, and ``{shop_url}``, ``{orders_url}``, ``{me_url}``
  in it become links). Each listener runs in its own savepoint: one that raises is logged, its
  writes are rolled back, and the callback still answers WeChat — which waits 5 seconds, so a
  listener does a few queries and leaves anything slow to a job.
- **Sign-ins** (``signin_listener_register``): ``fn(*, user, identity, identity_created)``,
  called after every WeChat sign-in (``wechat.identity.identity_login``: the OAuth login in WeChat's
  browser, the mini-program's ``wx.login``), after its transaction commits — the moment an openid
  becomes known as a shopper (``identity_created``: the identity is new, or newly linked to an
  already signed-in shopper). A listener that raises is logged; the sign-in goes on.
- **The menu's member page** (``menu_member_page_register(fn)``): ``fn(*, shop) -> (name, path) |
  None`` — the page the official-account menu's 会员中心 opens first (crm: its 会员中心,
  ``/s/<shop>/member/``); ``menu_build`` puts it at the top of the 会员中心 sub-menu, before
  个人中心. The first function that answers wins; with none, the sub-menu starts at 个人中心.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

if TYPE_CHECKING:
    from wechat.models import WeChatAccount, WeChatIdentity

logger = logging.getLogger(__name__)

FollowListener = Callable[..., str | None]
SigninListener = Callable[..., object]

follow_listeners: list[FollowListener] = []
signin_listeners: list[SigninListener] = []


def follow_listener_register(fn: FollowListener) -> None:
    if fn not in follow_listeners:
        follow_listeners.append(fn)


def signin_listener_register(fn: SigninListener) -> None:
    if fn not in signin_listeners:
        signin_listeners.append(fn)


def follow_listeners_run(
    *, account: WeChatAccount, openid: str, followed_at: datetime, first_time: bool, scene: str
) -> list[str]:
    """Every follow listener, in registration order, each in a savepoint; the lines they return."""
    lines: list[str] = []
    for fn in follow_listeners:
        try:
            with transaction.atomic():
                line = fn(
                    account=account,
                    openid=openid,
                    followed_at=followed_at,
                    first_time=first_time,
                    scene=scene,
                )
        except Exception:  # a listener's failure never breaks the answer to WeChat
            logger.exception("follow listener %r failed (shop %s, %s)", fn, account.shop_id, openid)
            continue
        if line:
            lines.append(str(line))
    return lines


def signin_listeners_run(*, user: Any, identity: WeChatIdentity, identity_created: bool) -> None:
    """Every sign-in listener, in registration order (called after the sign-in has committed)."""
    for fn in signin_listeners:
        try:
            fn(user=user, identity=identity, identity_created=identity_created)
        except Exception:  # a listener's failure never stops the sign-in
            logger.exception("sign-in listener %r failed (user %s, %s)", fn, user.pk, identity.appid)


# ---------------------------------------------------------------- unfollows

UnfollowListener = Callable[..., object]
unfollow_listeners: list[UnfollowListener] = []


def unfollow_listener_register(fn: UnfollowListener) -> None:
    """**Unfollows**: ``fn(*, account, openid, unfollowed_at)``, called by the message callback for
    every ``unsubscribe`` push, after the ``Follower`` row is updated and inside the callback's
    transaction, each in its own savepoint (one that raises is logged and rolled back alone)."""
    if fn not in unfollow_listeners:
        unfollow_listeners.append(fn)


def unfollow_listeners_run(*, account: WeChatAccount, openid: str, unfollowed_at: datetime) -> None:
    """Every unfollow listener, in registration order, each in a savepoint."""
    for fn in unfollow_listeners:
        try:
            with transaction.atomic():
                fn(account=account, openid=openid, unfollowed_at=unfollowed_at)
        except Exception:  # a listener's failure never breaks the answer to WeChat
            logger.exception("unfollow listener %r failed (shop %s, %s)", fn, account.shop_id, openid)


MenuMemberPage = Callable[..., "tuple[str, str] | None"]
menu_member_pages: list[MenuMemberPage] = []


def menu_member_page_register(fn: MenuMemberPage) -> None:
    if fn not in menu_member_pages:
        menu_member_pages.append(fn)


def menu_member_page(*, shop: Any) -> tuple[str, str] | None:
    """``(name, path)`` of the 会员中心 page an app above offers, or None."""
    for fn in menu_member_pages:
        if (found := fn(shop=shop)) is not None:
            return found
    return None
