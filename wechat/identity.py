"""Who a WeChat login is: find or create the shopper behind an (appid, openid), and link the
identities of one person across the shop's official account and mini-program through ``unionid``."""

from __future__ import annotations

import secrets
from functools import partial

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from accounts.models import User
from wechat import ports
from wechat.locks import identity_lock
from wechat.models import WeChatIdentity


def _new_shopper() -> User:
    """A shopper WeChat just introduced: no password (they sign in through WeChat or a phone code),
    a neutral nickname until they choose to show their WeChat one."""
    suffix = secrets.token_hex(6)
    return User.objects.create(
        username=f"wx_{suffix}",
        nickname=gettext("微信用户%(tail)s") % {"tail": suffix[-4:]},
        password=make_password(None),
    )


def identity_login(
    *,
    kind: str,
    appid: str,
    openid: str,
    unionid: str = "",
    session_key: str = "",
    current_user: User | None = None,
) -> tuple[User, WeChatIdentity, bool]:
    """The shopper for this WeChat identity, the identity, and whether the shopper is new.

    Lookup order: the identity itself; else another identity with the same ``unionid`` (the same
    person, seen through the account or the mini-program); else ``current_user`` (already signed in
    on this browser by another means, who now opens the shop in WeChat); else a new shopper.
    Staff accounts are never reached through WeChat: a staff member shops as a separate shopper.
    After commit, the sign-in port's listeners hear it (``wechat.ports.signin_listener_register``)."""
    with transaction.atomic():
        user, identity, user_created, identity_created = _identity_find_or_create(
            kind=kind, appid=appid, openid=openid, unionid=unionid, session_key=session_key,
            current_user=current_user,
        )  # fmt: skip
        transaction.on_commit(
            partial(
                ports.signin_listeners_run, user=user, identity=identity, identity_created=identity_created
            )
        )
    return user, identity, user_created


def _identity_find_or_create(
    *, kind: str, appid: str, openid: str, unionid: str, session_key: str, current_user: User | None
) -> tuple[User, WeChatIdentity, bool, bool]:
    """(shopper, identity, shopper is new, identity is new); inside ``identity_login``'s transaction."""
    identity = identity_lock(appid=appid, openid=openid)
    if identity is not None:
        changed = []
        if unionid and identity.unionid != unionid:
            identity.unionid = unionid
            changed.append("unionid")
        if session_key:
            identity.session_key = session_key
            changed.append("session_key")
        if changed:
            identity.save(update_fields=[*changed, "updated_at"])
        return identity.user, identity, False, False

    user = None
    if unionid:
        sibling = WeChatIdentity.objects.filter(unionid=unionid).select_related("user").order_by("pk").first()
        user = sibling.user if sibling else None
    if (
        user is None
        and current_user is not None
        and current_user.is_authenticated
        and not current_user.is_staff
    ):
        user = current_user
    user_created = user is None
    if user is None:
        user = _new_shopper()
    try:
        with transaction.atomic():
            identity = WeChatIdentity.objects.create(
                user=user, kind=kind, appid=appid, openid=openid, unionid=unionid, session_key=session_key
            )
    except IntegrityError:  # the same person signed in twice at once: the other request created it
        if user_created:
            user.delete()
        identity = WeChatIdentity.objects.select_related("user").get(appid=appid, openid=openid)
        return identity.user, identity, False, False
    return user, identity, user_created, True


def openid_for(*, user: User, appid: str) -> str:
    """The user's openid under ``appid``, or "" if they never signed in through it."""
    if not appid or not user.is_authenticated:
        return ""
    return (
        WeChatIdentity.objects.filter(user=user, appid=appid).values_list("openid", flat=True).first() or ""
    )
