"""Shared set-up of the members and points tests: a shop's levels and points settings, orders
placed, paid, completed, cancelled and refunded through the real services, and the ledger check
(caches equal the sums)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crm.models.members import MemberLevel, MemberSettings, PointsEntry
from crm.models.profiles import CustomerProfile
from crm.services import members as services
from crm.services.profiles import profile_for_user
from orders import services as order_services
from orders.models import AfterSale, Order, OrderStatus
from tests.factories import AddressFactory, ShopperFactory, make_product

LEVELS = [("普通", 0, 100), ("银卡", 50000, 95), ("金卡", 200000, 90)]
SPENDING = (
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
    OrderStatus.CLOSED,
)


@pytest.fixture
def spend_tracking():
    """The customer's spend (paid less refunded) is kept by the profiles area's own order-event
    listener (crm/services/profiles.py), registered before members' in the same transaction; the
    tests that name this fixture rely on it."""
    yield


def make_levels(shop, levels=LEVELS) -> list[MemberLevel]:
    return [
        MemberLevel.objects.create(shop=shop, name=name, threshold_fen=threshold, discount_percent=percent)
        for name, threshold, percent in levels
    ]


def points_on(shop, **fields) -> MemberSettings:
    defaults = {"points_enabled": True, "earn_per_yuan": 1, "points_per_yuan": 100, "max_percent": 50,
                "expire_days": 365}  # fmt: skip
    defaults.update(fields)
    found, _created = MemberSettings.objects.update_or_create(shop=shop, defaults=defaults)
    return found


def buyer(name: str = "member"):
    user = ShopperFactory(username=name, nickname=f"会员{name}")
    user.address_id = AddressFactory(user=user).pk
    return user


def sku_of(shop, price_fen: int = 10000, stock: int = 100, title: str = "商品"):
    return make_product(shop=shop, price_fen=price_fen, stock=stock, title=title).skus.get()


def place(
    shop, user, *, sku=None, price_fen: int = 10000, quantity: int = 1, options=None, key: str = ""
) -> Order:
    if not hasattr(user, "address_id"):
        user.address_id = AddressFactory(user=user).pk
    sku = sku or sku_of(shop, price_fen=price_fen)
    return order_services.order_place(
        shop=shop, user=user, items=[(sku.pk, quantity)], address_id=user.address_id,
        options={"coupon_claim_id": "none", **(options or {})}, idempotency_key=key,
    )  # fmt: skip


def pay(order: Order) -> Order:
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    return Order.objects.get(pk=order.pk)


def complete(order: Order) -> Order:
    order_services.order_ship(
        shop=order.shop,
        order_no=order.order_no,
        carrier="sf",
        tracking_no=f"SF{order.order_no[-12:]}",
        actor=None,
    )
    order_services.order_confirm_receipt(order=order, user=order.user)
    return Order.objects.get(pk=order.pk)


def refund(order: Order, amount_fen: int) -> Order:
    order = Order.objects.get(pk=order.pk)
    after_sale = order_services.after_sale_request(
        order=order,
        user=order.user,
        kind=AfterSale.Kind.REFUND_ONLY,
        reason="不想要了",
        amount_fen=amount_fen,
    )
    order_services.after_sale_approve(shop=order.shop, after_sale_no=after_sale.after_sale_no, actor=None)
    return Order.objects.get(pk=order.pk)


def after_window(order: Order) -> datetime:
    order.refresh_from_db()
    return order.completed_at + timedelta(days=order.shop.after_sale_days, seconds=1)


def profile_of(shop, user) -> CustomerProfile:
    return CustomerProfile.objects.get(shop=shop, user=user)


def give(shop, user, points: int, reason: str = "测试赠送") -> PointsEntry:
    profile = profile_for_user(shop_id=shop.pk, user_id=user.pk)
    return services.points_adjust(shop=shop, profile_id=profile.pk, points=points, reason=reason, actor=None)


def ledger(shop, user) -> tuple[int, int]:
    """(available, frozen) as the profile caches them — asserting they equal the ledger's sums."""
    profile = profile_of(shop, user)
    sums = services.points_balances(profile_id=profile.pk)
    assert (profile.points_available, profile.points_frozen) == (sums.available, sums.frozen), (
        "caches ≠ ledger"
    )
    return sums.available, sums.frozen


def kinds(shop, user) -> list[tuple[str, int, int]]:
    """The customer's entries oldest first: (kind, available, frozen)."""
    return list(
        PointsEntry.objects.filter(shop=shop, profile__user=user)
        .order_by("created_at", "pk")
        .values_list("kind", "available", "frozen")
    )
