"""Complaints' use cases: the shopper reports a shop; the operator asks the merchant to answer,
warns, suspends (and reinstates) the shop and resolves the complaint; the merchant answers.
Every step is a ``ComplaintEvent`` written with it (docs/after-sales.md#complaints).

Who may do what is checked here as well as in admin: only a superuser (the platform operator) asks,
warns, suspends and resolves (``operator_only``); a merchant only answers a complaint of their own
shop that the operator put to them."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.locks import user_lock
from accounts.models import User
from accounts.services import photo_uploads_take
from catalog.models import StaffNotice
from catalog.services import staff_notice_send
from complaints.locks import complaint_lock
from complaints.models import MAX_PHOTOS, MAX_TEXT, Complaint, ComplaintEvent, ShopWarning
from core.errors import ApplicationError, NotFoundError
from core.uploads import validate_image_file
from orders.models import Order
from shop.models import Shop, ShopMember
from shop.services import shop_set_active

#: a shopper may file this many complaints against one shop in 24 hours, and this many in all
PER_SHOP_PER_DAY = 3
PER_USER_PER_DAY = 10
MIN_TEXT = 5

S = Complaint.Status
K = ComplaintEvent.Kind
A = ComplaintEvent.Actor


def new_complaint_no() -> str:
    """``T`` + the local day + 10 random digits: unguessable, so it can be in a URL."""
    return "T" + timezone.localdate().strftime("%Y%m%d") + f"{secrets.randbelow(10**10):010d}"


def contact_masked(user: User) -> str:
    """All of the reporter a merchant ever sees: 138****1234, or a placeholder without a phone."""
    phone = user.phone or ""
    if len(phone) >= 7:
        return f"{phone[:3]}****{phone[-4:]}"
    return _("微信用户（未绑定手机号）")


def _text(value: str, *, field: str, required_message: str) -> str:
    text = (value or "").strip()
    if len(text) < MIN_TEXT:
        raise ApplicationError(
            f"{field}_required", required_message, fields={field: [_("至少 %(n)d 个字") % {"n": MIN_TEXT}]}
        )
    if len(text) > MAX_TEXT:
        raise ApplicationError(
            f"{field}_too_long",
            _("内容最多 %(n)d 个字。") % {"n": MAX_TEXT},
            fields={field: [_("最多 %(n)d 个字") % {"n": MAX_TEXT}]},
        )
    return text


def _event(
    complaint: Complaint, *, kind: str, actor_kind: str, actor: User | None, from_status: str, note: str = ""
) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        shop_id=complaint.shop_id, complaint=complaint, kind=kind, actor_kind=actor_kind,
        actor=actor if actor_kind != A.SHOPPER else None, from_status=from_status,
        to_status=complaint.status, note=note,
    )  # fmt: skip


def _operator_only(actor: User | None) -> User:
    if actor is None or not (actor.is_active and actor.is_superuser):
        raise ApplicationError("operator_only", _("只有平台运营人员可以执行此操作。"), http_status=403)
    return actor


def _admin_link(complaint: Complaint) -> str:
    return reverse("admin:complaints_complaint_change", args=[complaint.pk])


@transaction.atomic
def complaint_create(
    *,
    shop: Shop,
    user: User,
    kind: str,
    text: str,
    order_no: str = "",
    photos: Sequence[File[Any]] = (),
    photo_ids: Sequence[int] = (),
) -> Complaint:
    """A signed-in shopper reports ``shop``: a type, what happened, up to six photos (the upload
    rule of core.uploads) and optionally one of their own orders in that shop. At most
    ``PER_SHOP_PER_DAY`` against one shop and ``PER_USER_PER_DAY`` in all in 24 hours, counted under
    the shopper's row lock so a burst cannot pass the limit. Photos uploaded before are named by
    ``photo_ids`` (the complaint takes them over: ``accounts.services.photo_uploads_take``)."""
    if kind not in Complaint.Kind.values:
        raise ApplicationError(
            "complaint_kind_invalid", _("请选择投诉类型。"), fields={"kind": [_("请选择投诉类型")]}
        )
    text = _text(
        text, field="text", required_message=_("请描述遇到的问题（至少 %(n)d 个字）。") % {"n": MIN_TEXT}
    )
    if len(photos) + len(photo_ids) > MAX_PHOTOS:
        raise ApplicationError(
            "too_many_photos",
            _("最多上传 %(n)d 张图片。") % {"n": MAX_PHOTOS},
            fields={"photos": [_("最多 %(n)d 张") % {"n": MAX_PHOTOS}]},
        )
    for photo in photos:
        try:
            validate_image_file(photo)
        except ValidationError as exc:
            raise ApplicationError("photo_invalid", exc.messages[0], fields={"photos": exc.messages}) from exc
    order = None
    order_no = (order_no or "").strip()
    if order_no:
        order = Order.objects.filter(shop=shop, user=user, order_no=order_no).first()
        if order is None:  # another shopper's order is "not found", like a missing one
            raise NotFoundError(
                "order_not_found", _("订单不存在。"), fields={"order_no": [_("不是您在本店的订单")]}
            )
    user_lock(user)
    since = timezone.now() - timedelta(hours=24)
    recent = Complaint.objects.filter(user=user, created_at__gte=since)
    if recent.filter(shop=shop).count() >= PER_SHOP_PER_DAY or recent.count() >= PER_USER_PER_DAY:
        raise ApplicationError(
            "complaint_rate_limited",
            _("您 24 小时内的投诉次数已达上限，请耐心等待平台处理已提交的投诉。"),
            http_status=429,
        )
    uploaded = photo_uploads_take(shop=shop, user=user, photo_ids=photo_ids)
    complaint = Complaint.objects.create(
        shop=shop, complaint_no=new_complaint_no(), user=user, contact_masked=contact_masked(user),
        order=order, kind=kind, text=text,
    )  # fmt: skip
    for position, photo in enumerate(photos):
        complaint.photos.create(shop=shop, image=photo, position=position)
    for position, name in enumerate(uploaded, start=len(photos)):
        complaint.photos.create(shop=shop, image=name, position=position)  # the upload's file
    _event(complaint, kind=K.SUBMITTED, actor_kind=A.SHOPPER, actor=None, from_status="")
    return complaint


@transaction.atomic
def complaint_ask_merchant(*, complaint_id: int, actor: User | None, note: str = "") -> Complaint:
    """The operator puts the complaint to the shop: from now on the merchant sees it in admin
    (without the reporter's identity) and may answer; the shop's staff get a message."""
    actor = _operator_only(actor)
    complaint = complaint_lock(pk=complaint_id)
    if complaint.status not in (S.OPEN, S.ANSWERED):
        raise ApplicationError("complaint_state_invalid", _("该投诉当前不能转给商家答复。"), http_status=409)
    before = complaint.status
    complaint.status = S.WAITING_MERCHANT
    complaint.forwarded_at = complaint.forwarded_at or timezone.now()
    complaint.save(update_fields=["status", "forwarded_at", "updated_at"])
    _event(complaint, kind=K.ASKED_MERCHANT, actor_kind=A.OPERATOR, actor=actor, from_status=before,
           note=(note or "").strip()[:MAX_TEXT])  # fmt: skip
    staff_notice_send(
        shop=complaint.shop, kind=StaffNotice.Kind.COMPLAINT,
        title=_("平台请您答复顾客投诉 %(no)s") % {"no": complaint.complaint_no},
        body=(note or "").strip() or _("请在后台“投诉”中查看并答复。"), link=_admin_link(complaint),
    )  # fmt: skip
    return complaint


@transaction.atomic
def complaint_answer(*, shop: Shop, complaint_id: int, actor: User, answer: str) -> Complaint:
    """A member of ``shop`` answers a complaint the operator put to them (never resolves it)."""
    answer = _text(
        answer, field="answer", required_message=_("请填写答复（至少 %(n)d 个字）。") % {"n": MIN_TEXT}
    )
    if not (actor.is_superuser or ShopMember.objects.filter(shop=shop, user=actor).exists()):
        raise NotFoundError("complaint_not_found", _("投诉不存在。"))
    complaint = complaint_lock(pk=complaint_id)
    if complaint.shop_id != shop.pk or complaint.forwarded_at is None:
        raise NotFoundError("complaint_not_found", _("投诉不存在。"))
    if complaint.status != S.WAITING_MERCHANT:
        raise ApplicationError(
            "complaint_state_invalid", _("该投诉当前不需要答复（平台未请您答复或已处理）。"), http_status=409
        )
    complaint.status = S.ANSWERED
    complaint.merchant_answer = answer
    complaint.answered_at = timezone.now()
    complaint.save(update_fields=["status", "merchant_answer", "answered_at", "updated_at"])
    _event(complaint, kind=K.MERCHANT_ANSWERED, actor_kind=A.MERCHANT, actor=actor, from_status=S.WAITING_MERCHANT,
           note=answer)  # fmt: skip
    return complaint


@transaction.atomic
def complaint_resolve(*, complaint_id: int, actor: User | None, note: str) -> Complaint:
    """The operator closes the complaint with a note the shopper reads on 我的投诉."""
    actor = _operator_only(actor)
    note = _text(
        note,
        field="note",
        required_message=_("请填写处理结果（顾客可见，至少 %(n)d 个字）。") % {"n": MIN_TEXT},
    )
    complaint = complaint_lock(pk=complaint_id)
    if complaint.status == S.RESOLVED:
        raise ApplicationError("complaint_state_invalid", _("该投诉已处理完结。"), http_status=409)
    before = complaint.status
    complaint.status = S.RESOLVED
    complaint.resolution_note = note
    complaint.resolved_at = timezone.now()
    complaint.save(update_fields=["status", "resolution_note", "resolved_at", "updated_at"])
    _event(complaint, kind=K.RESOLVED, actor_kind=A.OPERATOR, actor=actor, from_status=before, note=note)
    return complaint


@transaction.atomic
def complaint_warn_shop(*, complaint_id: int, actor: User | None, reason: str) -> ShopWarning:
    """The operator warns the shop: a warning record the merchant reads in admin, and a message."""
    actor = _operator_only(actor)
    reason = _text(
        reason, field="reason", required_message=_("请填写警告内容（至少 %(n)d 个字）。") % {"n": MIN_TEXT}
    )
    complaint = complaint_lock(pk=complaint_id)
    warning = ShopWarning.objects.create(
        shop_id=complaint.shop_id, complaint=complaint, reason=reason, created_by=actor
    )
    _event(
        complaint,
        kind=K.WARNED,
        actor_kind=A.OPERATOR,
        actor=actor,
        from_status=complaint.status,
        note=reason,
    )
    staff_notice_send(
        shop=complaint.shop, kind=StaffNotice.Kind.WARNING, title=_("平台警告：请整改"), body=reason,
        link=reverse("admin:complaints_shopwarning_change", args=[warning.pk]),
    )  # fmt: skip
    return warning


@transaction.atomic
def complaint_suspend_shop(*, complaint_id: int, actor: User | None, reason: str) -> Complaint:
    """The operator suspends the shop (``Shop.is_active``): its pages show shoppers the suspension
    notice and no order can be placed, until ``complaint_reinstate_shop``."""
    actor = _operator_only(actor)
    reason = _text(
        reason, field="reason", required_message=_("请填写暂停原因（至少 %(n)d 个字）。") % {"n": MIN_TEXT}
    )
    complaint = complaint_lock(pk=complaint_id)
    if not complaint.shop.is_active:
        raise ApplicationError("shop_already_suspended", _("该店铺已暂停营业。"), http_status=409)
    shop_set_active(shop=complaint.shop, active=False)
    _event(
        complaint,
        kind=K.SUSPENDED,
        actor_kind=A.OPERATOR,
        actor=actor,
        from_status=complaint.status,
        note=reason,
    )
    staff_notice_send(
        shop=complaint.shop, kind=StaffNotice.Kind.WARNING, title=_("店铺已被平台暂停营业"), body=reason,
        link=_admin_link(complaint),
    )  # fmt: skip
    return complaint


@transaction.atomic
def complaint_reinstate_shop(*, complaint_id: int, actor: User | None, note: str = "") -> Complaint:
    """The operator lets a shop suspended over this complaint trade again."""
    actor = _operator_only(actor)
    complaint = complaint_lock(pk=complaint_id)
    if complaint.shop.is_active:
        raise ApplicationError("shop_not_suspended", _("该店铺正在营业，无需恢复。"), http_status=409)
    shop_set_active(shop=complaint.shop, active=True)
    _event(complaint, kind=K.REINSTATED, actor_kind=A.OPERATOR, actor=actor, from_status=complaint.status,
           note=(note or "").strip()[:MAX_TEXT])  # fmt: skip
    return complaint


def shop_open_guard(shop: Shop) -> None:
    """orders' checkout guard: a suspended shop takes no order, even if a page or process still
    holds the shop as it was before the suspension (one query)."""
    if not Shop.objects.filter(pk=shop.pk, is_active=True).exists():
        raise ApplicationError("shop_suspended", _("该店铺已被平台暂停营业，暂时无法下单。"), http_status=409)
