"""Stock and sales counters an order moves: reserve/release bookkeeping on products, un-selling.

Internal to ``orders.services``: the caller holds the order's lock.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F
from django.db.models.functions import Greatest

from catalog.models import SKU, Product
from orders.models import Order
from orders.pricing import stock_returns
from shop.cache import stock_changed


def product_stock_adjust(*, order_lines: Iterable[tuple[int, int]]) -> None:
    """Keep ``Product.stock_total`` (the list pages' sold-out badge) in step with SKU stock."""
    per_product: dict[int, int] = {}
    for product_id, delta in order_lines:
        per_product[product_id] = per_product.get(product_id, 0) + delta
    for product_id in sorted(per_product):
        Product.objects.filter(pk=product_id).update(
            stock_total=Greatest(F("stock_total") + per_product[product_id], 0)
        )
    products_stock_changed(per_product)


def products_stock_changed(product_ids: Iterable[int]) -> None:
    """The stock or sales count of these products moved: their own pages are rebuilt and the shop's
    lists soon after (``shop.cache.stock_changed``), never the rest of the shop."""
    ids = sorted(set(product_ids))
    if ids:
        stock_changed(Product.objects.filter(pk__in=ids).values_list("shop__slug", "pk"))


def order_stock_release(order: Order) -> None:
    """Put an order's units back (the caller holds the order's lock and has just moved it out of
    a state that held stock, so this runs once per order). Units a pricing rule supplied from its
    own pool may go back there instead (``orders.pricing.stock_return_register``)."""
    lines = list(order.lines.order_by("sku_id"))
    kept = stock_returns(order=order)  # units a pricing rule takes back into its own pool
    back: list[tuple[int, int]] = []
    for line in lines:
        units = max(line.quantity - kept.pop(line.sku_id, 0), 0) if line.sku_id else line.quantity
        if units:
            SKU.objects.filter(pk=line.sku_id).update(stock=F("stock") + units)
        back.append((line.product_id_snapshot, units))
    product_stock_adjust(order_lines=back)


def order_unsell(order: Order) -> None:
    """Take a paid order that never shipped out of the sales counts (rankings, "sold" badges)."""
    lines = list(order.lines.order_by("sku_id"))
    for line in lines:
        SKU.objects.filter(pk=line.sku_id).update(sales_count=Greatest(F("sales_count") - line.quantity, 0))
    for line in sorted(lines, key=lambda line: line.product_id_snapshot):
        Product.objects.filter(pk=line.product_id_snapshot).update(
            sales_count=Greatest(F("sales_count") - line.quantity, 0)
        )
    products_stock_changed(line.product_id_snapshot for line in lines)


def units_restock(units: Iterable[tuple[int, int, int]]) -> None:
    """Put returned units back into their SKUs' stock: ``(sku_id, product_id, units)`` — the
    units of a return the merchant said may be sold again (the caller holds the order's lock and
    has just moved the return on, so this runs once per return)."""
    back: list[tuple[int, int]] = []
    for sku_id, product_id, count in sorted(units):
        if count > 0:
            SKU.objects.filter(pk=sku_id).update(stock=F("stock") + count)
            back.append((product_id, count))
    if back:
        product_stock_adjust(order_lines=back)


def units_unsell(units: Iterable[tuple[int, int, int]]) -> None:
    """Take returned units out of the sales counts (rankings, "sold" badges): the sale was undone."""
    per_product: dict[int, int] = {}
    for sku_id, product_id, count in sorted(units):
        if count > 0:
            SKU.objects.filter(pk=sku_id).update(sales_count=Greatest(F("sales_count") - count, 0))
            per_product[product_id] = per_product.get(product_id, 0) + count
    for product_id in sorted(per_product):
        Product.objects.filter(pk=product_id).update(
            sales_count=Greatest(F("sales_count") - per_product[product_id], 0)
        )
    products_stock_changed(per_product)
