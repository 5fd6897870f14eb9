"""Checkout: pricing a would-be order (``checkout_preview``) and placing it (``order_place``).

Prices come from the server only; stock is reserved inside the order's transaction.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Any, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.locks import shopper_lock
from accounts.models import Address, User
from catalog.models import SKU
from catalog.services import low_stock_alerts_raise, sku_reserve
from core.attribution import NO_ATTRIBUTION, Attribution
from core.errors import ApplicationError, NotFoundError
from core.integers import is_int
from orders.events import order_event_publish
from orders.models import (
    CartItem,
    Order,
    OrderDiscount,
    OrderEvent,
    OrderLine,
    OrderStatus,
    ShippingRegionFee,
)
from orders.ports import CheckoutChoice, checkout_check, checkout_choices
from orders.pricing import (
    Discount,
    PricingContext,
    PricingLine,
    PricingResult,
    pricing_consume,
    pricing_run,
    pricing_supply,
)
from orders.selectors import cart_summary, line_problem
from orders.services.cart import (
    MAX_LINES,
    MAX_QUANTITY,
    _quantity_invalid,
    _sku_label,
    _sku_not_found,
    cart_get,
    too_many_lines_error,
)
from orders.services.stock import product_stock_adjust
from shop.cache import shopper_changed
from shop.models import Shop

E = OrderEvent.Type
A = OrderEvent.Actor


def shipping_fee_fen(*, shop: Shop, province_code: str, goods_fen: int) -> int:
    """The shop's rule: a flat fee, free above an amount, and per-province overrides, matched by
    the province's division code (650000 新疆维吾尔自治区), never by its text."""
    region = (
        ShippingRegionFee.objects.filter(shop=shop, province_code=province_code).first()
        if province_code
        else None
    )
    free = shop.free_shipping_min_fen is not None and goods_fen >= shop.free_shipping_min_fen
    if region is not None:
        return 0 if free and region.free_shipping_applies else region.fee_fen
    return 0 if free else shop.shipping_fee_fen


@dataclass
class PreviewLine:
    sku: SKU
    quantity: int
    unit_price_fen: int
    problem: str = ""

    @property
    def total_fen(self) -> int:
        return self.unit_price_fen * self.quantity


@dataclass
class CheckoutPreview:
    lines: list[PreviewLine] = field(default_factory=list)
    goods_fen: int = 0
    shipping_fen: int = 0
    address: Address | None = None
    pricing: PricingResult = field(default_factory=PricingResult)  # the registered rules' discounts
    context: PricingContext | None = None  # what the rules were given (order_place consumes with it)
    choices: list[CheckoutChoice] = field(default_factory=list)  # switches the rules offer (orders.ports)

    @property
    def discounts(self) -> tuple[Discount, ...]:
        return self.pricing.discounts

    @property
    def discount_fen(self) -> int:
        return self.pricing.discount_fen

    @property
    def total_fen(self) -> int:
        return max(self.goods_fen + self.shipping_fen - self.discount_fen, 0)

    @property
    def problems(self) -> list[str]:
        return [line.problem for line in self.lines if line.problem]


def _normalize_items(items: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Lines as ``(sku_id, quantity)`` sorted by SKU, a repeated SKU added up *before* the
    per-SKU cap is checked; at most ``MAX_LINES`` lines however they are spelled."""
    if len(items) > MAX_LINES:
        raise too_many_lines_error()
    merged: dict[int, int] = {}
    for sku_id, quantity in items:
        if not is_int(sku_id):
            raise _sku_not_found()
        if not is_int(quantity) or quantity < 1:
            raise _quantity_invalid()
        merged[sku_id] = merged.get(sku_id, 0) + quantity
    if any(quantity > MAX_QUANTITY for quantity in merged.values()):
        raise _quantity_invalid()
    if not merged:
        raise ApplicationError("cart_empty", _("请先选择要购买的商品。"))
    return sorted(merged.items())


def checkout_preview(
    *,
    shop: Shop,
    user: User,
    items: Sequence[tuple[int, int]],
    address: Address | None = None,
    options: Mapping[str, Any] | None = None,
    attribution: Attribution = NO_ATTRIBUTION,
    placing: bool = False,
) -> CheckoutPreview:
    """Price a would-be order from server data only: SKU prices, the registered pricing rules
    (orders/pricing.py, given the shopper's ``options`` as plain data) and the shop's shipping
    rules. ``placing`` is True only inside ``order_place``."""
    wanted = _normalize_items(items)
    skus = {
        sku.pk: sku
        for sku in SKU.objects.select_related("product", "product__cover", "image").filter(
            shop=shop, pk__in=[sku_id for sku_id, _q in wanted]
        )
    }
    preview = CheckoutPreview(address=address)
    for sku_id, quantity in wanted:
        sku = skus.get(sku_id)
        if sku is None:
            raise _sku_not_found()
        line = PreviewLine(sku=sku, quantity=quantity, unit_price_fen=sku.price_fen)
        preview.lines.append(line)
        preview.goods_fen += line.total_fen
    preview.context = PricingContext(
        shop=shop,
        user=user,
        lines=tuple(
            PricingLine(
                sku_id=line.sku.pk,
                product_id=line.sku.product_id,
                category_id=line.sku.product.category_id,
                quantity=line.quantity,
                unit_price_fen=line.unit_price_fen,
            )
            for line in preview.lines
        ),
        goods_fen=preview.goods_fen,
        options=MappingProxyType(dict(options or {})),
        attribution=attribution.for_shop(shop.pk),
        placing=placing,
    )
    preview.pricing = pricing_run(preview.context)
    if not placing:
        preview.choices = checkout_choices(context=preview.context, result=preview.pricing)
    supplied = preview.pricing.supplied  # units a rule brings from its own pool (a flash sale's)
    for line in preview.lines:
        line.problem = line_problem(
            sku=_with_supplied(line.sku, supplied.get(line.sku.pk, 0)), quantity=line.quantity
        )
    if address is not None:
        preview.shipping_fen = shipping_fee_fen(
            shop=shop, province_code=address.province_code, goods_fen=preview.goods_fen
        )
    return preview


def _with_supplied(sku: SKU, units: int) -> SKU:
    """``sku`` as the availability rule should see it: its stock plus the units a pricing rule
    brings from its own pool (a copy; the loaded SKU is left as it is)."""
    if units <= 0:
        return sku
    seen = copy.copy(sku)
    seen.stock = sku.stock + units
    return seen


def _fingerprint(
    *,
    shop: Shop,
    items: Sequence[tuple[int, int]] | None,
    address_id: int | None,
    remark: str,
    options: Mapping[str, Any] | None,
) -> str:
    """What the request asked for: its lines, or "the cart" (the cart is emptied by the order, so
    a retry must be recognised without reading it), and the shopper's pricing options (left out
    when there are none, so fingerprints from before the options stay the same)."""
    asked: dict[str, Any] = {
        "shop": shop.pk,
        "items": "cart" if items is None else _normalize_items(items),
        "address": address_id,
        "remark": remark,
    }
    if options:
        asked["options"] = dict(options)
    payload = json.dumps(asked, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def cart_checkout_items(*, shop: Shop, user: User) -> list[tuple[int, int]]:
    """What checkout from the cart buys: the lines ``cart_summary`` says can be bought now (the
    cart total), never the off-shelf, inactive or short ones."""
    items = cart_summary(cart=cart_get(shop=shop, user=user)).available_items
    if not items:
        raise ApplicationError("cart_empty", _("购物车中没有可以购买的商品。"))
    return items


def _address_of(*, user: User, address_id: int | None) -> Address:
    address = (
        Address.objects.filter(user=user, pk=cast(int, address_id)).first() if is_int(address_id) else None
    )
    if address is None:
        raise NotFoundError("address_not_found", _("请选择收货地址。"), fields={"address_id": [_("不存在")]})
    if not address.region_complete:  # saved as text before codes: the shopper picks the region again
        message = _("请重新选择收货地址的省市区。")
        raise ApplicationError("address_region_incomplete", message, fields={"address_id": [message]})
    return address


def order_place(
    *,
    shop: Shop,
    user: User,
    items: Sequence[tuple[int, int]] | None,
    address_id: int | None,
    remark: str = "",
    idempotency_key: str = "",
    clear_cart: bool = True,
    options: Mapping[str, Any] | None = None,
    attribution: Attribution = NO_ATTRIBUTION,
) -> Order:
    """Place an order: price it on the server, reserve stock, and start the payment clock.

    Stock is reserved by one conditional update per SKU (``stock = stock - n WHERE stock >= n``)
    inside the order's transaction: two buyers can never both get the last unit. ``items=None``
    buys the shopper's cart (``cart_checkout_items``) and takes the bought lines out of it
    (``clear_cart``); ``items`` given is "buy now" (立即购买: e.g. one SKU of a group-buy) and leaves
    the cart alone. With an ``idempotency_key`` a retry returns
    the same order — looked up before the cart or the address is read, so a retry after the order
    emptied the cart still finds it; the same key with another request is a 409.

    ``options`` are the shopper's pricing choices (plain data, e.g. ``{"coupon_id": 12}``) for the
    registered pricing rules, which may refuse the order when they consume what they gave
    (orders/pricing.py). ``attribution`` (where the shopper came from, ``request.attribution``) is
    stored on the order when it belongs to this shop.
    """
    checkout_check(shop=shop)  # e.g. no WeChat Pay yet: refuse before reserving anything
    remark = (remark or "").strip()[:200]
    key = (idempotency_key or "").strip()
    if len(key) > 64:
        raise ApplicationError("idempotency_key_invalid", _("Idempotency-Key 最长 64 个字符。"))
    fingerprint = (
        _fingerprint(shop=shop, items=items, address_id=address_id, remark=remark, options=options)
        if key
        else ""
    )
    if key:
        existing = _order_for_key(user=user, key=key, fingerprint=fingerprint)
        if existing is not None:
            return existing
    address = _address_of(user=user, address_id=address_id)
    if items is None:
        items = cart_checkout_items(shop=shop, user=user)
    else:
        clear_cart = False  # buy now: the cart stays as it is
    try:
        return _order_place(
            shop=shop, user=user, items=items, address=address, remark=remark, key=key, fingerprint=fingerprint,
            clear_cart=clear_cart, options=options, attribution=attribution,
        )  # fmt: skip
    except IntegrityError:
        if key:  # a concurrent retry with the same key won the race
            existing = _order_for_key(user=user, key=key, fingerprint=fingerprint)
            if existing is not None:
                return existing
        raise


def _order_for_key(*, user: User, key: str, fingerprint: str) -> Order | None:
    order = Order.objects.filter(user=user, idempotency_key=key).first()
    if order is not None and order.request_fingerprint != fingerprint:
        raise ApplicationError(
            "idempotency_conflict", _("这个 Idempotency-Key 已用于另一笔不同的下单请求。"), http_status=409
        )
    return order


def max_unpaid_orders() -> int:
    return int(settings.WEISHOP_MAX_UNPAID_ORDERS)


def _unpaid_orders_check(*, shop: Shop, user: User) -> None:
    """An unpaid order holds its stock until it is paid or expires: a shopper may have only a few
    at once in a shop, or one account could hold a whole stock (or a flash sale) by placing orders
    it never pays. The shopper's row lock makes the count hold under concurrent checkouts, and
    refuses (``account_disabled``) an account deleted while this checkout was under way."""
    shopper_lock(user)
    unpaid = Order.objects.filter(shop=shop, user=user, status=OrderStatus.PENDING_PAYMENT).count()
    if unpaid >= max_unpaid_orders():
        raise ApplicationError(
            "too_many_unpaid_orders",
            _("您有 %(n)d 笔待付款订单，请先支付或取消后再下单。") % {"n": unpaid},
            http_status=409,
        )


@transaction.atomic
def _order_place(
    *,
    shop: Shop,
    user: User,
    items: Sequence[tuple[int, int]],
    address: Address,
    remark: str,
    key: str,
    fingerprint: str,
    clear_cart: bool,
    options: Mapping[str, Any] | None,
    attribution: Attribution,
) -> Order:
    _unpaid_orders_check(shop=shop, user=user)
    preview = checkout_preview(
        shop=shop,
        user=user,
        items=items,
        address=address,
        options=options,
        attribution=attribution,
        placing=True,
    )
    if preview.problems:
        raise ApplicationError("out_of_stock", " ".join(preview.problems), http_status=409)
    now = timezone.now()
    touch = attribution.for_shop(shop.pk)
    order = Order.objects.create(
        shop=shop,
        user=user,
        channel_code=touch.channel_code,
        referrer_code=touch.referrer_code,
        attributed_at=touch.touched_at if touch else None,
        goods_fen=preview.goods_fen,
        shipping_fen=preview.shipping_fen,
        discount_fen=preview.discount_fen,
        total_fen=preview.total_fen,
        recipient=address.recipient,
        phone=address.phone,
        province=address.province,
        city=address.city,
        district=address.district,
        address_detail=address.detail,
        remark=remark,
        idempotency_key=key,
        request_fingerprint=fingerprint,
        pay_deadline=now + timedelta(minutes=_pay_minutes(shop, preview.pricing)),
    )
    if preview.context is not None and preview.discounts:
        # before the stock: a rule bringing units of its own (a flash sale) takes them from its
        # pool first (its rows are locked before any SKU's); a refusal rolls it all back
        pricing_supply(context=preview.context, result=preview.pricing, order=order)
    supplied = preview.pricing.supplied
    # Reserve stock in primary-key order (the lines are sorted by SKU id), one statement per SKU;
    # units a rule supplied are not taken from the SKU's stock (the row is still updated, so it is
    # locked in the same order).
    reservations = []
    for line in preview.lines:
        need = max(line.quantity - supplied.get(line.sku.pk, 0), 0)
        reserved = sku_reserve(sku_id=line.sku.pk, quantity=need)
        if reserved is None:
            raise ApplicationError(
                "out_of_stock", _("“%(item)s”已售罄。") % {"item": _sku_label(line.sku)}, http_status=409
            )
        reservations.append(reserved)
    low_stock_alerts_raise(reservations=reservations)  # no query unless a SKU crossed its threshold
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                sku=line.sku,
                product_id_snapshot=line.sku.product_id,
                title=line.sku.product.title,
                spec_text=line.sku.spec_text,
                sku_code=line.sku.code,
                image=_line_image(line.sku),
                unit_price_fen=line.unit_price_fen,
                quantity=line.quantity,
                total_fen=line.total_fen,
                discount_fen=preview.pricing.line_discounts.get(line.sku.pk, 0),
            )
            for line in preview.lines
        ]
    )
    if preview.discounts:
        OrderDiscount.objects.bulk_create(
            OrderDiscount(
                shop=shop,
                order=order,
                code=discount.code[:32],
                label=str(discount.label)[:64],
                amount_fen=discount.amount_fen,
                ref=discount.ref[:64],
                data=dict(discount.data),
                allocation={str(sku_id): fen for sku_id, fen in (discount.allocation or {}).items()},
            )
            for discount in preview.discounts
        )
    if preview.context is not None and preview.discounts:
        # after the stock: a rule that refuses (a coupon just used elsewhere) rolls it all back
        pricing_consume(context=preview.context, result=preview.pricing, order=order)
    product_stock_adjust(order_lines=[(line.sku.product_id, -line.quantity) for line in preview.lines])
    order_event_publish(
        OrderEvent.objects.create(
            order=order,
            type=E.PLACED,
            actor_kind=A.SHOPPER,
            actor=user,
            to_status=order.status,
            created_at=now,
        )
    )
    if clear_cart:
        CartItem.objects.filter(
            cart__shop=shop, cart__user=user, sku_id__in=[line.sku.pk for line in preview.lines]
        ).delete()
    shopper_changed(user.pk)  # the order event says so too; the cart lines went without one
    return order


def _pay_minutes(shop: Shop, pricing: PricingResult) -> int:
    """The shop's pay timeout, or a discount's shorter one (a flash sale's)."""
    asked = pricing.pay_within_minutes
    return min(shop.pay_timeout_minutes, asked) if asked else shop.pay_timeout_minutes


def _line_image(sku: SKU) -> str:
    image = sku.image if sku.image_id else sku.product.cover
    if image is None:
        return ""
    return (image.thumb_list or image.image).name or ""
