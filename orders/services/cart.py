"""The shopper's cart: add, change, remove, and merging an anonymous cart at login."""

from __future__ import annotations

from functools import partial
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.models import SKU, Product
from core.errors import ApplicationError, NotFoundError
from core.integers import is_int
from orders import ports
from orders.locks import cart_item_lock, cart_lock
from orders.models import Cart, CartItem
from orders.selectors import sku_label
from shop.cache import shopper_changed
from shop.models import Shop

MAX_QUANTITY = 999  # of one SKU in one cart line or order (repeated lines are added up first)
MAX_LINES = 50  # different SKUs in one cart or order


def cart_get(
    *, shop: Shop, user: User | None = None, session_key: str = "", create: bool = False
) -> Cart | None:
    """The shopper's cart in ``shop`` (by user when logged in, else by session)."""
    lookup: dict[str, Any]
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


def _sellable_sku(*, shop: Shop, sku_id: int) -> SKU:
    if not is_int(sku_id):
        raise _sku_not_found()
    sku = (
        SKU.objects.select_related("product")
        .filter(pk=sku_id, shop=shop, is_active=True, product__status=Product.Status.ON_SALE)
        .first()
    )
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


def buy_now_check(*, shop: Shop, sku_id: int, quantity: int = 1) -> SKU:
    """The checks of ``cart_add`` for a "buy now" line (立即购买), which skips the cart: the SKU is
    on sale in this shop and ``quantity`` is a whole number within stock. Writes nothing."""
    if not is_int(quantity) or quantity < 1:
        raise _quantity_invalid()
    sku = _sellable_sku(shop=shop, sku_id=sku_id)
    _check_quantity(quantity, sku)
    return sku


@transaction.atomic
def cart_add(*, cart: Cart, sku_id: int, quantity: int = 1) -> CartItem:
    """Add ``quantity`` of a SKU (adds to what is already in the cart; never above stock or
    ``MAX_QUANTITY``); a cart holds at most ``MAX_LINES`` lines (``too_many_lines``)."""
    if not is_int(quantity) or quantity < 1:
        raise _quantity_invalid()
    sku = _sellable_sku(shop=cart.shop, sku_id=sku_id)
    cart_lock(cart=cart)  # one add at a time per cart
    item = cart_item_lock(cart=cart, sku=sku)
    wanted = (item.quantity if item else 0) + quantity
    _check_quantity(wanted, sku)
    if item is None:
        if CartItem.objects.filter(cart=cart).count() >= MAX_LINES:
            raise too_many_lines_error()
        item = CartItem.objects.create(cart=cart, sku=sku, quantity=wanted)
    else:
        item.quantity = wanted
        item.save(update_fields=["quantity", "updated_at"])
    shopper_changed(cart.user_id)
    transaction.on_commit(
        partial(ports.cart_added, shop_id=cart.shop_id, product_id=sku.product_id, sku_id=sku.pk,
                quantity=quantity, user_id=cart.user_id)
    )  # fmt: skip
    return item


@transaction.atomic
def cart_set_quantity(*, cart: Cart, item_id: int, quantity: int) -> CartItem:
    item = cart_item_lock(cart=cart, pk=item_id)
    if item is None:
        raise NotFoundError("cart_item_not_found", _("购物车中没有这件商品。"))
    sku = _sellable_sku(shop=cart.shop, sku_id=item.sku_id)
    _check_quantity(quantity, sku)
    item.quantity = quantity
    item.save(update_fields=["quantity", "updated_at"])
    shopper_changed(cart.user_id)
    return item


def cart_remove(*, cart: Cart, item_id: int) -> None:
    deleted, _rows = CartItem.objects.filter(cart=cart, pk=item_id).delete()
    if not deleted:
        raise NotFoundError("cart_item_not_found", _("购物车中没有这件商品。"))
    shopper_changed(cart.user_id)


@transaction.atomic
def cart_merge_session(*, session_key: str, user: User) -> int:
    """At login: move every anonymous cart of this session into the user's carts (quantities add
    up, capped at stock). Returns how many lines moved."""
    moved = 0
    for anon in Cart.objects.filter(session_key=session_key, user=None).select_related("shop"):
        cart = cast(Cart, cart_get(shop=anon.shop, user=user, create=True))  # create=True: never None
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
    shopper_changed(user.pk)
    return moved
