"""Every catalog write that matters: one function per use case, each in a transaction.

Admin, API and management commands call these; none of them changes prices, stock, specs or
status by itself.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.locks import product_lock, sku_lock, skus_lock
from catalog.models import SKU, Product, ProductSpec, SpecValue
from core.errors import ApplicationError
from core.money import MAX_FEN
from shop.cache import storefront_changed_for_ids
from shop.models import Shop


@dataclass
class SkuMatrixResult:
    created: list[SKU] = field(default_factory=list)
    reactivated: list[SKU] = field(default_factory=list)
    deactivated: list[SKU] = field(default_factory=list)
    kept: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.reactivated or self.deactivated)


def spec_key_for(value_ids: Iterable[int]) -> str:
    """The canonical key of a combination of spec values: sorted ids, comma-joined."""
    return ",".join(str(v) for v in sorted(int(v) for v in value_ids))


def product_sync_summary(*, product: Product) -> Product:
    """Recompute the price range, total stock and cover from active SKUs and images."""
    summary = SKU.objects.filter(product=product, is_active=True).aggregate(
        low=Min("price_fen"), high=Max("price_fen"), stock=Sum("stock")
    )
    cover = product.images.order_by("position", "id").first()
    product.price_min_fen = summary["low"] or 0
    product.price_max_fen = summary["high"] or 0
    product.stock_total = summary["stock"] or 0
    product.cover = cover
    Product.objects.filter(pk=product.pk).update(
        price_min_fen=product.price_min_fen,
        price_max_fen=product.price_max_fen,
        stock_total=product.stock_total,
        cover=cover,
        updated_at=timezone.now(),
    )
    storefront_changed_for_ids([product.shop_id])
    return product


def _clean_values(values: Sequence[str]) -> list[str]:
    cleaned = [v.strip() for v in values if v and v.strip()]
    duplicates = [v for index, v in enumerate(cleaned) if v in cleaned[:index]]
    if duplicates:
        raise ApplicationError(
            "spec_value_duplicate",
            _("规格值重复：%(values)s。同一规格下每个值只能出现一次。")
            % {"values": "、".join(sorted(set(duplicates)))},
            fields={"values": [_("规格值重复")]},
        )
    for value in cleaned:
        if len(value) > 32:
            raise ApplicationError(
                "spec_value_too_long", _("规格值“%(value)s”太长（最多 32 个字）。") % {"value": value}
            )
    return cleaned


@transaction.atomic
def product_spec_set(*, product: Product, name: str, values: Sequence[str], position: int = 0) -> ProductSpec:
    """Create or update one spec (e.g. 颜色) and its ordered values.

    Existing values keep their id (so SKUs built from them keep their price and stock); values no
    longer listed are removed, and the next matrix generation deactivates their SKUs.
    """
    name = (name or "").strip()
    if not name:
        raise ApplicationError(
            "spec_name_required", _("请填写规格名，例如“颜色”。"), fields={"name": [_("必填")]}
        )
    if len(name) > 16:
        raise ApplicationError("spec_name_too_long", _("规格名最多 16 个字。"), fields={"name": [_("太长")]})
    cleaned = _clean_values(values)
    if not cleaned:
        raise ApplicationError(
            "spec_values_required",
            _("规格“%(name)s”至少需要一个规格值。") % {"name": name},
            fields={"values": [_("必填")]},
        )
    spec, _created = ProductSpec.objects.get_or_create(
        product=product, name=name, defaults={"shop_id": product.shop_id, "position": position}
    )
    if spec.position != position:
        spec.position = position
        spec.save(update_fields=["position", "updated_at"])
    spec_values_set(spec=spec, values=cleaned)
    storefront_changed_for_ids([product.shop_id])
    return spec


@transaction.atomic
def spec_values_set(*, spec: ProductSpec, values: Sequence[str]) -> list[SpecValue]:
    """Make ``spec``'s values exactly ``values``, in that order, keeping ids of surviving values."""
    cleaned = _clean_values(values)
    existing = {v.value: v for v in spec.values.all()}
    result: list[SpecValue] = []
    for position, text in enumerate(cleaned):
        value = existing.pop(text, None)
        if value is None:
            value = SpecValue.objects.create(shop_id=spec.shop_id, spec=spec, value=text, position=position)
        elif value.position != position:
            value.position = position
            value.save(update_fields=["position", "updated_at"])
        result.append(value)
    if existing:
        SpecValue.objects.filter(pk__in=[v.pk for v in existing.values()]).delete()
    return result


def _default_price_fen(product: Product) -> int:
    return product.price_min_fen or 0


@transaction.atomic
def product_generate_skus(*, product: Product, default_price_fen: int | None = None) -> SkuMatrixResult:
    """Build the SKU matrix from the product's spec values (e.g. 颜色 × 尺码).

    - an existing combination keeps its price, stock, code and image (a deactivated one comes back);
    - a new combination gets ``default_price_fen`` (default: the current lowest price) and no stock;
    - a combination that no longer exists is deactivated, never deleted: orders may refer to it;
    - a product without specs has exactly one SKU.
    Running it twice changes nothing the second time.
    """
    product = product_lock(pk=product.pk)
    specs = list(
        ProductSpec.objects.filter(product=product).prefetch_related("values").order_by("position", "id")
    )
    empty = [s.name for s in specs if not s.values.all()]
    if empty:
        raise ApplicationError(
            "spec_values_required",
            _("规格“%(names)s”还没有规格值，请先填写再生成 SKU。") % {"names": "、".join(empty)},
        )
    price = _default_price_fen(product) if default_price_fen is None else default_price_fen
    if price < 0 or price > MAX_FEN:
        raise ApplicationError("price_invalid", _("价格不能为负数。"), fields={"price_fen": [_("无效")]})

    existing = {sku.spec_key: sku for sku in SKU.objects.filter(product=product)}
    combinations = itertools.product(*[list(s.values.all()) for s in specs]) if specs else [()]
    matrix = [
        (
            spec_key_for(v.pk for v in combo),
            " ".join(f"{s.name}:{v.value}" for s, v in zip(specs, combo, strict=True)),
        )
        for combo in combinations
    ]
    wanted = {key for key, _text in matrix}
    # A value removed and typed again gets a new id; its retired SKU (same spec text) comes back
    # with its price, stock and code instead of a blank new one.
    retired_by_text = {
        sku.spec_text: sku for key, sku in existing.items() if key not in wanted and sku.spec_text
    }
    result = SkuMatrixResult()
    for position, (key, text) in enumerate(matrix):
        sku = existing.get(key)
        if sku is None and text in retired_by_text:
            sku = retired_by_text.pop(text)
            existing.pop(sku.spec_key)
            sku.spec_key = key
            sku.is_active = True
            sku.position = position
            sku.save(update_fields=["spec_key", "is_active", "position", "updated_at"])
            existing[key] = sku
            result.reactivated.append(sku)
            continue
        if sku is None:
            sku = SKU.objects.create(
                shop_id=product.shop_id,
                product=product,
                spec_key=key,
                spec_text=text,
                price_fen=price,
                stock=0,
                position=position,
            )
            result.created.append(sku)
            continue
        changed = []
        if not sku.is_active:
            sku.is_active = True
            changed.append("is_active")
            result.reactivated.append(sku)
        else:
            result.kept += 1
        if sku.spec_text != text:
            sku.spec_text = text
            changed.append("spec_text")
        if sku.position != position:
            sku.position = position
            changed.append("position")
        if changed:
            sku.save(update_fields=[*changed, "updated_at"])
    for key, sku in existing.items():
        if key not in wanted and sku.is_active:
            sku.is_active = False
            sku.save(update_fields=["is_active", "updated_at"])
            result.deactivated.append(sku)
    if result.changed or not product.cover_id:
        product_sync_summary(product=product)
    return result


def _check_amounts(*, price_fen: int | None, stock: int | None) -> None:
    errors = {}
    if price_fen is not None and not (0 <= price_fen <= MAX_FEN):
        errors["price_fen"] = [_("价格不能为负数。")]
    if stock is not None and stock < 0:
        errors["stock"] = [_("库存不能为负数。")]
    if errors:
        message = " ".join(msg for msgs in errors.values() for msg in msgs)
        raise ApplicationError("invalid_amount", message, fields=errors)


@transaction.atomic
def skus_bulk_update(
    *,
    shop: Shop | None,
    sku_ids: Iterable[int],
    price_fen: int | None = None,
    stock: int | None = None,
    stock_delta: int | None = None,
) -> int:
    """Set the price and/or stock of many SKUs at once (``shop=None``: any shop, operators only).

    ``stock_delta`` adds to (or, negative, removes from) each SKU's stock and fails as a whole if
    any SKU would go below zero. Returns how many SKUs changed.
    """
    _check_amounts(price_fen=price_fen, stock=stock)
    if stock is not None and stock_delta is not None:
        raise ApplicationError("invalid_request", _("不能同时设置库存和调整库存。"))
    queryset = SKU.objects.filter(pk__in=list(sku_ids))
    if shop is not None:
        queryset = queryset.filter(shop=shop)
    skus = skus_lock(queryset)
    if not skus:
        return 0
    if stock_delta is not None and stock_delta < 0:
        short = [s for s in skus if s.stock + stock_delta < 0]
        if short:
            raise ApplicationError(
                "stock_insufficient",
                _("库存不足，无法减少 %(n)d 件：%(skus)s")
                % {"n": -stock_delta, "skus": "、".join(str(s) for s in short[:5])},
            )
    now = timezone.now()
    for sku in skus:
        sku.updated_at = now
        if price_fen is not None:
            sku.price_fen = price_fen
        if stock is not None:
            sku.stock = stock
        if stock_delta is not None:
            sku.stock += stock_delta
    SKU.objects.bulk_update(skus, ["price_fen", "stock", "updated_at"])
    for product in Product.objects.filter(pk__in={s.product_id for s in skus}).order_by("pk"):
        product_sync_summary(product=product)
    return len(skus)


@transaction.atomic
def sku_update(
    *,
    sku: SKU,
    price_fen: int | None = None,
    stock: int | None = None,
    code: str | None = None,
    is_active: bool | None = None,
) -> SKU:
    """Change one SKU's price, stock, code or availability."""
    _check_amounts(price_fen=price_fen, stock=stock)
    sku = sku_lock(pk=sku.pk)
    changed = []
    for name, value in (("price_fen", price_fen), ("stock", stock), ("code", code), ("is_active", is_active)):
        if value is not None and getattr(sku, name) != value:
            setattr(sku, name, value)
            changed.append(name)
    if code and SKU.objects.filter(shop_id=sku.shop_id, code=code).exclude(pk=sku.pk).exists():
        raise ApplicationError(
            "sku_code_taken", _("商品编码“%(code)s”已被本店其他 SKU 使用。") % {"code": code}
        )
    if changed:
        try:
            with transaction.atomic():
                sku.save(update_fields=[*changed, "updated_at"])
        except IntegrityError as exc:
            raise ApplicationError("sku_invalid", _("SKU 数据无效：%(err)s") % {"err": exc}) from exc
        product_sync_summary(product=sku.product)
    return sku


@transaction.atomic
def product_set_status(*, product: Product, status: str) -> Product:
    """Put a product on shelf (在售), take it off (已下架) or back to draft.

    A product goes on shelf only with at least one active SKU that has a price.
    """
    if status not in Product.Status.values:
        raise ApplicationError("invalid_status", _("未知的商品状态。"))
    product = product_lock(pk=product.pk)
    if status == Product.Status.ON_SALE:
        if not SKU.objects.filter(product=product, is_active=True).exists():
            raise ApplicationError(
                "product_without_skus",
                _("“%(title)s”还没有可售的 SKU，请先生成 SKU 并设置价格。") % {"title": product.title},
            )
        if SKU.objects.filter(product=product, is_active=True, price_fen__lte=0).exists():
            raise ApplicationError(
                "sku_without_price",
                _("“%(title)s”有 SKU 价格为 0，请先设置价格再上架。") % {"title": product.title},
            )
    if product.status == status:
        return product
    product.status = status
    fields = ["status", "updated_at"]
    if status == Product.Status.ON_SALE and product.published_at is None:
        product.published_at = timezone.now()
        fields.append("published_at")
    product.save(update_fields=fields)
    storefront_changed_for_ids([product.shop_id])
    return product


def products_set_status(
    *, shop: Shop | None, product_ids: Iterable[int], status: str
) -> tuple[int, list[str]]:
    """Bulk shelf/unshelf; returns how many changed and the errors of those that could not."""
    queryset = Product.objects.filter(pk__in=list(product_ids))
    if shop is not None:
        queryset = queryset.filter(shop=shop)
    changed, errors = 0, []
    for product in queryset.order_by("pk"):
        try:
            before = product.status
            product_set_status(product=product, status=status)
            changed += before != status
        except ApplicationError as exc:
            errors.append(exc.message)
    return changed, errors
