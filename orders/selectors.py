"""Order reads for shoppers and merchants, each with a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from catalog.models import SKU, Product
from core.errors import NotFoundError
from orders.models import AfterSale, AfterSaleLine, Cart, CartItem, Order, OrderEvent, TrackingEvent
from orders.refund_split import LineRoom
from orders.state import TABS

if TYPE_CHECKING:
    from accounts.models import User
    from shop.models import Shop

TAB_NAMES = (*TABS, "after_sale")


def order_list_for_user(*, user: User, shop: Shop, tab: str | None = None) -> QuerySet[Order]:
    """ "My orders" in one shop, newest first; ``tab``: pending_payment, to_ship, to_receive,
    completed or after_sale."""
    queryset = (
        Order.objects.filter(user=user, shop=shop).prefetch_related("lines").order_by("-created_at", "-id")
    )
    if tab == "after_sale":
        queryset = queryset.filter(after_sales__isnull=False).distinct()
    elif tab in TABS:
        queryset = queryset.filter(status__in=TABS[tab])
    return queryset


def order_detail_for_user(*, user: User, shop: Shop, order_no: str) -> Order:
    order = (
        Order.objects.filter(user=user, shop=shop, order_no=order_no)
        .select_related("shipment", "shop")
        .prefetch_related(
            "lines",
            "discounts",
            Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "id")),
            Prefetch(
                "shipment__tracking_events", queryset=TrackingEvent.objects.order_by("-occurred_at", "-id")
            ),
            Prefetch(
                "after_sales",
                queryset=AfterSale.objects.order_by("-created_at", "-id").prefetch_related(
                    Prefetch("lines", queryset=AfterSaleLine.objects.select_related("order_line"))
                ),
            ),
        )
        .first()
    )
    if order is None:
        raise NotFoundError("order_not_found", _("订单不存在。"))
    order_lines_refund_state(order)
    return order


@dataclass(frozen=True)
class LineRefundState:
    """What an order line has given back (``refunded_*``: refunds done) and what a new request may
    still ask of it (``room``: after the refunds under way or done)."""

    refunded_quantity: int
    refunded_fen: int
    room: LineRoom

    @property
    def refundable_quantity(self) -> int:
        return self.room.quantity_left

    @property
    def refundable_fen(self) -> int:
        """What refunding every unit left gives back at most."""
        return self.room.most_for(self.room.quantity_left)


def order_lines_refund_state(order: Order) -> None:
    """Set ``line.refund`` (a ``LineRefundState``) on each of the order's lines, from its
    prefetched after-sales and their lines (no queries; ``order_detail_for_user`` calls it)."""
    from orders.services.after_sale_lines import COMMITTED, room_of

    done: dict[int, list[int]] = {}
    taken: dict[int, list[int]] = {}
    for after_sale in order.after_sales.all():
        for row in after_sale.lines.all():
            if after_sale.status == AfterSale.Status.REFUNDED:
                entry = done.setdefault(row.order_line_id, [0, 0])
                entry[0] += row.quantity
                entry[1] += int(row.amount_fen)
            if after_sale.status in COMMITTED:
                sums = taken.setdefault(row.order_line_id, [0, 0, 0])
                sums[0] += row.quantity
                sums[1] += int(row.amount_fen)
                sums[2] += int(row.discount_fen)
    for line in order.lines.all():
        q, a, d = taken.get(line.pk, (0, 0, 0))
        refunded = done.get(line.pk, (0, 0))
        line.refund = LineRefundState(  # type: ignore[attr-defined]  # read by the page and the API
            refunded_quantity=refunded[0],
            refunded_fen=refunded[1],
            room=room_of(line, quantity=q, amount_fen=a, discount_fen=d),
        )


def sku_label(sku: SKU) -> str:
    return f"{sku.product.title} {sku.spec_text}".strip()


def line_problem(*, sku: SKU, quantity: int) -> str:
    """The one availability rule for a cart line and a checkout line: why ``quantity`` of ``sku``
    cannot be bought now ("" when it can). Needs ``sku.product`` loaded."""
    if not sku.is_active or sku.product.status != Product.Status.ON_SALE:
        return _("“%(item)s”已下架。") % {"item": sku_label(sku)}
    if sku.stock <= 0:
        return _("“%(item)s”已售罄。") % {"item": sku_label(sku)}
    if sku.stock < quantity:
        return _("“%(item)s”库存只剩 %(stock)d 件。") % {"item": sku_label(sku), "stock": sku.stock}
    return ""


@dataclass(frozen=True)
class CartLine:
    item: CartItem
    problem: str  # "" when the line can be bought now

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def total_fen(self) -> int:
        return int(self.item.sku.price_fen) * self.item.quantity


@dataclass(frozen=True)
class CartSummary:
    """A cart as the H5 page, the API and checkout see it: every line with its availability
    (``line_problem``) and the total of the lines that can be bought."""

    lines: list[CartLine]

    @property
    def goods_fen(self) -> int:
        return sum(line.total_fen for line in self.lines if line.ok)

    @property
    def available_items(self) -> list[tuple[int, int]]:
        """``(sku_id, quantity)`` of the lines checkout from the cart buys."""
        return [(line.item.sku_id, line.item.quantity) for line in self.lines if line.ok]


def cart_summary(*, cart: Cart | None) -> CartSummary:
    return CartSummary(
        lines=[
            CartLine(item=item, problem=line_problem(sku=item.sku, quantity=item.quantity))
            for item in cart_items(cart=cart)
        ]
    )


def cart_items(*, cart: Cart | None) -> list[CartItem]:
    if cart is None:
        return []
    return list(
        cart.items.select_related("sku", "sku__product", "sku__product__cover", "sku__image").order_by(
            "-created_at", "-id"
        )
    )


def order_after_sale_state(order: Order) -> dict[str, Any]:
    """What the order page offers for after-sales, by the rules ``after_sale_request`` applies
    (no queries: ``order_detail_for_user`` has loaded the after-sales): the open request, if any,
    and whether a new one may be asked for."""
    from datetime import timedelta

    from django.utils import timezone

    from orders.services.after_sales import AFTER_SALE_STATUSES, OPEN_AFTER_SALE

    after_sales = list(order.after_sales.all())
    open_request = next((a for a in after_sales if a.status in OPEN_AFTER_SALE), None)
    expired = bool(
        order.status == "completed"
        and order.completed_at
        and timezone.now() - order.completed_at > timedelta(days=order.shop.after_sale_days)
    )
    can_request = (
        open_request is None
        and not expired
        and order.status in AFTER_SALE_STATUSES
        and order.paid_fen > order.refunded_fen
    )
    return {"open_after_sale": open_request, "can_after_sale": can_request}
