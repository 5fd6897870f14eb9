"""Row locks on order rows, in one place (after Saleor's ``saleor/order/lock_objects.py``).

Each helper takes rows with ``SELECT … FOR UPDATE``; the caller is inside a transaction. The lock
order, everywhere: the cart before its items; the order before its after-sales (and before
anything of payments'); several rows of one kind in primary-key order. Keeping to it is what stops
two writers waiting on each other (no deadlock). Stock itself is never locked: it is reserved by one
conditional ``UPDATE`` per SKU (orders/services/checkout.py).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from orders.models import AfterSale, Cart, CartItem, Order


def order_qs_select_for_update() -> QuerySet[Order]:
    """Orders to lock (filter it; rows are taken in primary-key order)."""
    return Order.objects.order_by("pk").select_for_update()


def order_lock(*, pk: int) -> Order:
    """One order, locked (``Order.DoesNotExist`` if it is gone)."""
    return order_qs_select_for_update().get(pk=pk)


def order_lock_if_exists(*, pk: int) -> Order | None:
    return order_qs_select_for_update().filter(pk=pk).first()


def after_sale_qs_select_for_update() -> QuerySet[AfterSale]:
    return AfterSale.objects.order_by("pk").select_for_update()


def order_and_after_sale_lock(*, order_id: int, **after_sale_lookup: Any) -> tuple[Order, AfterSale]:
    """An after-sale and its order, locked order first (the order's lock serialises every change
    of its after-sales and refunds)."""
    order = order_lock(pk=order_id)
    after_sale = after_sale_qs_select_for_update().get(**after_sale_lookup)
    return order, after_sale


def cart_lock(*, cart: Cart) -> None:
    """Serialise writes to one cart (one "add" at a time per cart, so the line cap holds)."""
    Cart.objects.select_for_update().filter(pk=cart.pk).first()


def cart_item_lock(*, cart: Cart, **lookup: Any) -> CartItem | None:
    """One line of ``cart`` (by ``sku=`` or ``pk=``), locked; None if the cart has no such line."""
    return CartItem.objects.select_for_update().filter(cart=cart, **lookup).first()
