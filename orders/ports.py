"""Ports of ``orders`` that an app above it implements (docs/architecture.md#layers-and-ports).

- **Refund gateway**: orders asks "refund this after-sale of this order" through ``RefundGateway``;
  ``payments`` implements it and registers it in ``PaymentsConfig.ready()``
  (``refund_gateway_register``). The answer comes back through an orders service
  (``after_sale_refund_result``), which payments calls directly (it is above orders).
- **Checkout guards**: before an order reserves anything, each registered guard may refuse the
  shop's checkout by raising ``ApplicationError`` (payments: no WeChat Pay account yet). With no
  guard registered every checkout is allowed.
- **Ship guards** (``ship_guard_register(check, blocked=None)``): ``check(order) -> reason | None``
  is asked by ``order_ship`` (the order row locked) before a paid order ships; a reason (the
  merchant's words, e.g. "拼团未成团，暂不能发货") refuses it with ``order_ship_blocked``.
  ``blocked() -> Q`` (optional) says the same for many orders at once, as a filter on ``Order``
  (admin's list filter and column "暂不能发货"); it must agree with ``check``. groupbuy registers
  one: a group-buy order ships only once its group has filled.
- **Order page links** (``order_page_link_register(fn)``): ``fn(order) -> [(label, url)]`` — links
  the shopper's H5 order page shows under its status (groupbuy: 邀请好友参团, to the order's group).
- **Order page states** (``order_page_state_register(fn)``): ``fn(order) -> str | None`` — a line
  the order page shows under its status, for a state orders does not know (groupbuy: 拼团中 · 还差
  1 人 / 拼团成功 / 拼团失败 · 已退款).
- **Timeline labels** (``order_event_label_register(fn)``): ``fn(event) -> str | None`` — the label
  of a timeline entry on the shopper's order page instead of its type's (None: not mine; "": no
  label, the entry's message stands alone — groupbuy's own notes, instead of 备注).


- **Channel labels** (``channel_label_register(fn)``): ``fn(shop_id, code) -> name | None`` — what
  a merchant calls the channel an order came from (``Order.channel_code``), for admin's 来源
  (marketing: the channel's name, 宝妈群). With none registered, or no name, the code is shown.
- **Checkout choices** (``checkout_choice_register(option, fn)``): a switch a pricing rule offers
  at checkout (crm: 积分抵扣). ``fn(*, context, result) -> [CheckoutChoice]`` is asked by every
  checkout preview with what the rules were given and gave; the H5 checkout shows each choice as a
  switch whose state travels as the query/form parameter ``option`` (``1`` / ``0``) and reaches
  the rules as ``options[option] = True``/``False``; the API preview lists them as ``choices``.
- **Cart additions** (``cart_added_register(fn)``): ``fn(*, shop_id, product_id, sku_id, quantity,
  user_id)`` is called after ``cart_add``'s transaction commits (never for a refused or rolled-back
  add); one that raises is logged and does not stop the others (analytics: the funnel's 加购).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

if TYPE_CHECKING:
    from orders.models import AfterSale, Order, OrderEvent
    from orders.pricing import PricingContext, PricingResult
    from shop.models import Shop


class RefundGateway(Protocol):
    def refund_reserve(self, *, order: Order, after_sale: AfterSale) -> Any:
        """Record the refund of ``after_sale.amount_fen`` inside the caller's transaction (the order
        and after-sale rows are locked); returns a handle for ``refund_send``."""

    def refund_send(self, *, refund: Any) -> None:
        """Send a reserved refund to the provider, after commit, with no row locked (network I/O).
        The outcome reaches orders through ``after_sale_refund_result``."""


_refund_gateway: RefundGateway | None = None


def refund_gateway_register(gateway: RefundGateway) -> None:
    global _refund_gateway
    _refund_gateway = gateway


def refund_gateway() -> RefundGateway:
    if _refund_gateway is None:
        raise ImproperlyConfigured(
            "No refund gateway registered (the payments app registers one in ready())."
        )
    return _refund_gateway


CheckoutGuard = Callable[["Shop"], None]
checkout_guards: list[CheckoutGuard] = []


def checkout_guard_register(guard: CheckoutGuard) -> None:
    if guard not in checkout_guards:
        checkout_guards.append(guard)


def checkout_check(*, shop: Shop) -> None:
    """Raise the first guard's ``ApplicationError`` if the shop cannot take an order now."""
    for guard in checkout_guards:
        guard(shop)


ShipCheck = Callable[["Order"], "str | None"]
ShipBlocked = Callable[[], Q]
ship_guards: list[tuple[ShipCheck, ShipBlocked | None]] = []


def ship_guard_register(check: ShipCheck, *, blocked: ShipBlocked | None = None) -> None:
    """Add a ship guard (once: registering the same ``check`` again changes nothing)."""
    if all(registered is not check for registered, _blocked in ship_guards):
        ship_guards.append((check, blocked))


def ship_guard_unregister(check: ShipCheck) -> None:
    ship_guards[:] = [(c, b) for c, b in ship_guards if c is not check]


def ship_blocked_reason(*, order: Order) -> str | None:
    """Why ``order`` may not ship now (the first guard's reason), or None."""
    for check, _blocked in ship_guards:
        if reason := check(order):
            return reason
    return None


def ship_blocked_q() -> Q | None:
    """The orders some guard blocks, as one filter on ``Order`` (None: no guard says)."""
    found = [blocked() for _check, blocked in ship_guards if blocked is not None]
    if not found:
        return None
    combined = found[0]
    for q in found[1:]:
        combined |= q
    return combined


OrderPageLinks = Callable[["Order"], "list[tuple[str, str]]"]
order_page_link_fns: list[OrderPageLinks] = []


def order_page_link_register(fn: OrderPageLinks) -> None:
    if fn not in order_page_link_fns:
        order_page_link_fns.append(fn)


def order_page_links(*, order: Order) -> list[tuple[str, str]]:
    """The registered links of the shopper's order page, in registration order."""
    return [link for fn in order_page_link_fns for link in fn(order)]


OrderPageState = Callable[["Order"], "str | None"]
order_page_state_fns: list[OrderPageState] = []


def order_page_state_register(fn: OrderPageState) -> None:
    if fn not in order_page_state_fns:
        order_page_state_fns.append(fn)


def order_page_states(*, order: Order) -> list[str]:
    """The registered lines under the status of the shopper's order page, in registration order."""
    return [state for fn in order_page_state_fns if (state := fn(order))]


OrderEventLabel = Callable[["OrderEvent"], "str | None"]
order_event_label_fns: list[OrderEventLabel] = []


def order_event_label_register(fn: OrderEventLabel) -> None:
    if fn not in order_event_label_fns:
        order_event_label_fns.append(fn)


def order_event_label(event: OrderEvent) -> str:
    """A timeline entry's label on the shopper's order page: the first registered answer, else its
    type's ("": the message alone)."""
    for fn in order_event_label_fns:
        if (label := fn(event)) is not None:
            return label
    return str(event.get_type_display())


ChannelLabel = Callable[[int, str], "str | None"]
_channel_label_fn: ChannelLabel | None = None


def channel_label_register(fn: ChannelLabel | None) -> None:
    """Let an app above name the shop's channels (one function; None takes it away again)."""
    global _channel_label_fn
    _channel_label_fn = fn


def channel_label(*, shop_id: int, code: str) -> str:
    """The channel as "宝妈群（mama-group）" when the registered function names it, else the code."""
    if not code:
        return ""
    name = _channel_label_fn(shop_id, code) if _channel_label_fn is not None else None
    return f"{name}（{code}）" if name else code


@dataclass(frozen=True)
class CheckoutChoice:
    """A switch offered at checkout: ``option`` (the pricing option's key and the H5 parameter),
    ``label`` (积分抵扣), ``detail`` (可用 1200 积分，本单可抵 ¥12), whether it is on for this
    checkout (``chosen``) and whether it can be switched on (``available``)."""

    option: str
    label: str
    detail: str
    chosen: bool
    available: bool


CheckoutChoices = Callable[..., "list[CheckoutChoice]"]
checkout_choice_fns: list[tuple[str, CheckoutChoices]] = []


def checkout_choice_register(option: str, fn: CheckoutChoices) -> None:
    """``fn(*, context, result) -> [CheckoutChoice]`` for the pricing option ``option`` (once)."""
    if (option, fn) not in checkout_choice_fns:
        checkout_choice_fns.append((option, fn))


def checkout_choice_unregister(option: str, fn: CheckoutChoices) -> None:
    if (option, fn) in checkout_choice_fns:
        checkout_choice_fns.remove((option, fn))


def checkout_choice_options() -> list[str]:
    """The options the registered choices switch (the H5 checkout reads and keeps these parameters)."""
    return list(dict.fromkeys(option for option, _fn in checkout_choice_fns))


def checkout_choices(*, context: PricingContext, result: PricingResult) -> list[CheckoutChoice]:
    """Every registered choice for this checkout, in registration order."""
    found: list[CheckoutChoice] = []
    for _option, fn in checkout_choice_fns:
        found.extend(fn(context=context, result=result))
    return found


CartAdded = Callable[..., None]  # fn(*, shop_id, product_id, sku_id, quantity, user_id)
cart_added_fns: list[CartAdded] = []
_logger = logging.getLogger(__name__)


def cart_added_register(fn: CartAdded) -> None:
    if fn not in cart_added_fns:
        cart_added_fns.append(fn)


def cart_added(*, shop_id: int, product_id: int, sku_id: int, quantity: int, user_id: int | None) -> None:
    """Tell every registered listener that a shopper put ``quantity`` of a SKU into their cart
    (called by ``cart_add`` after commit)."""
    for fn in cart_added_fns:
        try:
            fn(shop_id=shop_id, product_id=product_id, sku_id=sku_id, quantity=quantity, user_id=user_id)
        except Exception:  # a listener's failure never fails the shopper's add
            _logger.exception("cart-added listener %r failed", fn)
