"""A shopper's own data (docs/privacy.md): download what a shop holds about them, or delete their
account.

- ``account_data_export(user=, shop=)``: one JSON-ready dict, Chinese keys, of everything held
  about the shopper in that shop: each app's part from the privacy port
  (``accounts.ports.privacy_register``), in INSTALLED_APPS order, under the app's section name.
- ``account_erase_blockers(user=)``: the Chinese reasons deletion must wait (an unfinished order,
  an open after-sale, a withdrawal in progress...), from every app's blocker.
- ``account_erase(user=, confirmation=)``: the platform-wide account deletion. In one transaction,
  the user's row locked: the blockers are asked again (``account_erase_blocked`` if any), then every
  app's eraser runs, the apps above first, and last accounts' own: the addresses, the login codes
  of the number, the API tokens and the sessions go, and the user row is scrubbed (no username,
  phone, nickname, e-mail or name left, an unusable password, inactive, ``erased_at`` set). The row
  itself stays: the merchants' orders, kept anonymised for their accounts, point at it.

Accounts' own part is registered here too (``privacy_ready``, from ``AccountsConfig.ready()``).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.authtoken.models import Token

from accounts import ports
from accounts.locks import user_lock
from accounts.models import Address, PhoneLoginCode, PhotoUpload, User
from core.errors import ApplicationError
from shop.models import Shop, ShopMember

ERASE_CONFIRMATION = "注销"  # i18n: data (what the shopper types to confirm, whatever the language)
ERASED_USERNAME_PREFIX = "erased_"


def local_time(value: datetime | None) -> str | None:
    """A time as the export writes it: ISO 8601 in Asia/Shanghai, to the second."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def account_data_export(*, user: User, shop: Shop) -> dict[str, Any]:
    """Everything held about ``user`` in ``shop`` (and their platform-wide account), as the file
    下载我的数据 gives them. Every registered app's part is there, empty when it holds nothing."""
    data: dict[str, Any] = {
        _("说明"): _("这是“%(shop)s”及其所在平台保存的关于你的全部数据。金额单位为元，时间为北京时间。")
        % {"shop": shop.name},
        _("店铺"): shop.name,
        _("导出时间"): local_time(timezone.now()),
    }
    for handler in ports.privacy_handlers:
        if handler.export is not None:
            data[str(handler.section)] = handler.export(user, shop)
    return data


def account_erase_blockers(*, user: User) -> list[str]:
    """Why ``user``'s account cannot be deleted yet (empty: it can)."""
    found = (handler.block(user) for handler in ports.privacy_handlers if handler.block is not None)
    return [str(reason) for reason in found if reason]


def account_erase(*, user: User, confirmation: str) -> None:
    """Delete the shopper's account on the whole platform (see the module docstring). Refused with
    ``account_erase_unconfirmed`` unless ``confirmation`` is 注销, and with ``account_erase_blocked``
    (409, the reasons in ``fields["blockers"]``) while something must finish first; a refusal
    changes nothing. Deleting an account that is already deleted does nothing."""
    if (confirmation or "").strip() != ERASE_CONFIRMATION:
        message = _("请输入“%(word)s”两个字确认注销。") % {"word": ERASE_CONFIRMATION}
        raise ApplicationError("account_erase_unconfirmed", message, fields={"confirm": [message]})
    with transaction.atomic():
        user_lock(user)
        user.refresh_from_db()
        if user.erased_at is not None:
            return
        reasons = account_erase_blockers(user=user)
        if reasons:
            raise ApplicationError(
                "account_erase_blocked",
                _("暂时不能注销：%(reason)s") % {"reason": reasons[0]},
                fields={"blockers": reasons},
                http_status=409,
            )
        for handler in reversed(ports.privacy_handlers):
            if handler.erase is not None:
                handler.erase(user)


# ---------------------------------------------------------------- accounts' own part


def _address_row(address: Address) -> dict[str, Any]:
    return {
        _("收货人"): address.recipient,
        _("手机号"): address.phone,
        _("省"): address.province,
        _("市"): address.city,
        _("区县"): address.district,
        _("详细地址"): address.detail,
        _("默认地址"): address.is_default,
        _("保存时间"): local_time(address.created_at),
    }


def account_export(user: User, shop: Shop) -> dict[str, Any]:
    """The account itself and its address book: the platform's, the same in every shop."""
    return {
        _("昵称"): user.nickname,
        _("手机号"): user.phone,
        _("邮箱"): user.email,
        _("注册时间"): local_time(user.date_joined),
        _("最近登录"): local_time(user.last_login),
        _("收货地址"): [_address_row(a) for a in Address.objects.filter(user=user).order_by("pk")],
        # photos uploaded in this shop for a form not sent yet (they expire by themselves)
        _("待使用的上传图片"): [
            {
                _("上传时间"): local_time(p.created_at),
                _("过期时间"): local_time(p.expires_at),
                _("文件"): p.image.name,
            }
            for p in PhotoUpload.objects.filter(user=user, shop=shop).order_by("pk")
        ],
    }


def account_block(user: User) -> str | None:
    """A merchant's or the platform's own account is not deleted from a shop's member centre."""
    if user.is_staff or user.is_superuser or ShopMember.objects.filter(user=user).exists():
        return _("这是商家或平台的管理账号，不能在店铺里注销，请联系平台客服。")
    return None


def _sessions_delete(user: User) -> int:
    """Every session of the user's (each browser they are signed in on). The sessions table has no
    user column, so the live sessions are read once; with a session engine that cannot list its
    sessions (the cache) nothing is read, and those sessions die anyway: the user is inactive and
    their password hash changed, which Django checks on every request."""
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore
    model = store.get_model_class() if hasattr(store, "get_model_class") else None
    if model is None:
        return 0
    mine = [
        row.session_key
        for row in model.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=1000)
        if str(store().decode(row.session_data).get(SESSION_KEY)) == str(user.pk)
    ]
    for key in mine:
        store(session_key=key).delete()
    return len(mine)


def account_erase_own(user: User) -> None:
    """accounts' eraser, the last to run: addresses, photo uploads (with their files), login codes,
    tokens, sessions, then the row."""
    from accounts.services import photo_uploads_erase

    Address.objects.filter(user=user).delete()
    photo_uploads_erase(user)
    if user.phone:
        PhoneLoginCode.objects.filter(phone=user.phone).delete()
    Token.objects.filter(user=user).delete()
    _sessions_delete(user)
    user.groups.clear()
    user.user_permissions.clear()
    user.username = ERASED_USERNAME_PREFIX + secrets.token_hex(8)
    user.nickname = ""
    user.phone = ""
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.set_unusable_password()
    user.is_active = False
    user.erased_at = timezone.now()
    user.save()


def privacy_ready() -> None:
    ports.privacy_register(
        "accounts",
        section=gettext_lazy("账号"),
        export=account_export,
        erase=account_erase_own,
        block=account_block,
    )
