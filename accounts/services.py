"""A shopper's address book."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Address, User
from shop.errors import ApplicationError, NotFoundError

ADDRESS_FIELDS = ("recipient", "phone", "province", "city", "district", "detail")
MAX_ADDRESSES = 20


def address_get(*, user: User, address_id: int) -> Address:
    address = Address.objects.filter(user=user, pk=address_id).first()
    if address is None:
        raise NotFoundError("address_not_found", _("地址不存在。"))
    return address


def _validated(address: Address) -> Address:
    try:
        address.full_clean(exclude=["user", "is_default"])
    except ValidationError as exc:
        fields = exc.message_dict
        raise ApplicationError("address_invalid", next(iter(fields.values()))[0], fields=fields) from exc
    return address


@transaction.atomic
def address_save(
    *, user: User, address_id: int | None = None, is_default: bool | None = None, **data: Any
) -> Address:
    """Create (``address_id=None``) or update one of the user's addresses. The first address, or
    one saved with ``is_default=True``, becomes the default (there is only ever one)."""
    unknown = set(data) - set(ADDRESS_FIELDS)
    if unknown:
        raise ApplicationError("invalid", _("未知字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    User.objects.select_for_update().filter(pk=user.pk).first()  # serialise address-book edits per user
    if address_id is None:
        if Address.objects.filter(user=user).count() >= MAX_ADDRESSES:
            raise ApplicationError("too_many_addresses", _("最多保存 %(n)d 个地址。") % {"n": MAX_ADDRESSES})
        address = Address(user=user)
    else:
        address = address_get(user=user, address_id=address_id)
    for name, value in data.items():
        setattr(address, name, (value or "").strip())
    _validated(address)
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
