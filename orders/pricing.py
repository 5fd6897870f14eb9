"""The pricing-rules port: checkout runs an ordered list of registered rules, each returning
discount lines (docs/architecture.md#layers-and-ports).

An app above ``orders`` (promotions: coupons, flash price; marketing: group price) registers a rule
in its ``AppConfig.ready()`` with ``register_pricing_rule(rule)``. With no rule registered every
discount is 0. For each checkout (the preview and the real placing alike) ``pricing_run`` calls
each rule's ``apply`` in registration order with a ``PricingContext``: the shop and shopper, the
priced lines (SKU, product and category ids, quantity, unit price), the goods total, the discounts
of the rules before it, the shopper's options (plain data such as ``{"coupon_id": 12}``, passed
through from the request and never trusted), the attribution, and whether this is the real placing.

The rules (invariants, enforced here whatever a rule returns):

- amounts are integer fen; a line of 0 is dropped; a negative amount is a programming error;
- the discounts never add up to more than the goods total (a rule's line is cut to what is left;
  shipping is never discounted), so the total is never negative;
- each line is allocated to the order lines: by the rule's own ``allocation`` (``{sku_id: fen}``,
  e.g. a coupon for one category), or in proportion to what is left of each line's total, by the
  largest-remainder rule, so the shares are integers that add up exactly;
- ``Order.discount_fen`` is the sum of the lines and each ``OrderLine.discount_fen`` the sum of its
  shares.

When the order is placed, inside its transaction and after its stock is reserved, each rule that
gave a line is asked to ``consume`` it (mark a coupon used, count a flash-sale purchase); raising
``ApplicationError`` with a stable code (``coupon_used``) refuses the order and rolls everything
back, stock included. To give something back when an unpaid order is cancelled or expires, the
rule's app listens to the order events port (``orders.events.register(..., in_transaction=True)``,
an event whose ``to_status`` is ``cancelled``) and reads the order's ``discounts`` by ``code``/``ref``.

Two optional extras of a discount line, for a rule that holds units or hurries payment (a flash
sale, whose units were taken out of the SKU's stock when its session started):

- ``supplies`` (``{sku_id: units}``): units of a line the rule brings from a pool of its own. The
  preview checks, and ``order_place`` reserves, only the rest against the SKU's stock. Before the
  stock is reserved, inside the order's transaction, ``order_place`` calls the rule's
  ``supply(context=, discount=, order=)``, which takes them from its pool (one conditional update,
  as the stock is); raising ``ApplicationError`` refuses the order and rolls everything back. When
  the order's stock is released (cancel, expiry, a full refund before shipping), every function
  registered with ``stock_return_register(fn)`` is asked ``fn(order=) -> {sku_id: units}``: the
  units it takes back into its own pool; only the rest goes back to the SKU's stock.
- ``pay_within_minutes``: the order must be paid sooner than the shop's own pay timeout; the
  order's pay deadline is the shortest of them.

Lock order: a rule's pool rows (``supply``, a stock return) are locked before any SKU row.

Example (in a promotions app)::

    class FullReduction:
        code = "full_reduction"
        name = gettext_lazy("满减")  # what admin calls the rule (pricing_rule_name)

        def apply(self, context: PricingContext) -> list[Discount]:
            if context.goods_fen < 10000:
                return []
            return [Discount(code=self.code, label=gettext("满 100 减 10"), amount_fen=1000)]

        def consume(self, *, context: PricingContext, discount: Discount, order: Order) -> None:
            pass  # nothing to use up

    class PromotionsConfig(AppConfig):
        def ready(self) -> None:
            register_pricing_rule(FullReduction())
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from django.utils.translation import gettext

from core.attribution import NO_ATTRIBUTION, Attribution

if TYPE_CHECKING:
    from accounts.models import User
    from orders.models import Order
    from shop.models import Shop


@dataclass(frozen=True)
class PricingLine:
    """One priced line of a would-be order (server prices only)."""

    sku_id: int
    product_id: int
    category_id: int | None
    quantity: int
    unit_price_fen: int

    @property
    def total_fen(self) -> int:
        return self.unit_price_fen * self.quantity


@dataclass(frozen=True)
class Discount:
    """A discount line a rule gives: ``code`` (the rule's, stable), ``label`` (what the shopper
    reads, translated: ``gettext("满 100 减 10")``), ``amount_fen``, ``ref`` (what it consumed, e.g.
    ``"coupon:12"``), ``data`` (kept on the order for the rule) and optionally ``allocation``
    (``{sku_id: fen}``, adding up to ``amount_fen``; default: in proportion to the lines)."""

    code: str
    label: str
    amount_fen: int
    ref: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    allocation: Mapping[int, int] | None = None
    supplies: Mapping[int, int] | None = None  # sku_id -> units the rule brings from its own pool
    pay_within_minutes: int | None = None  # the order must be paid within this (if shorter)


@dataclass(frozen=True)
class PricingContext:
    shop: Shop
    user: User
    lines: tuple[PricingLine, ...]
    goods_fen: int
    discounts: tuple[Discount, ...] = ()  # of the rules before this one, as cut and allocated
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    attribution: Attribution = NO_ATTRIBUTION
    placing: bool = False  # False: a preview (nothing may be consumed)

    @property
    def discount_fen(self) -> int:
        return sum(d.amount_fen for d in self.discounts)

    @property
    def remaining_fen(self) -> int:
        """What the rules after the earlier ones may still take off."""
        return self.goods_fen - self.discount_fen


@runtime_checkable
class PricingRule(Protocol):
    code: str
    # optional: ``name`` (a translated string, e.g. ``gettext_lazy("优惠券")``), what admin shows
    # for the rule's discount lines and in its filter (``pricing_rule_name``)

    def apply(self, context: PricingContext) -> Sequence[Discount]:
        """The discount lines this rule gives for ``context`` (none: an empty list). Must not write."""
        ...


@runtime_checkable
class ConsumingRule(PricingRule, Protocol):
    def consume(self, *, context: PricingContext, discount: Discount, order: Order) -> None:
        """Use up what ``discount`` took, inside the order's transaction (the order row exists;
        its lines and discount rows are written). Raise ``ApplicationError`` to refuse the order."""
        ...


@runtime_checkable
class SupplyingRule(PricingRule, Protocol):
    def supply(self, *, context: PricingContext, discount: Discount, order: Order) -> None:
        """Take ``discount.supplies`` from the rule's own pool, inside the order's transaction and
        before the stock is reserved. Raise ``ApplicationError`` to refuse the order."""
        ...


pricing_rules: list[PricingRule] = []

StockReturn = Callable[..., Mapping[int, int]]
stock_return_fns: list[StockReturn] = []


def stock_return_register(fn: StockReturn) -> None:
    """``fn(*, order) -> {sku_id: units}``: units of a released order a rule takes back into its
    own pool (they do not go back to the SKU's stock). Called with the order locked."""
    if fn not in stock_return_fns:
        stock_return_fns.append(fn)


def stock_return_unregister(fn: StockReturn) -> None:
    if fn in stock_return_fns:
        stock_return_fns.remove(fn)


def stock_returns(*, order: Order) -> dict[int, int]:
    """What the registered functions take back of ``order``'s units, per SKU (summed)."""
    kept: dict[int, int] = {}
    for fn in stock_return_fns:
        for sku_id, units in fn(order=order).items():
            if units > 0:
                kept[sku_id] = kept.get(sku_id, 0) + units
    return kept


def register_pricing_rule(rule: PricingRule) -> None:
    """Add a rule at the end of the list (once: registering it again changes nothing)."""
    if rule not in pricing_rules:
        pricing_rules.append(rule)


def unregister_pricing_rule(rule: PricingRule) -> None:
    if rule in pricing_rules:
        pricing_rules.remove(rule)


def pricing_rule_name(code: str) -> str:
    """What a merchant reads for the rule ``code`` (its ``name``: 优惠券, 秒杀价, 拼团价); the code
    itself for a rule no longer registered or without a name."""
    for rule in pricing_rules:
        if rule.code == code:
            name = getattr(rule, "name", "")
            return gettext(str(name)) if name else code
    return code


def pricing_rule_choices() -> list[tuple[str, str]]:
    """``[(code, name)]`` of the registered rules, in their order (admin's 规则 filter)."""
    return [(rule.code, pricing_rule_name(rule.code)) for rule in pricing_rules]


@dataclass(frozen=True)
class PricingResult:
    discounts: tuple[Discount, ...] = ()  # each with its ``allocation`` filled in
    line_discounts: Mapping[int, int] = field(
        default_factory=lambda: MappingProxyType({})
    )  # sku_id -> its share of every discount
    rules: tuple[PricingRule, ...] = ()  # the rule that gave each discount

    @property
    def discount_fen(self) -> int:
        return sum(d.amount_fen for d in self.discounts)

    @property
    def supplied(self) -> dict[int, int]:
        """sku_id -> units the rules bring from their own pools (summed over the discounts)."""
        units: dict[int, int] = {}
        for discount in self.discounts:
            for sku_id, n in (discount.supplies or {}).items():
                units[sku_id] = units.get(sku_id, 0) + n
        return units

    @property
    def pay_within_minutes(self) -> int | None:
        """The shortest pay time a discount asks for (None: the shop's own)."""
        asked = [d.pay_within_minutes for d in self.discounts if d.pay_within_minutes]
        return min(asked) if asked else None


def allocate(amount_fen: int, weights: Mapping[int, int]) -> dict[int, int]:
    """Split ``amount_fen`` over ``weights`` (key -> non-negative weight) in proportion, as integers
    that add up exactly: each key gets the floor of its share, and the fen left over go one each
    to the largest remainders (ties to the smaller key). A share never exceeds its weight when
    ``amount_fen`` is at most the weights' sum."""
    total = sum(weights.values())
    if amount_fen <= 0 or total <= 0:
        return dict.fromkeys(weights, 0)
    shares = {key: amount_fen * weight // total for key, weight in weights.items()}
    left = amount_fen - sum(shares.values())
    by_remainder = sorted(weights, key=lambda key: (-(amount_fen * weights[key] % total), key))
    for key in by_remainder[:left]:
        shares[key] += 1
    return shares


def _checked(discount: Discount, *, rule: PricingRule, room: dict[int, int]) -> Discount | None:
    """``discount`` cut to what is left and with its allocation, or None when nothing is left of it."""
    amount = discount.amount_fen
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise ValueError(f"pricing rule {rule.code!r} gave a discount of {amount!r}: integer fen >= 0 only")
    amount = min(amount, sum(room.values()))
    if amount == 0:
        return None
    if discount.allocation is not None:
        wanted = {int(sku_id): fen for sku_id, fen in discount.allocation.items()}
        if set(wanted) - set(room) or any(not isinstance(f, int) or f < 0 for f in wanted.values()):
            raise ValueError(f"pricing rule {rule.code!r} allocated to lines that are not in the order")
        if sum(wanted.values()) != discount.amount_fen:
            raise ValueError(f"pricing rule {rule.code!r}: the allocation does not add up to the amount")
        # within what is left of each line; what does not fit is cut (never moved to other lines)
        weights = {sku_id: min(fen, room[sku_id]) for sku_id, fen in wanted.items()}
        amount = min(amount, sum(weights.values()))
        if amount == 0:
            return None
        shares = weights if amount == sum(weights.values()) else allocate(amount, weights)
    else:
        shares = allocate(amount, room)
    shares = {sku_id: fen for sku_id, fen in shares.items() if fen}
    return replace(discount, amount_fen=amount, allocation=MappingProxyType(shares))


def pricing_run(context: PricingContext) -> PricingResult:
    """Run every registered rule in order; each sees the discounts of the rules before it."""
    room = {line.sku_id: line.total_fen for line in context.lines}
    discounts: list[Discount] = []
    givers: list[PricingRule] = []
    for rule in pricing_rules:
        given = rule.apply(replace(context, discounts=tuple(discounts)))
        for discount in given:
            checked = _checked(discount, rule=rule, room=room)
            if checked is None:
                continue
            for sku_id, fen in (checked.allocation or {}).items():
                room[sku_id] -= fen
            discounts.append(checked)
            givers.append(rule)
    line_discounts = {line.sku_id: line.total_fen - room[line.sku_id] for line in context.lines}
    return PricingResult(
        discounts=tuple(discounts), line_discounts=MappingProxyType(line_discounts), rules=tuple(givers)
    )


def pricing_supply(*, context: PricingContext, result: PricingResult, order: Order) -> None:
    """Ask each rule whose line brings units of its own to take them (before the stock)."""
    placing = replace(context, discounts=result.discounts, placing=True)
    for rule, discount in zip(result.rules, result.discounts, strict=True):
        supply = getattr(rule, "supply", None)
        if discount.supplies and supply is not None:
            supply(context=placing, discount=discount, order=order)


def pricing_consume(*, context: PricingContext, result: PricingResult, order: Order) -> None:
    """Ask each rule that gave a line to use it up (inside the order's transaction)."""
    placing = replace(context, discounts=result.discounts, placing=True)
    for rule, discount in zip(result.rules, result.discounts, strict=True):
        consume = getattr(rule, "consume", None)
        if consume is not None:
            consume(context=placing, discount=discount, order=order)
