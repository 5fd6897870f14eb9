"""An order's life after placing: lookups, cancel, expiry, payment, receipt, auto-complete."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.models import SKU, Product
from core.errors import ApplicationError, NotFoundError
from orders.locks import order_lock, order_lock_if_exists, order_qs_select_for_update
from orders.models import Order, OrderEvent, OrderStatus
from orders.services.stock import order_stock_release, products_stock_changed
from orders.state import order_transition
from shop.models import Shop

E = OrderEvent.Type
A = OrderEvent.Actor


def order_get_for_shop(*, shop: Shop, order_no: str, lock: bool = False) -> Order:
    order = (
        (order_qs_select_for_update() if lock else Order.objects).filter(shop=shop, order_no=order_no).first()
    )
    if order is None:
        raise NotFoundError("order_not_found", _("订单不存在。"))
    return order


def order_get_for_user(*, user: User, order_no: str, shop: Shop | None = None, lock: bool = False) -> Order:
    queryset = (order_qs_select_for_update() if lock else Order.objects).filter(user=user, order_no=order_no)
    if shop is not None:
        queryset = queryset.filter(shop=shop)
    order = queryset.first()
    if order is None:
        raise NotFoundError("order_not_found", _("订单不存在。"))
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor: User | None, actor_kind: str, reason: str = "") -> Order:
    """Cancel an unpaid order and put its stock back."""
    order = order_lock(pk=order.pk)
    order_transition(
        order=order, to=OrderStatus.CANCELLED, event=E.CANCELLED, actor_kind=actor_kind, actor=actor,
        message=reason[:255],
    )  # fmt: skip
    order_stock_release(order)
    return order


def _for_each_due(queryset: QuerySet[Order], handle: Callable[[Order], bool], *, limit: int) -> int:
    """Run ``handle`` on each order of ``queryset`` (ids first, then one short transaction per
    order with its row locked), so several workers can run the same job at once: an order another
    worker already handled fails ``handle``'s re-check and is skipped. Returns how many it changed."""
    changed = 0
    for pk in list(queryset.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            order = order_lock_if_exists(pk=pk)
            if order is not None and handle(order):
                changed += 1
    return changed


def orders_expire_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Cancel unpaid orders past their deadline and release their stock, each exactly once."""
    now = now or timezone.now()

    def expire(order: Order) -> bool:
        if order.status != OrderStatus.PENDING_PAYMENT or order.pay_deadline > now:
            return False
        order_transition(
            order=order, to=OrderStatus.CANCELLED, event=E.EXPIRED, actor_kind=A.SYSTEM,
            message=_("超时未支付，订单已自动取消。"),
        )  # fmt: skip
        order_stock_release(order)
        return True

    due = Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, pay_deadline__lte=now).order_by(
        "pay_deadline", "pk"
    )
    return _for_each_due(due, expire, limit=limit)


@transaction.atomic
def order_mark_paid(
    *, order: Order, amount_fen: int, paid_at: datetime | None = None, reference: str = ""
) -> bool:
    """Record a verified payment (``reference``: the provider's transaction id, ``paid_at``: when
    the provider says it was paid). Returns True if this call moved the order to paid, False if
    this same payment was already applied (a duplicate notification). A payment for an order that
    can no longer be paid raises ``ApplicationError`` — the payments app refunds it, saying why by
    the code: ``order_already_paid`` (another payment paid it first), ``order_not_payable``
    (cancelled), ``amount_mismatch``."""
    order = order_lock(pk=order.pk)
    if order.status != OrderStatus.PENDING_PAYMENT:
        if order.paid_at is None:
            raise ApplicationError("order_not_payable", _("订单已取消，不能再支付。"), http_status=409)
        if reference and not order.events.filter(type=E.PAID, data__reference=reference).exists():
            raise ApplicationError("order_already_paid", _("订单已通过另一笔付款支付。"), http_status=409)
        return False
    if amount_fen != order.total_fen:
        raise ApplicationError("amount_mismatch", _("支付金额与订单金额不一致。"), http_status=409)
    order.paid_fen = amount_fen
    order_transition(
        order=order, to=OrderStatus.PAID, event=E.PAID, actor_kind=A.SYSTEM, data={"reference": reference},
        extra_fields=("paid_fen",), at=paid_at,
    )  # fmt: skip
    lines = list(order.lines.order_by("sku_id"))
    for line in lines:
        SKU.objects.filter(pk=line.sku_id).update(sales_count=F("sales_count") + line.quantity)
        Product.objects.filter(pk=line.product_id_snapshot).update(
            sales_count=F("sales_count") + line.quantity
        )
    products_stock_changed(line.product_id_snapshot for line in lines)  # their pages and the lists
    return True


@transaction.atomic
def order_confirm_receipt(*, order: Order, user: User) -> Order:
    """The shopper confirms they received a shipped order."""
    order = order_lock(pk=order.pk)
    if order.user_id != user.pk:
        raise NotFoundError("order_not_found", _("订单不存在。"))
    order_transition(
        order=order, to=OrderStatus.COMPLETED, event=E.RECEIVED, actor_kind=A.SHOPPER, actor=user
    )
    return order


def orders_auto_complete_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Complete shipped/delivered orders whose confirmation period (shop setting) has passed,
    unless an after-sales request is waiting for the merchant (or, for a return, for the parcel)."""
    from orders.services.after_sales import WAITING_AFTER_SALE

    now = now or timezone.now()
    receiving = (OrderStatus.SHIPPED, OrderStatus.DELIVERED)

    def complete(order: Order) -> bool:
        if order.status not in receiving or order.after_sales.filter(status__in=WAITING_AFTER_SALE).exists():
            return False
        order_transition(
            order=order, to=OrderStatus.COMPLETED, event=E.COMPLETED, actor_kind=A.SYSTEM,
            message=_("超过确认收货期限，系统已自动确认收货。"),
        )  # fmt: skip
        return True

    due = Order.objects.filter(status__in=receiving, auto_complete_at__lte=now).order_by(
        "auto_complete_at", "pk"
    )
    return _for_each_due(due, complete, limit=limit)
