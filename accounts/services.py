"""A shopper's address book, and shopper login by a one-time SMS code."""

from __future__ import annotations

import logging
import math
import secrets
import string
from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts import regions
from accounts.locks import phone_code_live_lock, phone_codes_lock, photo_uploads_lock, shopper_lock
from accounts.models import MOBILE_VALIDATOR, Address, PhoneLoginCode, PhotoUpload, User
from accounts.sms import send_sms
from core.errors import ApplicationError, NotFoundError
from core.integers import is_int

logger = logging.getLogger(__name__)

ADDRESS_FIELDS = ("recipient", "phone", "province_code", "city_code", "district_code", "detail")
REGION_FIELDS = ("province_code", "city_code", "district_code")
MAX_ADDRESSES = 20


def address_get(*, user: User, address_id: int) -> Address:
    address = Address.objects.filter(user=user, pk=address_id).first()
    if address is None:
        raise NotFoundError("address_not_found", _("地址不存在。"))
    return address


def _validated(address: Address, *, region_error: ApplicationError | None = None) -> Address:
    """Every field's problem at once: ``address_invalid`` (with the region's messages too, if
    any), or else the region's own refusal."""
    try:
        address.full_clean(exclude=["user", "is_default", *REGION_FIELDS, "province", "city", "district"])
    except ValidationError as exc:
        fields = {**exc.message_dict, **(region_error.fields if region_error else {})}
        raise ApplicationError("address_invalid", next(iter(fields.values()))[0], fields=fields) from exc
    if region_error is not None:
        raise region_error
    return address


@transaction.atomic
def address_save(
    *, user: User, address_id: int | None = None, is_default: bool | None = None, **data: Any
) -> Address:
    """Create (``address_id=None``) or update one of the user's addresses. The first address, or
    one saved with ``is_default=True``, becomes the default (there is only ever one).

    The region is given by ``province_code``, ``city_code`` and ``district_code`` (accounts/regions.py);
    an update that names none of them keeps the address's region, one that names any checks the
    whole chain. The names are copied from the codes. Refusals: ``region_required``,
    ``region_invalid``, ``region_mismatch`` (the field is named in ``fields``)."""
    unknown = set(data) - set(ADDRESS_FIELDS)
    if unknown:
        raise ApplicationError("invalid", _("未知字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    shopper_lock(user)  # an account deleted meanwhile gets no address
    if address_id is None:
        if Address.objects.filter(user=user).count() >= MAX_ADDRESSES:
            raise ApplicationError("too_many_addresses", _("最多保存 %(n)d 个地址。") % {"n": MAX_ADDRESSES})
        address = Address(user=user)
    else:
        address = address_get(user=user, address_id=address_id)
    for name, value in data.items():
        setattr(address, name, "" if value is None else str(value).strip())
    region_error = None
    if address_id is None or any(name in data for name in REGION_FIELDS):
        try:
            chain = regions.resolve(
                province_code=address.province_code,
                city_code=address.city_code,
                district_code=address.district_code,
            )
        except ApplicationError as exc:
            region_error = exc
        else:
            for name, value in {**chain.codes(), **chain.names()}.items():
                setattr(address, name, value)
    _validated(address, region_error=region_error)
    first = not Address.objects.filter(user=user).exclude(pk=address.pk).exists()
    make_default = bool(is_default) or first
    if make_default:
        Address.objects.filter(user=user, is_default=True).exclude(pk=address.pk).update(is_default=False)
        address.is_default = True
    elif is_default is False and address.is_default:
        address.is_default = False
    address.save()
    return address


@transaction.atomic
def address_delete(*, user: User, address_id: int) -> None:
    address = address_get(user=user, address_id=address_id)
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = Address.objects.filter(user=user).order_by("-updated_at", "-id").first()
        if successor:
            successor.is_default = True
            successor.save(update_fields=["is_default", "updated_at"])


# ---------------------------------------------------------------- phone-code login

PHONE_CODE_TTL = timedelta(minutes=5)
PHONE_CODE_INTERVAL = timedelta(seconds=60)  # one code per number per minute
PHONE_CODES_PER_NUMBER_PER_DAY = 10  # a rolling 24 hours
PHONE_CODES_PER_IP_PER_HOUR = 30


def _phone_clean(phone: str) -> str:
    """``phone`` as 11 ASCII digits ("138 1234-5678" and "+86 13812345678" are accepted)."""
    number = "".join((phone or "").split()).replace("-", "")
    if number.startswith("+86"):
        number = number[3:]
    try:
        MOBILE_VALIDATOR(number)
    except ValidationError as exc:
        raise ApplicationError("phone_invalid", exc.messages[0], fields={"phone": exc.messages}) from exc
    if not number.isascii():  # the validator's \d also matches full-width and other digits
        message = _("请输入有效的 11 位手机号码。")
        raise ApplicationError("phone_invalid", message, fields={"phone": [message]})
    return number


def _code_hash(phone: str, code: str) -> str:
    return salted_hmac("accounts.PhoneLoginCode", f"{phone}:{code}", algorithm="sha256").hexdigest()


def _ip_or_none(ip: str | None) -> str | None:
    try:
        validate_ipv46_address(ip or "")
    except ValidationError:
        return None
    return ip


def phone_code_send(*, phone: str, ip: str | None) -> None:
    """Text a new 6-digit login code, valid for 5 minutes, to a mainland mobile number.

    Refused (``code_too_soon``) within 60 s of the number's previous code, and (``rate_limited``)
    after 10 codes to the number in 24 hours or 30 codes requested from ``ip`` in an hour. A new code
    replaces the number's earlier ones. The SMS goes out after the transaction, with no row locked;
    if the provider fails, the code is withdrawn (it does not count) and ``sms_failed`` is raised."""
    phone = _phone_clean(phone)
    ip = _ip_or_none(ip)
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        now = timezone.now()
        phone_codes_lock(phone)
        codes = PhoneLoginCode.objects.filter(phone=phone).order_by("-created_at", "-pk")
        last = codes.first()
        if last is not None and last.created_at > now - PHONE_CODE_INTERVAL:
            wait = max(1, math.ceil((last.created_at + PHONE_CODE_INTERVAL - now).total_seconds()))
            raise ApplicationError(
                "code_too_soon", _("验证码已发送，请 %(n)d 秒后再试。") % {"n": wait}, http_status=429
            )
        if codes.filter(created_at__gt=now - timedelta(days=1)).count() >= PHONE_CODES_PER_NUMBER_PER_DAY:
            raise ApplicationError(
                "rate_limited", _("该手机号今天获取验证码的次数过多，请明天再试。"), http_status=429
            )
        if (
            ip is not None
            and PhoneLoginCode.objects.filter(ip=ip, created_at__gt=now - timedelta(hours=1)).count()
            >= PHONE_CODES_PER_IP_PER_HOUR
        ):
            raise ApplicationError("rate_limited", _("获取验证码过于频繁，请稍后再试。"), http_status=429)
        # Only the newest code works: earlier live ones expire now.
        codes.filter(used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        row = PhoneLoginCode.objects.create(
            phone=phone,
            code_hash=_code_hash(phone, code),
            ip=ip,
            created_at=now,
            expires_at=now + PHONE_CODE_TTL,
        )
    message = _("【微店】您的登录验证码是 %(code)s，%(minutes)d 分钟内有效。请勿告诉他人。") % {
        "code": code,
        "minutes": PHONE_CODE_TTL.seconds // 60,
    }
    try:
        send_sms(phone=phone, message=message)
    except Exception as exc:
        logger.exception("SMS to %s failed", phone)
        PhoneLoginCode.objects.filter(pk=row.pk).delete()
        raise ApplicationError("sms_failed", _("短信发送失败，请稍后再试。"), http_status=503) from exc


def _new_shopper(phone: str) -> User:
    alphabet = string.ascii_lowercase + string.digits
    while True:
        username = "m_" + "".join(secrets.choice(alphabet) for _i in range(10))
        if not User.objects.filter(username=username).exists():
            break
    return User.objects.create(
        username=username,
        password=make_password(None),  # unusable: this account signs in by phone code (or WeChat)
        phone=phone,
        nickname=_("用户%(last4)s") % {"last4": phone[-4:]},
    )


def phone_code_login(*, phone: str, code: str) -> User:
    """The shopper who proved they hold ``phone`` with the code texted to it.

    Checks the number's newest unused, unexpired code under a row lock. A wrong code counts an
    attempt (``code_invalid``); after 5 the code is dead. A dead, used, expired or missing code is
    ``code_expired``. The right code is used up and the shopper with that phone (the most recently
    updated non-staff account) is returned, or a new shopper is created. A number that belongs only
    to staff is refused (``phone_staff``): staff sign in to admin with their password."""
    phone = _phone_clean(phone)
    code = (code or "").strip()
    with transaction.atomic():
        now = timezone.now()
        row = phone_code_live_lock(phone, now=now)
        if row is None or row.attempts >= PhoneLoginCode.MAX_ATTEMPTS:
            raise ApplicationError("code_expired", _("验证码已失效，请重新获取。"))
        if not constant_time_compare(row.code_hash, _code_hash(phone, code)):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            left = PhoneLoginCode.MAX_ATTEMPTS - row.attempts
            if left:
                message = _("验证码错误，还可以再试 %(n)d 次。") % {"n": left}
            else:
                message = _("验证码错误次数过多，请重新获取。")
            refusal = ApplicationError("code_invalid", message, fields={"code": [message]})
        else:
            refusal = None
            row.used_at = now
            row.save(update_fields=["used_at"])
            people = User.objects.filter(phone=phone).order_by("-updated_at", "-pk")
            user = people.filter(is_staff=False, is_superuser=False).first()
            if user is None and people.exists():
                refusal = ApplicationError("phone_staff", _("该手机号属于商家或平台账号，请从商家后台登录。"))
            elif user is None:
                user = _new_shopper(phone)
            elif not user.is_active:
                refusal = ApplicationError("account_disabled", _("该账号已停用，请联系客服。"))
    # Raised outside the transaction, so the counted attempt (or the used-up code) is kept.
    if refusal is not None or user is None:
        raise refusal or ApplicationError("code_expired", _("验证码已失效，请重新获取。"))
    return user


# ---------------------------------------------------------------- photo uploads (docs/api.md#photo-uploads)

PHOTO_IDS_FIELD = "photo_ids"


def _photo_ids_refused(message: str) -> ApplicationError:
    return ApplicationError("photo_upload_invalid", message, fields={PHOTO_IDS_FIELD: [message]})


@transaction.atomic
def photo_upload_create(*, shop: Any, user: User, file: Any) -> PhotoUpload:
    """One picture the shopper uploads ahead of the form that will use it: checked under the
    project's upload rule (core.uploads: ``photo_invalid`` with the rule's message), stored
    re-encoded under a random name, kept ``WEISHOP_PHOTO_UPLOAD_HOURS`` for them in ``shop`` only.
    At most ``WEISHOP_PHOTO_UPLOADS_MAX`` unused ones at once (``photo_uploads_too_many``, 429),
    counted under the shopper's row lock so parallel uploads cannot pass it."""
    from django.conf import settings

    from core.uploads import validate_image_file

    if file is None:
        message = _("请选择一张图片。")
        raise ApplicationError("photo_required", message, fields={"photo": [message]})
    try:
        validate_image_file(file)
    except ValidationError as exc:
        message = " ".join(exc.messages)
        raise ApplicationError("photo_invalid", message, fields={"photo": [message]}) from exc
    shopper_lock(user)
    now = timezone.now()
    waiting = PhotoUpload.objects.filter(user=user, shop=shop, expires_at__gt=now).count()
    if waiting >= settings.WEISHOP_PHOTO_UPLOADS_MAX:
        raise ApplicationError(
            "photo_uploads_too_many",
            _("未使用的图片太多了（最多 %(n)d 张），请先提交表单或稍后再试。")
            % {"n": settings.WEISHOP_PHOTO_UPLOADS_MAX},
            http_status=429,
        )
    upload = PhotoUpload(
        shop=shop, user=user, expires_at=now + timedelta(hours=settings.WEISHOP_PHOTO_UPLOAD_HOURS)
    )
    upload.image.save(getattr(file, "name", "") or "photo.jpg", file, save=False)
    upload.save()
    return upload


def photo_uploads_take(*, shop: Any, user: User, photo_ids: Any) -> list[str]:
    """The stored files of the shopper's uploads ``photo_ids`` (in that order), taken over by the
    caller's form: their rows are deleted in the caller's transaction (which must be open), so an
    upload is used once, and a form that fails afterwards leaves them usable. Every id must be an
    unexpired upload of this shopper in this shop, named once: otherwise ``photo_upload_invalid``
    (400, ``fields.photo_ids``), whatever the reason (another shopper's, another shop's, used,
    expired or unknown), so ids cannot be probed. Concurrent forms naming one upload: one takes it."""
    if not photo_ids:
        return []
    ids = list(photo_ids)
    if not all(is_int(i) and i > 0 for i in ids) or len(set(ids)) != len(ids):
        raise _photo_ids_refused(_("图片编号有误，请重新上传图片。"))
    rows = photo_uploads_lock(ids=ids, user=user, shop=shop, now=timezone.now())
    if len(rows) != len(ids):
        raise _photo_ids_refused(_("图片已失效或不属于你，请重新上传图片。"))
    names = [rows[i].image.name or "" for i in ids]
    PhotoUpload.objects.filter(pk__in=ids).delete()  # the rows only: the files are the form's now
    return names


def _photo_uploads_delete(rows: Any) -> int:
    """Delete upload rows and, once that is committed, their files."""
    from django.core.files.storage import default_storage

    found = list(rows.values_list("pk", "image"))
    if not found:
        return 0
    PhotoUpload.objects.filter(pk__in=[pk for pk, _name in found]).delete()

    def files_delete() -> None:
        for _pk, name in found:
            try:
                default_storage.delete(name)
            except OSError:  # a missing file is already gone; the next run does not see the row
                logger.warning("photo upload file %s could not be deleted", name)

    transaction.on_commit(files_delete)
    return len(found)


def photo_uploads_purge_due(*, now: Any = None, batch: int = 500) -> int:
    """The periodic job: uploads no form took before they expired, deleted with their files.
    Returns how many went."""
    now = now or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            ids = list(
                PhotoUpload.objects.filter(expires_at__lte=now)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                return done
            done += _photo_uploads_delete(PhotoUpload.objects.filter(pk__in=ids, expires_at__lte=now))


def photo_uploads_erase(user: User) -> int:
    """Every upload of ``user`` (account deletion), with its files."""
    return _photo_uploads_delete(PhotoUpload.objects.filter(user=user))
