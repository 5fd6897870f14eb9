"""Row locks on catalog rows, in one place (after Saleor's ``saleor/order/lock_objects.py``).

Each helper returns rows (or a queryset) taken with ``SELECT … FOR UPDATE``; the caller is inside a
transaction. Where several rows are locked they are taken in primary-key order, so two writers
never wait on each other in opposite orders (no deadlock).
"""

from __future__ import annotations

from django.db.models import QuerySet

from catalog.models import SKU, Product


def product_qs_select_for_update() -> QuerySet[Product]:
    return Product.objects.order_by("pk").select_for_update()


def product_lock(*, pk: int) -> Product:
    """One product, locked (SKU matrix and status changes run one at a time per product)."""
    return product_qs_select_for_update().get(pk=pk)


def sku_qs_select_for_update() -> QuerySet[SKU]:
    return SKU.objects.order_by("pk").select_for_update()


def sku_lock(*, pk: int) -> SKU:
    return sku_qs_select_for_update().get(pk=pk)


def skus_lock(queryset: QuerySet[SKU]) -> list[SKU]:
    """The SKUs of ``queryset``, locked in primary-key order."""
    return list(queryset.select_for_update().order_by("pk"))
