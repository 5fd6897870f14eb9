"""Shared set-up of the distribution tests: a shop with distribution on, promoters, referred orders
placed, paid, completed and refunded through the real services."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from core.attribution import Attribution
from distribution import services
from distribution.models import DistributionSettings, LedgerEntry, Promoter
from orders import services as order_services
from orders.models import AfterSale, Order
from tests.factories import AddressFactory, ShopperFactory, make_product


def enable(shop, **fields) -> DistributionSettings:
    defaults = {"is_enabled": True, "who_may_promote": DistributionSettings.WhoMayPromote.ANYONE,
                "rate_percent": Decimal("10")}  # fmt: skip
    defaults.update(fields)
    found, _created = DistributionSettings.objects.update_or_create(shop=shop, defaults=defaults)
    return found


def make_promoter(shop, username: str = "promoter", **fields) -> Promoter:
    user = ShopperFactory(username=username, nickname=fields.pop("nickname", f"推广{username}"))
    now = timezone.now()
    promoter, _created = Promoter.objects.get_or_create(
        shop=shop, user=user,
        defaults={"status": Promoter.Status.APPROVED, "applied_at": now, "approved_at": now, **fields},
    )  # fmt: skip
    return promoter


def via(promoter: Promoter | None, *, at: datetime | None = None, shop_id: int | None = None) -> Attribution:
    """What the middleware makes of a visit through ``promoter``'s signed link."""
    if promoter is None:
        return Attribution()
    return Attribution(
        shop_id=shop_id or promoter.shop_id,
        referrer_code=str(promoter.user_id),
        touched_at=at or timezone.now(),
    )


def place(shop, buyer, *, attribution: Attribution | None = None, price_fen: int = 10000, quantity: int = 1,
          sku=None) -> Order:  # fmt: skip
    address = AddressFactory(user=buyer)
    if sku is None:
        sku = make_product(shop=shop, price_fen=price_fen, stock=100).skus.get()
    return order_services.order_place(
        shop=shop, user=buyer, items=[(sku.pk, quantity)], address_id=address.pk,
        attribution=attribution or Attribution(),
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


def refund(order: Order, amount_fen: int) -> None:
    after_sale = order_services.after_sale_request(
        order=order,
        user=order.user,
        kind=AfterSale.Kind.REFUND_ONLY,
        reason="不想要了",
        amount_fen=amount_fen,
    )
    order_services.after_sale_approve(shop=order.shop, after_sale_no=after_sale.after_sale_no, actor=None)


def after_window(order: Order) -> datetime:
    order.refresh_from_db()
    return order.completed_at + timedelta(days=order.shop.after_sale_days, seconds=1)


def sums(promoter: Promoter) -> dict[str, int]:
    rows = LedgerEntry.objects.filter(promoter=promoter).values("bucket").annotate(s=Sum("amount_fen"))
    return {row["bucket"]: row["s"] for row in rows}


def balances(promoter: Promoter) -> tuple[int, int]:
    """(pending, balance)"""
    found = services.promoter_balances(promoter=promoter)
    return found.pending_fen, found.balance_fen


def buyer(name: str = "buyer"):
    return ShopperFactory(username=name, nickname=f"买家{name}")
