"""Order reads for shoppers and merchants, each with a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
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


# What a list of orders shows (the H5 list, the API's OrderSummarySerializer): not the address,
# the amounts' parts or the attribution, which only the order's own page reads.
ORDER_SUMMARY_COLUMNS = (
    "shop_id",
    "user_id",
    "order_no",
    "status",
    "total_fen",
    "created_at",
    "pay_deadline",
)


def order_list_for_user(*, user: User, shop: Shop, tab: str | None = None) -> QuerySet[Order]:
    """ "My orders" in one shop, newest first; ``tab``: pending_payment, to_ship, to_receive,
    completed or after_sale."""
    queryset = (
        Order.objects.filter(user=user, shop=shop)
        .only(*ORDER_SUMMARY_COLUMNS)
        .prefetch_related("lines")
        .order_by("-created_at", "-id")
    )
    if tab == "after_sale":
        queryset = queryset.filter(after_sales__isnull=False).distinct()
    elif tab in TABS:
        queryset = queryset.filter(status__in=TABS[tab])
    return queryset


def order_counts_for_user(*, user: User, shop: Shop) -> dict[str, int]:
    """The badges of 我的订单 in one shop, in one query: how many of my orders wait in each tab
    (``pending_payment``, ``to_ship``, ``to_receive``) and how many have an after-sale still open
    (``after_sale``: requested, waiting for or on the way back, refunding)."""
    from orders.services.after_sales import OPEN_AFTER_SALE

    open_after_sale = AfterSale.objects.filter(order=OuterRef("pk"), status__in=OPEN_AFTER_SALE)
    counts = Order.objects.filter(user=user, shop=shop).aggregate(
        **{
            tab: Count("pk", filter=Q(status__in=TABS[tab]))
            for tab in ("pending_payment", "to_ship", "to_receive")
        },
        after_sale=Count("pk", filter=Q(Exists(open_after_sale))),
    )
    return {name: int(n or 0) for name, n in counts.items()}


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
                    Prefetch("lines", queryset=AfterSaleLine.objects.select_related("order_line")), "photos"
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
    return _summary(cart_items(cart=cart))


def cart_summary_for_user(*, shop: Shop, user: User) -> CartSummary:
    """The logged-in shopper's cart in ``shop``: the cart and its lines in one query."""
    return _summary(list(_with_line_columns(CartItem.objects.filter(cart__shop=shop, cart__user=user))))


def _summary(items: list[CartItem]) -> CartSummary:
    return CartSummary(
        lines=[
            CartLine(item=item, problem=line_problem(sku=item.sku, quantity=item.quantity)) for item in items
        ]
    )


# What a cart line shows and checks (the H5 cart, the API, checkout): these columns only, so neither
# a product's description nor its other columns are read and turned into objects for every line.
CART_LINE_COLUMNS = (
    "cart_id", "sku_id", "quantity", "created_at",
    "sku__product_id", "sku__spec_text", "sku__price_fen", "sku__stock", "sku__is_active", "sku__image_id",
    "sku__product__title", "sku__product__status", "sku__product__cover_id",
    *(f"{image}__{column}" for image in ("sku__image", "sku__product__cover")
      for column in ("image", "width", "height", "thumb_list")),
)  # fmt: skip


def _with_line_columns(items: QuerySet[CartItem]) -> QuerySet[CartItem]:
    return (
        items.select_related("sku", "sku__product", "sku__product__cover", "sku__image")
        .only(*CART_LINE_COLUMNS)
        .order_by("-created_at", "-id")
    )


def cart_items(*, cart: Cart | None) -> list[CartItem]:
    if cart is None:
        return []
    return list(_with_line_columns(cart.items.all()))


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


# ---------------------------------------------------------------- an after-sale's progress


@dataclass(frozen=True)
class AfterSaleStep:
    label: str
    state: str  # "done" | "current" | "todo" | "ended" (the request stopped here)


@dataclass(frozen=True)
class AfterSaleProgress:
    """Where an after-sale stands, for the shopper's page, the API and admin: its steps, the
    deadline of the current one and what happens when it passes (``deadline_action``:
    ``auto_approve``, ``auto_close`` or ``auto_receive``; "" with no deadline)."""

    steps: list[AfterSaleStep]
    deadline: datetime | None
    deadline_action: str
    hint: str  # what the shopper reads under the steps

    @property
    def current(self) -> str:
        return next((s.label for s in self.steps if s.state in ("current", "ended")), self.steps[-1].label)


def after_sale_progress(after_sale: AfterSale) -> AfterSaleProgress:
    """No queries: everything is on the row."""
    from django.utils import timezone

    AS = AfterSale.Status
    status = after_sale.status
    if after_sale.is_return:
        labels = [_("提交申请"), _("商家同意"), _("寄回商品"), _("商家收货"), _("退款")]
        at: dict[str, int] = {AS.REQUESTED: 1, AS.AWAITING_RETURN: 2, AS.RETURNING: 3, AS.REFUNDING: 4, AS.REFUNDED: 5,
              AS.REJECTED: 1, AS.WITHDRAWN: 1, AS.CLOSED: 2, AS.RETURN_REJECTED: 3, AS.FAILED: 4}  # fmt: skip
    else:
        labels = [_("提交申请"), _("商家处理"), _("退款")]
        at = {AS.REQUESTED: 1, AS.REFUNDING: 2, AS.REFUNDED: 3, AS.REJECTED: 1, AS.WITHDRAWN: 1, AS.FAILED: 2}
    if status == AS.WITHDRAWN and after_sale.handled_at:  # withdrawn after the approval
        at[AS.WITHDRAWN] = 2
    position = at.get(status, 1)
    ended = status in (AS.REJECTED, AS.WITHDRAWN, AS.CLOSED, AS.RETURN_REJECTED, AS.FAILED)
    steps = []
    for index, label in enumerate(labels):
        if index < position:
            steps.append(AfterSaleStep(label, "done"))
        elif index == position:
            steps.append(AfterSaleStep(str(after_sale.get_status_display()) if ended else label,
                                       "ended" if ended else "current"))  # fmt: skip
            if ended:
                break
        else:
            steps.append(AfterSaleStep(label, "todo"))

    def local(moment: datetime) -> str:
        return timezone.localtime(moment).strftime("%m-%d %H:%M")

    deadline: datetime | None = None
    action, hint = "", ""
    if status == AS.REQUESTED and after_sale.respond_by:
        deadline, action = after_sale.respond_by, "auto_approve"
        hint = (
            _("商家需在 %(t)s 前处理，超时系统自动同意退货") if after_sale.is_return
            else _("商家需在 %(t)s 前处理，超时系统自动同意并退款")
        ) % {"t": local(deadline)}  # fmt: skip
    elif status == AS.AWAITING_RETURN:
        if after_sale.return_address and after_sale.ship_back_by:
            deadline, action = after_sale.ship_back_by, "auto_close"
            hint = _("请在 %(t)s 前寄回商品并填写退货物流，超时未填写申请将自动关闭") % {"t": local(deadline)}
        else:
            hint = _("商家暂未提供退货地址，请联系商家客服")
    elif status == AS.RETURNING and after_sale.receive_by:
        deadline, action = after_sale.receive_by, "auto_receive"
        hint = _("商家需在 %(t)s 前确认收货，超时系统自动确认收货并退款") % {"t": local(deadline)}
    elif status == AS.REFUNDING:
        hint = _("退款将原路退回，请留意到账")
    elif status == AS.RETURN_REJECTED:
        hint = _("商家验货后拒绝退款；如有异议，请联系商家客服或投诉店铺")
    return AfterSaleProgress(steps=steps, deadline=deadline, deadline_action=action, hint=hint)


def after_sale_detail_for_user(*, user: User, shop: Shop, order_no: str, after_sale_no: str) -> AfterSale:
    """One of the shopper's after-sales with what its page shows (lines, photos, its own history):
    a fixed number of queries; another shopper's is ``after_sale_not_found``."""
    from orders.models import AfterSaleEvent

    after_sale = (
        AfterSale.objects.filter(
            shop=shop, order__user=user, order__order_no=order_no, after_sale_no=after_sale_no
        )
        .select_related("order", "order__shop")
        .prefetch_related(
            Prefetch("lines", queryset=AfterSaleLine.objects.select_related("order_line")),
            "photos",
            Prefetch("events", queryset=AfterSaleEvent.objects.order_by("-created_at", "-id")),
        )
        .first()
    )
    if after_sale is None:
        raise NotFoundError("after_sale_not_found", _("售后申请不存在。"))
    return after_sale
