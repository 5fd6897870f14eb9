"""Every order write: carts, checkout, the order's life, shipping and after-sales.

Each public function is one use case, runs in a transaction, takes ``shop=`` (and the acting
person) explicitly and raises ``ApplicationError`` with a stable code. Rows are locked with
``select_for_update`` in primary-key order; side effects (notifications, tasks) are queued with
``transaction.on_commit``; no network call happens while a row is locked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Address, User
from catalog.cache import catalog_changed_for_ids
from catalog.models import SKU, Product
from core.errors import ApplicationError, NotFoundError
from core.integers import is_int
from orders.after_sale_state import after_sale_can_transition, after_sale_opened, after_sale_transition
from orders.events import order_event_publish
from orders.models import (
    AfterSale,
    Carrier,
    Cart,
    CartItem,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Shipment,
    ShippingRegionFee,
    TrackingEvent,
)
from orders.ports import checkout_check, refund_gateway
from orders.selectors import cart_summary, line_problem, sku_label
from orders.state import order_note, order_transition
from shop.models import Shop

MAX_QUANTITY = 999  # of one SKU in one cart line or order (repeated lines are added up first)
MAX_LINES = 50  # different SKUs in one cart or order
E = OrderEvent.Type
A = OrderEvent.Actor


# ---------------------------------------------------------------- cart


def cart_get(
    *, shop: Shop, user: User | None = None, session_key: str = "", create: bool = False
) -> Cart | None:
    """The shopper's cart in ``shop`` (by user when logged in, else by session)."""
    if user is not None and user.is_authenticated:
        lookup = {"shop": shop, "user": user}
    elif session_key:
        lookup = {"shop": shop, "session_key": session_key, "user": None}
    else:
        return None
    cart = Cart.objects.filter(**lookup).first()
    if cart is None and create:
        try:
            with transaction.atomic():
                cart = Cart.objects.create(**lookup)
        except IntegrityError:
            cart = Cart.objects.get(**lookup)
    return cart


def _sku_not_found() -> NotFoundError:
    return NotFoundError("sku_not_found", _("该商品规格不存在或已下架。"))


def _quantity_invalid() -> ApplicationError:
    return ApplicationError(
        "quantity_invalid",
        _("购买数量必须在 1 到 %(max)d 之间。") % {"max": MAX_QUANTITY},
        fields={"quantity": [_("无效")]},
    )


def too_many_lines_error() -> ApplicationError:
    message = _("一次最多 %(max)d 种商品，请分开下单。") % {"max": MAX_LINES}
    return ApplicationError("too_many_lines", message, fields={"items": [message]})


def _sellable_sku(*, shop: Shop, sku_id: int, lock: bool = False) -> SKU:
    if not is_int(sku_id):
        raise _sku_not_found()
    queryset = SKU.objects.select_related("product").filter(
        pk=sku_id, shop=shop, is_active=True, product__status=Product.Status.ON_SALE
    )
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    sku = queryset.first()
    if sku is None:
        raise _sku_not_found()
    return sku


def _check_quantity(quantity: int, sku: SKU) -> None:
    if not is_int(quantity) or quantity < 1 or quantity > MAX_QUANTITY:
        raise _quantity_invalid()
    if sku.stock <= 0:
        raise ApplicationError(
            "out_of_stock", _("“%(item)s”已售罄。") % {"item": _sku_label(sku)}, http_status=409
        )
    if quantity > sku.stock:
        raise ApplicationError(
            "quantity_exceeds_stock",
            _("“%(item)s”库存只剩 %(stock)d 件。") % {"item": _sku_label(sku), "stock": sku.stock},
            fields={"quantity": [_("超过库存")]},
            http_status=409,
        )


_sku_label = sku_label


@transaction.atomic
def cart_add(*, cart: Cart, sku_id: int, quantity: int = 1) -> CartItem:
    """Add ``quantity`` of a SKU (adds to what is already in the cart; never above stock or
    ``MAX_QUANTITY``); a cart holds at most ``MAX_LINES`` lines (``too_many_lines``)."""
    if not is_int(quantity) or quantity < 1:
        raise _quantity_invalid()
    sku = _sellable_sku(shop=cart.shop, sku_id=sku_id)
    Cart.objects.select_for_update().filter(pk=cart.pk).first()  # one add at a time per cart
    item = CartItem.objects.select_for_update().filter(cart=cart, sku=sku).first()
    wanted = (item.quantity if item else 0) + quantity
    _check_quantity(wanted, sku)
    if item is None:
        if CartItem.objects.filter(cart=cart).count() >= MAX_LINES:
            raise too_many_lines_error()
        return CartItem.objects.create(cart=cart, sku=sku, quantity=wanted)
    item.quantity = wanted
    item.save(update_fields=["quantity", "updated_at"])
    return item


@transaction.atomic
def cart_set_quantity(*, cart: Cart, item_id: int, quantity: int) -> CartItem:
    item = CartItem.objects.select_for_update().filter(cart=cart, pk=item_id).first()
    if item is None:
        raise NotFoundError("cart_item_not_found", _("购物车中没有这件商品。"))
    sku = _sellable_sku(shop=cart.shop, sku_id=item.sku_id)
    _check_quantity(quantity, sku)
    item.quantity = quantity
    item.save(update_fields=["quantity", "updated_at"])
    return item


def cart_remove(*, cart: Cart, item_id: int) -> None:
    deleted, _rows = CartItem.objects.filter(cart=cart, pk=item_id).delete()
    if not deleted:
        raise NotFoundError("cart_item_not_found", _("购物车中没有这件商品。"))


@transaction.atomic
def cart_merge_session(*, session_key: str, user: User) -> int:
    """At login: move every anonymous cart of this session into the user's carts (quantities add
    up, capped at stock). Returns how many lines moved."""
    moved = 0
    for anon in Cart.objects.filter(session_key=session_key, user=None).select_related("shop"):
        cart = cart_get(shop=anon.shop, user=user, create=True)
        lines = CartItem.objects.filter(cart=cart).count()
        for item in anon.items.select_related("sku").order_by("created_at", "pk"):
            existing = CartItem.objects.filter(cart=cart, sku=item.sku).first()
            if existing is None and lines >= MAX_LINES:
                continue  # the cart is full: the rest of the anonymous cart is dropped
            quantity = min(
                (existing.quantity if existing else 0) + item.quantity, max(item.sku.stock, 1), MAX_QUANTITY
            )
            if existing:
                existing.quantity = quantity
                existing.save(update_fields=["quantity", "updated_at"])
            else:
                CartItem.objects.create(cart=cart, sku=item.sku, quantity=quantity)
                lines += 1
            moved += 1
        anon.delete()
    return moved


# ---------------------------------------------------------------- pricing


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
    discount_fen: int = 0
    address: Address | None = None

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
    *, shop: Shop, user: User, items: Sequence[tuple[int, int]], address: Address | None = None
) -> CheckoutPreview:
    """Price a would-be order from server data only: SKU prices, the shop's shipping rules."""
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
        line.problem = line_problem(sku=sku, quantity=quantity)
        preview.lines.append(line)
        preview.goods_fen += line.total_fen
    if address is not None:
        preview.shipping_fen = shipping_fee_fen(
            shop=shop, province_code=address.province_code, goods_fen=preview.goods_fen
        )
    return preview


# ---------------------------------------------------------------- placing an order


def _fingerprint(
    *, shop: Shop, items: Sequence[tuple[int, int]] | None, address_id: int | None, remark: str
) -> str:
    """What the request asked for: its lines, or "the cart" (the cart is emptied by the order, so
    a retry must be recognised without reading it)."""
    payload = json.dumps(
        {
            "shop": shop.pk,
            "items": "cart" if items is None else _normalize_items(items),
            "address": address_id,
            "remark": remark,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def cart_checkout_items(*, shop: Shop, user: User) -> list[tuple[int, int]]:
    """What checkout from the cart buys: the lines ``cart_summary`` says can be bought now (the
    cart total), never the off-shelf, inactive or short ones."""
    items = cart_summary(cart=cart_get(shop=shop, user=user)).available_items
    if not items:
        raise ApplicationError("cart_empty", _("购物车中没有可以购买的商品。"))
    return items


def _address_of(*, user: User, address_id: int | None) -> Address:
    address = Address.objects.filter(user=user, pk=address_id).first() if is_int(address_id) else None
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
) -> Order:
    """Place an order: price it on the server, reserve stock, and start the payment clock.

    Stock is reserved by one conditional update per SKU (``stock = stock - n WHERE stock >= n``)
    inside the order's transaction: two buyers can never both get the last unit. ``items=None``
    buys the shopper's cart (``cart_checkout_items``). With an ``idempotency_key`` a retry returns
    the same order — looked up before the cart or the address is read, so a retry after the order
    emptied the cart still finds it; the same key with another request is a 409.
    """
    checkout_check(shop=shop)  # e.g. no WeChat Pay yet: refuse before reserving anything
    remark = (remark or "").strip()[:200]
    key = (idempotency_key or "").strip()
    if len(key) > 64:
        raise ApplicationError("idempotency_key_invalid", _("Idempotency-Key 最长 64 个字符。"))
    fingerprint = _fingerprint(shop=shop, items=items, address_id=address_id, remark=remark) if key else ""
    if key:
        existing = _order_for_key(user=user, key=key, fingerprint=fingerprint)
        if existing is not None:
            return existing
    address = _address_of(user=user, address_id=address_id)
    if items is None:
        items = cart_checkout_items(shop=shop, user=user)
    try:
        return _order_place(
            shop=shop, user=user, items=items, address=address, remark=remark, key=key, fingerprint=fingerprint,
            clear_cart=clear_cart,
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


@transaction.atomic
def _order_place(
    *,
    shop: Shop,
    user: User,
    items,
    address: Address,
    remark: str,
    key: str,
    fingerprint: str,
    clear_cart: bool,
) -> Order:
    preview = checkout_preview(shop=shop, user=user, items=items, address=address)
    if preview.problems:
        raise ApplicationError("out_of_stock", " ".join(preview.problems), http_status=409)
    now = timezone.now()
    order = Order.objects.create(
        shop=shop,
        user=user,
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
        pay_deadline=now + timedelta(minutes=shop.pay_timeout_minutes),
    )
    # Reserve stock in primary-key order (the lines are sorted by SKU id), one statement per SKU.
    for line in preview.lines:
        reserved = SKU.objects.filter(pk=line.sku.pk, stock__gte=line.quantity, is_active=True).update(
            stock=F("stock") - line.quantity
        )
        if not reserved:
            raise ApplicationError(
                "out_of_stock", _("“%(item)s”已售罄。") % {"item": _sku_label(line.sku)}, http_status=409
            )
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
            )
            for line in preview.lines
        ]
    )
    _adjust_product_stock(order_lines=[(line.sku.product_id, -line.quantity) for line in preview.lines])
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
    return order


def _line_image(sku: SKU) -> str:
    image = sku.image if sku.image_id else sku.product.cover
    if image is None:
        return ""
    return (image.thumb_list or image.image).name


def _adjust_product_stock(*, order_lines: Iterable[tuple[int, int]]) -> None:
    """Keep ``Product.stock_total`` (the list pages' sold-out badge) in step with SKU stock."""
    per_product: dict[int, int] = {}
    for product_id, delta in order_lines:
        per_product[product_id] = per_product.get(product_id, 0) + delta
    for product_id in sorted(per_product):
        Product.objects.filter(pk=product_id).update(
            stock_total=Greatest(F("stock_total") + per_product[product_id], 0)
        )
    shop_ids = Product.objects.filter(pk__in=list(per_product)).values_list("shop_id", flat=True).distinct()
    catalog_changed_for_ids(shop_ids)


def _release_stock(order: Order) -> None:
    """Put an order's units back (the caller holds the order's lock and has just moved it out of
    a state that held stock, so this runs once per order)."""
    lines = list(order.lines.order_by("sku_id"))
    for line in lines:
        SKU.objects.filter(pk=line.sku_id).update(stock=F("stock") + line.quantity)
    _adjust_product_stock(order_lines=[(line.product_id_snapshot, line.quantity) for line in lines])


def _unsell(order: Order) -> None:
    """Take a paid order that never shipped out of the sales counts (rankings, "sold" badges)."""
    lines = list(order.lines.order_by("sku_id"))
    for line in lines:
        SKU.objects.filter(pk=line.sku_id).update(sales_count=Greatest(F("sales_count") - line.quantity, 0))
    for line in sorted(lines, key=lambda line: line.product_id_snapshot):
        Product.objects.filter(pk=line.product_id_snapshot).update(
            sales_count=Greatest(F("sales_count") - line.quantity, 0)
        )


# ---------------------------------------------------------------- order life


def order_get_for_shop(*, shop: Shop, order_no: str, lock: bool = False) -> Order:
    queryset = Order.objects.filter(shop=shop, order_no=order_no)
    if lock:
        queryset = queryset.select_for_update()
    order = queryset.first()
    if order is None:
        raise NotFoundError("order_not_found", _("订单不存在。"))
    return order


def order_get_for_user(*, user: User, order_no: str, shop: Shop | None = None, lock: bool = False) -> Order:
    queryset = Order.objects.filter(user=user, order_no=order_no)
    if shop is not None:
        queryset = queryset.filter(shop=shop)
    if lock:
        queryset = queryset.select_for_update()
    order = queryset.first()
    if order is None:
        raise NotFoundError("order_not_found", _("订单不存在。"))
    return order


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


@transaction.atomic
def order_cancel(*, order: Order, actor: User | None, actor_kind: str, reason: str = "") -> Order:
    """Cancel an unpaid order and put its stock back."""
    order = _locked(order)
    order_transition(
        order=order, to=OrderStatus.CANCELLED, event=E.CANCELLED, actor_kind=actor_kind, actor=actor,
        message=reason[:255],
    )  # fmt: skip
    _release_stock(order)
    return order


def _for_each_due(queryset, handle: Callable[[Order], bool], *, limit: int) -> int:
    """Run ``handle`` on each order of ``queryset`` (ids first, then one short transaction per
    order with its row locked), so several workers can run the same job at once: an order another
    worker already handled fails ``handle``'s re-check and is skipped. Returns how many it changed."""
    changed = 0
    for pk in list(queryset.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            order = Order.objects.select_for_update().filter(pk=pk).first()
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
        _release_stock(order)
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
    order = _locked(order)
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
    for line in order.lines.order_by("sku_id"):
        SKU.objects.filter(pk=line.sku_id).update(sales_count=F("sales_count") + line.quantity)
        Product.objects.filter(pk=line.product_id_snapshot).update(
            sales_count=F("sales_count") + line.quantity
        )
    catalog_changed_for_ids([order.shop_id])
    return True


def _normalize_tracking_no(tracking_no: str) -> str:
    cleaned = "".join((tracking_no or "").split()).upper()
    if not (4 <= len(cleaned) <= 40) or not cleaned.replace("-", "").isalnum():
        raise ApplicationError(
            "tracking_no_invalid", _("运单号格式不正确。"), fields={"tracking_no": [_("无效")]}
        )
    return cleaned


@transaction.atomic
def order_ship(
    *, shop: Shop, order_no: str, carrier: str, tracking_no: str, actor: User | None, carrier_name: str = ""
) -> Shipment:
    """The merchant ships a paid order with a carrier and tracking number."""
    if carrier not in Carrier.values:
        raise ApplicationError("carrier_invalid", _("请选择快递公司。"), fields={"carrier": [_("无效")]})
    if carrier == Carrier.OTHER and not carrier_name.strip():
        raise ApplicationError("carrier_name_required", _("选择“其他”时请填写快递公司名称。"))
    tracking_no = _normalize_tracking_no(tracking_no)
    order = order_get_for_shop(shop=shop, order_no=order_no, lock=True)
    if (
        order.status == OrderStatus.PAID
        and order.after_sales.filter(status=AfterSale.Status.REQUESTED).exists()
    ):
        raise ApplicationError(
            "after_sale_pending", _("该订单有待处理的售后申请，请先处理再发货。"), http_status=409
        )
    if Shipment.objects.filter(shop=shop, carrier=carrier, tracking_no=tracking_no).exists():
        raise ApplicationError(
            "tracking_no_used", _("运单号 %(no)s 已用于其他订单。") % {"no": tracking_no}, http_status=409
        )
    order_transition(
        order=order, to=OrderStatus.SHIPPED, event=E.SHIPPED, actor_kind=A.MERCHANT, actor=actor,
        data={"carrier": carrier, "carrier_name": carrier_name.strip(), "tracking_no": tracking_no},
    )  # fmt: skip
    # the confirmation period and the shipment count from the transition's own stamp
    order.auto_complete_at = order.shipped_at + timedelta(days=shop.auto_confirm_days)
    order.save(update_fields=["auto_complete_at"])
    shipment = Shipment.objects.create(
        shop=shop, order=order, carrier=carrier, carrier_name=carrier_name.strip(), tracking_no=tracking_no,
        shipped_at=order.shipped_at,
    )  # fmt: skip
    return shipment


def _printable(text: str | None) -> str:
    """Text from outside (carrier pushes) without control characters (PostgreSQL refuses NUL)."""
    return "".join(ch for ch in (text or "") if ch.isprintable()).strip()


def tracking_fingerprint(*, occurred_at: datetime, description: str) -> str:
    return hashlib.sha256(f"{occurred_at.isoformat()}|{description.strip()}".encode()).hexdigest()[:64]


@transaction.atomic
def tracking_event_add(
    *,
    shipment: Shipment,
    occurred_at: datetime,
    description: str,
    location: str = "",
    is_signed: bool = False,
    source: str = "manual",
    actor: User | None = None,
) -> TrackingEvent | None:
    """Add a carrier tracking update; a duplicate (same time and text) is ignored (returns None).
    A "signed for" event marks the order delivered."""
    description = _printable(description)
    location = _printable(location)
    if not description:
        raise ApplicationError("tracking_description_required", _("请填写物流信息。"))
    order = _locked(shipment.order)
    fingerprint = tracking_fingerprint(occurred_at=occurred_at, description=description)
    if TrackingEvent.objects.filter(shipment=shipment, fingerprint=fingerprint).exists():
        return None
    event = TrackingEvent.objects.create(
        shipment=shipment, occurred_at=occurred_at, description=description[:255], location=location[:64],
        is_signed=is_signed, source=source, fingerprint=fingerprint,
    )  # fmt: skip
    actor_kind = A.MERCHANT if actor is not None else A.SYSTEM
    order_note(
        order=order, event=E.TRACKING, actor_kind=actor_kind, actor=actor, message=description[:255],
        data={"location": location, "occurred_at": occurred_at.isoformat()},
    )  # fmt: skip
    if is_signed and order.status == OrderStatus.SHIPPED:
        # the carrier's sign time, but never before shipping (the transition sees to that) nor
        # in the future; the shipment shows the same time as the order
        order_transition(
            order=order, to=OrderStatus.DELIVERED, event=E.DELIVERED, actor_kind=actor_kind, actor=actor,
            at=min(occurred_at, timezone.now()),
        )  # fmt: skip
        shipment.delivered_at = order.delivered_at
        shipment.save(update_fields=["delivered_at", "updated_at"])
    return event


@transaction.atomic
def order_confirm_receipt(*, order: Order, user: User) -> Order:
    """The shopper confirms they received a shipped order."""
    order = _locked(order)
    if order.user_id != user.pk:
        raise NotFoundError("order_not_found", _("订单不存在。"))
    order_transition(
        order=order, to=OrderStatus.COMPLETED, event=E.RECEIVED, actor_kind=A.SHOPPER, actor=user
    )
    return order


def orders_auto_complete_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Complete shipped/delivered orders whose confirmation period (shop setting) has passed,
    unless an after-sales request is waiting for the merchant."""
    now = now or timezone.now()
    receiving = (OrderStatus.SHIPPED, OrderStatus.DELIVERED)

    def complete(order: Order) -> bool:
        if (
            order.status not in receiving
            or order.after_sales.filter(status=AfterSale.Status.REQUESTED).exists()
        ):
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


# ---------------------------------------------------------------- after-sales

AFTER_SALE_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)
OPEN_AFTER_SALE = (AfterSale.Status.REQUESTED, AfterSale.Status.REFUNDING)


def _refund_committed_fen(order: Order) -> int:
    """Already refunded plus refunds under way: what no new refund may eat into."""
    in_flight = sum(
        order.after_sales.filter(status=AfterSale.Status.REFUNDING).values_list("amount_fen", flat=True)
    )
    return order.refunded_fen + in_flight


@transaction.atomic
def after_sale_request(
    *, order: Order, user: User, kind: str, reason: str, amount_fen: int, photos: Sequence = ()
) -> AfterSale:
    """The shopper asks for a refund (or a return and refund) of up to what they paid."""
    from core.uploads import validate_image_file

    order = _locked(order)
    if order.user_id != user.pk:
        raise NotFoundError("order_not_found", _("订单不存在。"))
    if kind not in AfterSale.Kind.values:
        raise ApplicationError("after_sale_kind_invalid", _("请选择售后类型。"), fields={"kind": [_("无效")]})
    if order.status not in AFTER_SALE_STATUSES:
        raise ApplicationError(
            "after_sale_not_allowed", _("订单当前状态为“%(s)s”，不能申请售后。") % {"s": order.get_status_display()},
            http_status=409,
        )  # fmt: skip
    if (
        order.status == OrderStatus.COMPLETED
        and order.completed_at
        and (timezone.now() - order.completed_at > timedelta(days=order.shop.after_sale_days))
    ):
        raise ApplicationError("after_sale_expired", _("已超过售后申请期限。"), http_status=409)
    if kind == AfterSale.Kind.RETURN_REFUND and order.status == OrderStatus.PAID:
        raise ApplicationError(
            "after_sale_kind_invalid", _("订单还未发货，请选择“仅退款”。"), fields={"kind": [_("无效")]}
        )
    if order.after_sales.filter(status__in=OPEN_AFTER_SALE).exists():
        raise ApplicationError("after_sale_open", _("该订单已有处理中的售后申请。"), http_status=409)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "after_sale_reason_required", _("请填写售后原因。"), fields={"reason": [_("必填")]}
        )
    available = order.paid_fen - _refund_committed_fen(order)
    if not isinstance(amount_fen, int) or amount_fen <= 0 or amount_fen > available:
        from core.money import format_yuan

        raise ApplicationError(
            "refund_amount_invalid",
            _("退款金额必须大于 0 且不超过 %(max)s。") % {"max": format_yuan(available)},
            fields={"amount_fen": [_("无效")]},
        )
    if len(photos) > 3:
        raise ApplicationError("too_many_photos", _("最多上传 3 张图片。"), fields={"photos": [_("太多")]})
    for photo in photos:
        try:
            validate_image_file(photo)
        except Exception as exc:  # django ValidationError -> our error shape
            raise ApplicationError(
                "photo_invalid",
                " ".join(getattr(exc, "messages", [str(exc)])),
                fields={"photos": [_("无效")]},
            ) from exc
    after_sale = AfterSale.objects.create(
        shop=order.shop, order=order, kind=kind, reason=reason[:200], amount_fen=amount_fen,
    )  # fmt: skip
    # the deadline counts from the request's own time (never before it, even at 0 hours)
    after_sale.respond_by = after_sale.created_at + timedelta(hours=order.shop.after_sale_response_hours)
    after_sale.save(update_fields=["respond_by"])
    for photo in photos:
        after_sale.photos.create(image=photo)
    from core.money import format_yuan

    after_sale_opened(
        after_sale=after_sale, order=order, actor=user,
        message=f"{after_sale.get_kind_display()} {format_yuan(amount_fen)}：{reason[:100]}",
    )  # fmt: skip
    return after_sale


def _after_sale_locked(*, shop: Shop, after_sale_no: str) -> tuple[AfterSale, Order]:
    found = (
        AfterSale.objects.filter(shop=shop, after_sale_no=after_sale_no)
        .values_list("order_id", flat=True)
        .first()
    )
    if found is None:
        raise NotFoundError("after_sale_not_found", _("售后申请不存在。"))
    order = Order.objects.select_for_update().get(pk=found)
    after_sale = AfterSale.objects.select_for_update().get(shop=shop, after_sale_no=after_sale_no)
    return after_sale, order


def after_sale_approve(*, shop: Shop, after_sale_no: str, actor: User | None) -> AfterSale:
    """The merchant approves: the refund goes out through the order's payment provider.

    The refund is reserved under the order's lock; the provider is called after commit, with no
    row locked, and reports back through ``after_sale_refund_result`` (the refund gateway port,
    orders/ports.py: payments implements it)."""
    gateway = refund_gateway()
    with transaction.atomic():
        after_sale, order = _after_sale_locked(shop=shop, after_sale_no=after_sale_no)
        if not after_sale_can_transition(after_sale.status, AfterSale.Status.REFUNDING):
            raise ApplicationError(
                "after_sale_not_pending", _("该售后申请已处理（%(s)s）。") % {"s": after_sale.get_status_display()},
                http_status=409,
            )  # fmt: skip
        if after_sale.amount_fen > order.paid_fen - _refund_committed_fen(order):
            raise ApplicationError("refund_exceeds_paid", _("退款金额超过了可退金额。"), http_status=409)
        after_sale_transition(
            after_sale=after_sale,
            order=order,
            to=AfterSale.Status.REFUNDING,
            actor_kind=A.MERCHANT,
            actor=actor,
        )
        refund = gateway.refund_reserve(order=order, after_sale=after_sale)
    gateway.refund_send(refund=refund)
    after_sale.refresh_from_db()
    return after_sale


@transaction.atomic
def after_sale_reject(*, shop: Shop, after_sale_no: str, actor: User | None, reason: str) -> AfterSale:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "reject_reason_required", _("请填写拒绝原因。"), fields={"reason": [_("必填")]}
        )
    after_sale, order = _after_sale_locked(shop=shop, after_sale_no=after_sale_no)
    after_sale_transition(
        after_sale=after_sale, order=order, to=AfterSale.Status.REJECTED, actor_kind=A.MERCHANT, actor=actor,
        message=reason[:200], extra_fields={"reject_reason": reason[:200]},
    )  # fmt: skip
    return after_sale


@transaction.atomic
def after_sale_withdraw(*, order: Order, user: User, after_sale_no: str) -> AfterSale:
    """The shopper withdraws their own pending request on ``order``. An after-sale number of
    another order (another shopper's, too) is not found, and changes nothing."""
    if order.user_id != user.pk:
        raise NotFoundError("order_not_found", _("订单不存在。"))
    after_sale, locked = _after_sale_locked(shop=order.shop, after_sale_no=after_sale_no)
    if after_sale.order_id != order.pk or locked.user_id != user.pk:
        raise NotFoundError("after_sale_not_found", _("售后申请不存在。"))
    order = locked
    if after_sale.status != AfterSale.Status.REQUESTED:
        raise ApplicationError("after_sale_not_pending", _("该售后申请已处理，不能撤销。"), http_status=409)
    after_sale_transition(
        after_sale=after_sale, order=order, to=AfterSale.Status.WITHDRAWN, actor_kind=A.SHOPPER, actor=user
    )
    return after_sale


@transaction.atomic
def after_sale_refund_result(*, after_sale: AfterSale, succeeded: bool, detail: str = "") -> AfterSale:
    """The payment provider's answer for a refund (synchronously or from its notification).
    Applying the same result twice changes nothing."""
    order = Order.objects.select_for_update().get(pk=after_sale.order_id)
    after_sale = AfterSale.objects.select_for_update().get(pk=after_sale.pk)
    if after_sale.status != AfterSale.Status.REFUNDING:
        return after_sale  # already applied (or never approved): a repeated answer changes nothing
    if not succeeded:
        after_sale_transition(
            after_sale=after_sale,
            order=order,
            to=AfterSale.Status.FAILED,
            actor_kind=A.SYSTEM,
            message=detail[:255],
        )
        return after_sale
    order.refunded_fen = F("refunded_fen") + after_sale.amount_fen
    order.save(update_fields=["refunded_fen", "updated_at"])
    order.refresh_from_db()
    from core.money import format_yuan

    after_sale_transition(
        after_sale=after_sale, order=order, to=AfterSale.Status.REFUNDED, actor_kind=A.SYSTEM,
        message=_("已退款 %(amount)s") % {"amount": format_yuan(after_sale.amount_fen)},
    )  # fmt: skip
    if order.refunded_fen >= order.paid_fen:
        unshipped = order.status == OrderStatus.PAID
        order_transition(order=order, to=OrderStatus.CLOSED, event=E.CLOSED, actor_kind=A.SYSTEM,
                         message=_("全额退款，订单关闭。"))  # fmt: skip
        if unshipped:  # nothing left the warehouse: the goods are for sale again, and were never sold
            _release_stock(order)
            _unsell(order)
    return after_sale
