"""How a refund is split over an order's lines: pure arithmetic on integer fen, no database.

Issue 11: "refunds split the discount proportionally across lines". At checkout each line got its
share of the order's discount (``OrderLine.discount_fen``, orders/pricing.py), so what the shopper
actually paid for a line is ``total_fen - discount_fen``: its *paid share*. A refund gives back
part of those paid shares (and maybe of the shipping fee) and says so line by line
(``AfterSaleLine``: units, money, and the part of the line's discount the refund gives up), so
commissions, points and returned stock can follow the lines.

The rules (``LineRoom`` is one line with what earlier refunds of it took):

- **Units chosen** (the shopper picks lines and quantities): ``q`` more units of a line may give
  back at most ``paid × (r + q) ÷ Q − a`` (floored; ``Q`` the line's units, ``r`` and ``a`` the units
  and money earlier refunds took), and the last units take all that is left, so refunding a line
  unit by unit gives back exactly its paid share. An amount below that maximum is split over the
  chosen lines in proportion to each one's maximum (largest remainder, ``orders.pricing.allocate``).
- **Amount only** (no lines: the existing API, or a refund made by another path): the amount is
  split over every line in proportion to the money each has left (largest remainder); any part
  above what the goods have left is shipping. Such a share gives back money only (``quantity``
  0), unless it gives back the last of a line's money: then the line's remaining units go with it
  (a line paid nothing, e.g. a free gift, goes with the refund that gives back all the goods).
- **Shipping**: part of a refund only when there is shipping left to give back: with chosen
  lines, when they are everything left of the order and it has not shipped (the caller decides);
  with an amount, for the part above the goods.
- **Discount given up**: follows the money (``D × money back ÷ paid share``, floored, cumulative;
  all of it once the line's paid share is all back); a line paid nothing gives it up with its
  units. It never exceeds the line's discount.

Every split adds up exactly to its amount, and no line ever gives back more than its paid share or
more units than it has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from orders.pricing import allocate


@dataclass(frozen=True)
class LineRoom:
    """One order line and what the refunds under way or done already took of it."""

    line_id: int
    quantity: int
    paid_fen: int  # total_fen - discount_fen: what the shopper paid for the line
    discount_fen: int
    refunded_quantity: int = 0
    refunded_fen: int = 0
    refunded_discount_fen: int = 0

    @property
    def quantity_left(self) -> int:
        return max(0, self.quantity - self.refunded_quantity)

    @property
    def money_left(self) -> int:
        return max(0, self.paid_fen - self.refunded_fen)

    def most_for(self, quantity: int) -> int:
        """The most a refund of ``quantity`` more units may give back (0 when none are left)."""
        if quantity <= 0 or quantity > self.quantity_left:
            return 0
        units = self.refunded_quantity + quantity
        if units >= self.quantity:
            return self.money_left
        return max(0, self.paid_fen * units // self.quantity - self.refunded_fen)

    def discount_given_up(self, *, amount_fen: int, quantity: int) -> int:
        """The part of the line's discount a refund of ``amount_fen`` and ``quantity`` units gives up."""
        left = max(0, self.discount_fen - self.refunded_discount_fen)
        if self.paid_fen > 0:
            back = self.refunded_fen + amount_fen
            if back >= self.paid_fen:
                return left
            cumulative = self.discount_fen * back // self.paid_fen
        else:
            cumulative = self.discount_fen * (self.refunded_quantity + quantity) // self.quantity
        return min(left, max(0, cumulative - self.refunded_discount_fen))


@dataclass(frozen=True)
class LineShare:
    """One line of a refund: units and money given back, discount given up."""

    line_id: int
    quantity: int
    amount_fen: int
    discount_fen: int


@dataclass(frozen=True)
class RefundSplit:
    lines: tuple[LineShare, ...]
    shipping_fen: int

    @property
    def goods_fen(self) -> int:
        return sum(share.amount_fen for share in self.lines)

    @property
    def amount_fen(self) -> int:
        return self.goods_fen + self.shipping_fen


class SplitRefused(ValueError):
    """The amount does not fit what is left (the caller turns it into an ``ApplicationError``)."""


def most_for_chosen(rooms: Mapping[int, LineRoom], chosen: Mapping[int, int]) -> int:
    """What the chosen lines (line id -> units) may give back at most, shipping left out."""
    return sum(rooms[line_id].most_for(quantity) for line_id, quantity in chosen.items())


def takes_everything_left(rooms: Iterable[LineRoom], chosen: Mapping[int, int]) -> bool:
    """Whether ``chosen`` is every unit left of every line (the whole rest of the order)."""
    return all(chosen.get(room.line_id, 0) == room.quantity_left for room in rooms if room.quantity_left)


def split_chosen(
    rooms: Mapping[int, LineRoom], chosen: Mapping[int, int], *, amount_fen: int, shipping_fen: int = 0
) -> RefundSplit:
    """``amount_fen`` over the chosen lines (line id -> units, each within what is left), in
    proportion to the most each may give back; the part above that is shipping, at most
    ``shipping_fen`` (0: no shipping may be given back)."""
    most = {line_id: rooms[line_id].most_for(quantity) for line_id, quantity in sorted(chosen.items())}
    goods = min(amount_fen, sum(most.values()))
    shipping = amount_fen - goods
    if amount_fen < 0 or shipping > shipping_fen:
        raise SplitRefused(amount_fen)
    shares = allocate(goods, most)
    lines = tuple(
        LineShare(
            line_id=line_id,
            quantity=quantity,
            amount_fen=shares[line_id],
            discount_fen=rooms[line_id].discount_given_up(amount_fen=shares[line_id], quantity=quantity),
        )
        for line_id, quantity in sorted(chosen.items())
    )
    return RefundSplit(lines=lines, shipping_fen=shipping)


def split_amount(rooms: Iterable[LineRoom], *, amount_fen: int, shipping_fen: int) -> RefundSplit:
    """``amount_fen`` with no lines chosen: over every line in proportion to the money it has left
    (largest remainder), the part above the goods to shipping (at most ``shipping_fen`` left)."""
    rooms = sorted(rooms, key=lambda room: room.line_id)
    left = {room.line_id: room.money_left for room in rooms}
    goods = min(amount_fen, sum(left.values()))
    shipping = amount_fen - goods
    if amount_fen < 0 or shipping > shipping_fen:
        raise SplitRefused(amount_fen)
    shares = allocate(goods, left)
    all_goods_back = goods == sum(left.values())
    lines = []
    for room in rooms:
        amount = shares[room.line_id]
        completes = amount == room.money_left and (amount > 0 or all_goods_back)
        quantity = room.quantity_left if completes else 0
        if amount == 0 and quantity == 0:
            continue
        lines.append(
            LineShare(
                line_id=room.line_id,
                quantity=quantity,
                amount_fen=amount,
                discount_fen=room.discount_given_up(amount_fen=amount, quantity=quantity),
            )
        )
    return RefundSplit(lines=tuple(lines), shipping_fen=shipping)


def rooms_after(rooms: Mapping[int, LineRoom], split: RefundSplit) -> dict[int, LineRoom]:
    """``rooms`` once ``split`` is taken too (for the next refund, or a check)."""
    from dataclasses import replace

    taken = {share.line_id: share for share in split.lines}
    return {
        line_id: replace(
            room,
            refunded_quantity=room.refunded_quantity + taken[line_id].quantity,
            refunded_fen=room.refunded_fen + taken[line_id].amount_fen,
            refunded_discount_fen=room.refunded_discount_fen + taken[line_id].discount_fen,
        )
        if line_id in taken
        else room
        for line_id, room in rooms.items()
    }
