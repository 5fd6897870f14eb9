"""An after-sale's lines: what each refund gives back of each order line (the rules:
orders/refund_split.py). Internal to orders: ``after_sale_request`` checks and stores the lines a
shopper chose; the move to ``refunding`` (``orders.after_sale_state``, the one place every path to a
refund goes through) calls ``after_sale_lines_settle``, which splits an after-sale that has none
and checks one that has. Both run with the order's row locked, which serialises every refund of
the order: what earlier refunds took is read under that lock, so the same unit or fen is never
given back twice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.integers import is_int
from core.money import format_yuan
from orders.models import AfterSale, AfterSaleLine, Order, OrderLine, OrderStatus
from orders.refund_split import (
    LineRoom,
    RefundSplit,
    SplitRefused,
    most_for_chosen,
    split_amount,
    split_chosen,
    takes_everything_left,
)

# the refunds whose lines count: under way or done (a failed, rejected or withdrawn one gave nothing)
COMMITTED = (AfterSale.Status.REFUNDING, AfterSale.Status.REFUNDED)
LINE_INVALID = "after_sale_line_invalid"


def room_of(line: OrderLine, *, quantity: int = 0, amount_fen: int = 0, discount_fen: int = 0) -> LineRoom:
    return LineRoom(
        line_id=line.pk, quantity=line.quantity, paid_fen=int(line.total_fen) - int(line.discount_fen),
        discount_fen=int(line.discount_fen), refunded_quantity=quantity, refunded_fen=amount_fen,
        refunded_discount_fen=discount_fen,
    )  # fmt: skip


def line_rooms(*, order: Order, exclude: AfterSale | None = None) -> dict[int, LineRoom]:
    """Each line of ``order`` with what the refunds under way or done took of it (2 queries)."""
    rows = AfterSaleLine.objects.filter(after_sale__order=order, after_sale__status__in=COMMITTED)
    if exclude is not None:
        rows = rows.exclude(after_sale=exclude)
    taken: dict[int, tuple[int, int, int]] = {
        row["order_line_id"]: (row["q"] or 0, row["a"] or 0, row["d"] or 0)
        for row in rows.values("order_line_id").annotate(
            q=Sum("quantity"), a=Sum("amount_fen"), d=Sum("discount_fen")
        )
    }
    rooms = {}
    for line in order.lines.order_by("pk"):
        quantity, amount, discount = taken.get(line.pk, (0, 0, 0))
        rooms[line.pk] = room_of(line, quantity=quantity, amount_fen=amount, discount_fen=discount)
    return rooms


def shipping_left(*, order: Order, exclude: AfterSale | None = None) -> int:
    """The shipping fee not yet given back by the refunds under way or done."""
    rows = AfterSale.objects.filter(order=order, status__in=COMMITTED)
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    taken = rows.aggregate(total=Sum("shipping_fen"))["total"] or 0
    return max(0, int(order.shipping_fen) - int(taken))


def shipping_allowed(*, order: Order, rooms: Mapping[int, LineRoom], chosen: Mapping[int, int]) -> bool:
    """Shipping goes back with chosen lines only when they are the whole rest of an order that
    has not shipped (once it has, the carrier has been paid)."""
    return order.status == OrderStatus.PAID and takes_everything_left(rooms.values(), chosen)


def _line_error(message: str, *, http_status: int = 400) -> ApplicationError:
    return ApplicationError(LINE_INVALID, message, fields={"lines": [message]}, http_status=http_status)


def chosen_lines(*, order: Order, lines: Sequence[Any], rooms: Mapping[int, LineRoom]) -> dict[int, int]:
    """The shopper's ``[(line_id, quantity), ...]`` checked against the order's lines and what is
    left of them: ``{line_id: quantity}``, or ``after_sale_line_invalid``."""
    titles = {line.pk: f"{line.title} {line.spec_text}".strip() for line in order.lines.all()}
    chosen: dict[int, int] = {}
    for entry in lines:
        line_id, quantity = entry
        if not is_int(line_id) or line_id not in rooms:
            raise _line_error(_("订单中没有所选的商品。"))
        if line_id in chosen:
            raise _line_error(_("同一件商品只能选择一次。"))
        room = rooms[line_id]
        if not is_int(quantity) or quantity < 1:
            raise _line_error(_("“%(item)s”的退货数量至少为 1。") % {"item": titles[line_id]})
        if quantity > room.quantity_left:
            message = (
                _("“%(item)s”已全部退款。") % {"item": titles[line_id]}
                if room.quantity_left == 0
                else _("“%(item)s”最多还能退 %(n)d 件。") % {"item": titles[line_id], "n": room.quantity_left}
            )
            raise _line_error(message)
        chosen[line_id] = quantity
    return chosen


def chosen_most_fen(*, order: Order, rooms: Mapping[int, LineRoom], chosen: Mapping[int, int]) -> int:
    """The most the chosen lines may give back: their refundable sum, plus the shipping left when
    they are the whole rest of an unshipped order."""
    most = most_for_chosen(rooms, chosen)
    if shipping_allowed(order=order, rooms=rooms, chosen=chosen):
        most += shipping_left(order=order)
    return most


def split_for_chosen(
    *, order: Order, rooms: Mapping[int, LineRoom], chosen: Mapping[int, int], amount_fen: int
) -> RefundSplit:
    """``amount_fen`` (at most ``chosen_most_fen``) over the chosen lines, then shipping."""
    shipping = shipping_left(order=order) if shipping_allowed(order=order, rooms=rooms, chosen=chosen) else 0
    return split_chosen(rooms, chosen, amount_fen=amount_fen, shipping_fen=shipping)


def after_sale_lines_write(*, after_sale: AfterSale, split: RefundSplit) -> None:
    """Store ``split`` as the after-sale's lines and shipping part (replacing none: a new one)."""
    if split.amount_fen != after_sale.amount_fen:  # a programming error: the split is of this amount
        raise ValueError(f"split of {split.amount_fen} for an after-sale of {after_sale.amount_fen}")
    AfterSaleLine.objects.bulk_create(
        [
            AfterSaleLine(
                shop_id=after_sale.shop_id,
                after_sale=after_sale,
                order_line_id=share.line_id,
                quantity=share.quantity,
                amount_fen=share.amount_fen,
                discount_fen=share.discount_fen,
            )
            for share in split.lines
        ]
    )
    if after_sale.shipping_fen != split.shipping_fen:
        after_sale.shipping_fen = split.shipping_fen
        AfterSale.objects.filter(pk=after_sale.pk).update(shipping_fen=split.shipping_fen)


def after_sale_lines_settle(*, order: Order, after_sale: AfterSale) -> None:
    """The refund of ``after_sale`` is being reserved (the order's row locked): split it over the
    lines now if it has none (asked as an amount, or made by another path), by what each line has
    left; or check the lines the shopper chose still fit (nothing else may have taken them since).
    Afterwards its lines and ``shipping_fen`` add up to its ``amount_fen`` exactly. Refuses with
    ``refund_exceeds_paid`` or ``after_sale_line_invalid`` (409), changing nothing."""
    rooms = line_rooms(order=order, exclude=after_sale)
    ship_left = shipping_left(order=order, exclude=after_sale)
    existing = list(after_sale.lines.select_related("order_line"))
    if not existing:
        try:
            split = split_amount(
                rooms.values(), amount_fen=int(after_sale.amount_fen), shipping_fen=ship_left
            )
        except SplitRefused:
            raise ApplicationError(
                "refund_exceeds_paid", _("退款金额超过了可退金额。"), http_status=409
            ) from None
        after_sale_lines_write(after_sale=after_sale, split=split)
        return
    if after_sale.shipping_fen > ship_left:
        raise _line_error(_("运费已退过，不能再退。"), http_status=409)
    total = int(after_sale.shipping_fen)
    for row in existing:
        room = rooms.get(row.order_line_id)
        item = f"{row.order_line.title} {row.order_line.spec_text}".strip()
        if room is None or row.quantity > room.quantity_left:
            raise _line_error(_("“%(item)s”已被其他退款退过，请重新申请。") % {"item": item}, http_status=409)
        most = room.most_for(row.quantity) if row.quantity else room.money_left
        if row.amount_fen > most:
            raise _line_error(
                _("“%(item)s”最多还能退 %(max)s，请重新申请。") % {"item": item, "max": format_yuan(most)},
                http_status=409,
            )
        discount = room.discount_given_up(amount_fen=int(row.amount_fen), quantity=row.quantity)
        if discount != row.discount_fen:
            row.discount_fen = discount
            row.save(update_fields=["discount_fen"])
        total += int(row.amount_fen)
    if total != after_sale.amount_fen:
        raise ValueError(
            f"after-sale {after_sale.pk}: its lines add up to {total}, not {after_sale.amount_fen}"
        )


def after_sale_split_preview(*, after_sale: AfterSale) -> list[tuple[str, int]] | None:
    """For the merchant deciding a request asked as an amount: how approving it now would split
    it (``[(what, fen), ...]``, shipping last), read without locks. None when the request has its
    lines already (they are shown as they are) or does not fit what is left."""
    if after_sale.lines.exists():
        return None
    order = after_sale.order
    try:
        split = split_amount(
            line_rooms(order=order, exclude=after_sale).values(),
            amount_fen=int(after_sale.amount_fen),
            shipping_fen=shipping_left(order=order, exclude=after_sale),
        )
    except SplitRefused:
        return None
    titles = {line.pk: f"{line.title} {line.spec_text}".strip() for line in order.lines.all()}
    preview = [
        (
            f"{titles[share.line_id]} × {share.quantity}" if share.quantity else titles[share.line_id],
            share.amount_fen,
        )
        for share in split.lines
    ]
    if split.shipping_fen:
        preview.append((_("运费"), split.shipping_fen))
    return preview
