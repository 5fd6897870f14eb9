"""Group-buy test helpers: an activity on a product, a shopper with an address, placing a group
order and paying it through the real services."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from django.utils import timezone

from groupbuy.models import GroupBuyActivity, GroupBuyItem
from orders import services as order_services
from tests.factories import AddressFactory, ShopperFactory, make_product

_numbers = count(1)


def make_activity(
    *, shop, product=None, price_fen=9900, group_price_fen=5900, stock=20, size=3, hours=24, per_user_limit=1,
    starts_at=None, ends_at=None, name="三人团", is_active=True,
):  # fmt: skip
    """A running group-buy (one product, every SKU at ``group_price_fen``) unless told otherwise."""
    product = product or make_product(shop=shop, title="拼团好物", price_fen=price_fen, stock=stock)
    now = timezone.now().replace(second=0, microsecond=0)  # as admin's date and time fields give them
    activity = GroupBuyActivity(
        shop=shop, product=product, name=name, group_size=size, open_hours=hours, per_user_limit=per_user_limit,
        starts_at=starts_at or now - timedelta(hours=1), ends_at=ends_at or now + timedelta(days=7),
        is_active=is_active,
    )  # fmt: skip
    activity.full_clean()
    activity.save()
    for sku in product.skus.all():
        GroupBuyItem.objects.create(shop=shop, activity=activity, sku=sku, group_price_fen=group_price_fen)
    return activity


def buyer(name: str | None = None):
    """A shopper with an address (``.address_id`` set on it)."""
    user = ShopperFactory(username=name or f"gb{next(_numbers)}", nickname=name or "")
    user.address_id = AddressFactory(user=user).pk
    return user


def place(activity, user, *, group_no=None, sku=None, quantity=1, key=""):
    sku = sku or activity.product.skus.order_by("pk").first()
    return order_services.order_place(
        shop=activity.shop, user=user, items=[(sku.pk, quantity)], address_id=user.address_id,
        options={"group_buy": {"activity_id": activity.pk, "group_no": group_no}, "coupon_claim_id": "none"},
        idempotency_key=key,
    )  # fmt: skip


def pay(order):
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    order.refresh_from_db()
    return order


def group_of(order):
    """The order's group, read fresh."""
    from groupbuy.models import Group

    return Group.objects.get(members__order_id=order.pk)
