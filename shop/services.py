"""Shop use cases: opening a shop, its business details and their verification by the operator."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from shop.cache import storefront_changed
from shop.locks import shop_lock
from shop.models import RESERVED_SLUGS, SLUG_VALIDATOR, Shop, ShopMember

DETAIL_FIELDS = ("name", "intro", "logo", *Shop.VERIFIED_FIELDS, "service_phone", "return_policy")
ORDER_SETTING_FIELDS = (
    "pay_timeout_minutes", "auto_confirm_days", "after_sale_days", "after_sale_response_hours", "shipping_fee_fen",
    "free_shipping_min_fen", "tracking_webhook_secret",
)  # fmt: skip
EDITABLE_FIELDS = frozenset(DETAIL_FIELDS + ORDER_SETTING_FIELDS)


def shop_slug_check(slug: str) -> str:
    slug = (slug or "").strip().lower()
    try:
        SLUG_VALIDATOR(slug)
    except ValidationError as exc:
        raise ApplicationError("slug_invalid", exc.messages[0], fields={"slug": exc.messages}) from exc
    if slug in RESERVED_SLUGS:
        raise ApplicationError(
            "slug_reserved", _("该店铺地址为系统保留，请换一个。"), fields={"slug": [_("保留地址")]}
        )
    if Shop.objects.filter(slug=slug).exists():
        raise ApplicationError(
            "slug_taken", _("该店铺地址已被使用，请换一个。"), fields={"slug": [_("已被使用")]}
        )
    return slug


@transaction.atomic
def shop_create_with_owner(*, name: str, slug: str, username: str, password: str, phone: str = "") -> Shop:
    """Open a shop: a staff account for the owner, the shop (not yet verified) and the membership."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError("shop_name_required", _("请填写店铺名称。"), fields={"name": [_("必填")]})
    slug = shop_slug_check(slug)
    username = (username or "").strip()
    if not username or get_user_model().objects.filter(username__iexact=username).exists():
        raise ApplicationError(
            "username_taken", _("该用户名已被使用。"), fields={"username": [_("已被使用")]}
        )
    candidate = get_user_model()(username=username, phone=phone)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ApplicationError(
            "password_weak", " ".join(exc.messages), fields={"password": exc.messages}
        ) from exc
    candidate.is_staff = True
    candidate.set_password(password)
    candidate.save()
    shop = Shop.objects.create(name=name, slug=slug)
    ShopMember.objects.create(shop=shop, user=candidate, role=ShopMember.Role.OWNER)
    return shop


@transaction.atomic
def shop_update_details(*, shop: Shop, **changes: Any) -> Shop:
    """Change what shoppers see about the shop. Changing a verified detail (company name, licence
    number, address) sends the shop back to the operator for verification."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ApplicationError("field_not_editable", _("不能修改：%(f)s") % {"f": ", ".join(sorted(unknown))})
    shop = shop_lock(shop)
    reverify = any(name in changes and changes[name] != getattr(shop, name) for name in Shop.VERIFIED_FIELDS)
    for name, value in changes.items():
        setattr(shop, name, value)
    if reverify and shop.verification in (Shop.Verification.VERIFIED, Shop.Verification.REJECTED):
        shop.verification = Shop.Verification.PENDING
        shop.verified_at = None
        shop.verification_note = _("经营信息已修改，等待平台重新审核。")
    shop.save()
    storefront_changed(shop)
    return shop


@transaction.atomic
def shop_submit_for_verification(*, shop: Shop) -> Shop:
    shop = shop_lock(shop)
    if not shop.has_business_details:
        raise ApplicationError(
            "shop_details_incomplete", _("请先填写经营主体名称、营业执照号、经营地址和客服电话，再提交认证。")
        )
    if shop.verification == Shop.Verification.VERIFIED:
        return shop
    shop.verification = Shop.Verification.PENDING
    shop.verification_note = ""
    shop.save(update_fields=["verification", "verification_note", "updated_at"])
    return shop


@transaction.atomic
def shop_set_verification(*, shop: Shop, verified: bool, note: str = "") -> Shop:
    """The platform operator's decision on a shop's business details."""
    shop = shop_lock(shop)
    if verified and not shop.has_business_details:
        raise ApplicationError("shop_details_incomplete", _("店铺经营信息不完整，不能通过认证。"))
    if not verified and not (note or "").strip():
        raise ApplicationError("note_required", _("驳回时请填写原因。"))
    shop.verification = Shop.Verification.VERIFIED if verified else Shop.Verification.REJECTED
    shop.verified_at = timezone.now() if verified else None
    shop.verification_note = (note or "").strip()[:255]
    shop.save(update_fields=["verification", "verified_at", "verification_note", "updated_at"])
    storefront_changed(shop)
    return shop


@transaction.atomic
def shop_set_active(*, shop: Shop, active: bool) -> Shop:
    """Operator: suspend a shop (shoppers get 404) or let it trade again."""
    Shop.objects.filter(pk=shop.pk).update(is_active=active, updated_at=timezone.now())
    shop.refresh_from_db()
    storefront_changed(shop)
    return shop
