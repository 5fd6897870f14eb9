"""Every catalog write that matters: one function per use case, each in a transaction.

Admin, API and management commands call these; none of them changes prices, stock, specs or
status by itself.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.locks import product_lock, sku_lock, skus_lock
from catalog.models import (
    DEFAULT_LOW_STOCK_THRESHOLD,
    SKU,
    LowStockAlert,
    Product,
    ProductSpec,
    SpecValue,
    StaffNotice,
    StockSettings,
)
from core.errors import ApplicationError
from core.money import MAX_FEN
from shop.cache import storefront_changed_for_ids
from shop.models import Shop


class Unset:
    """ "Not given" for an argument whose ``None`` means something (a threshold: the shop's default)."""


UNSET = Unset()


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
    if stock is not None or stock_delta is not None:
        low_stock_alerts_resolve(sku_ids=[s.pk for s in skus])
    return len(skus)


@transaction.atomic
def sku_update(
    *,
    sku: SKU,
    price_fen: int | None = None,
    stock: int | None = None,
    code: str | None = None,
    is_active: bool | None = None,
    low_stock_threshold: int | Unset | None = UNSET,
) -> SKU:
    """Change one SKU's price, stock, code, availability or low-stock threshold (``None``: the
    shop's default). A refill above the threshold resolves the SKU's open low-stock alert."""
    _check_amounts(price_fen=price_fen, stock=stock)
    if isinstance(low_stock_threshold, int) and low_stock_threshold < 0:
        raise ApplicationError(
            "invalid_amount", _("库存预警值不能为负数。"), fields={"low_stock_threshold": [_("不能为负数")]}
        )
    sku = sku_lock(pk=sku.pk)
    changed = []
    for name, value in (("price_fen", price_fen), ("stock", stock), ("code", code), ("is_active", is_active)):
        if value is not None and getattr(sku, name) != value:
            setattr(sku, name, value)
            changed.append(name)
    if not isinstance(low_stock_threshold, Unset) and sku.low_stock_threshold != low_stock_threshold:
        sku.low_stock_threshold = low_stock_threshold
        changed.append("low_stock_threshold")
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
        if {"stock", "low_stock_threshold"} & set(changed):
            low_stock_alerts_resolve(sku_ids=[sku.pk])
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


# -- Stock reservation and low-stock alerts (docs/after-sales.md#low-stock-alerts) -----------------------


@dataclass(frozen=True)
class Reservation:
    """What one SKU's reservation left: its stock after the order took ``quantity`` units and the
    low-stock threshold in force (the SKU's own, else the shop's default; 0: no alerts)."""

    sku_id: int
    shop_id: int
    quantity: int
    stock: int
    threshold: int

    @property
    def crossed(self) -> bool:
        """This reservation took the stock from above the threshold to it or below."""
        return self.threshold > 0 and self.stock <= self.threshold < self.stock + self.quantity


def _reserve_sql() -> str:
    quote = connection.ops.quote_name
    sku, settings = quote(SKU._meta.db_table), quote(StockSettings._meta.db_table)
    return (
        f"UPDATE {sku} SET {quote('stock')} = {quote('stock')} - %s "  # noqa: S608 (table names only)
        f"WHERE {quote('id')} = %s AND {quote('stock')} >= %s AND {quote('is_active')} = %s "
        f"RETURNING {quote('stock')}, {quote('shop_id')}, {quote('low_stock_threshold')}, "
        f"(SELECT s.{quote('low_stock_threshold')} FROM {settings} s "
        f"WHERE s.{quote('shop_id')} = {sku}.{quote('shop_id')})"
    )


def sku_reserve(*, sku_id: int, quantity: int) -> Reservation | None:
    """Take ``quantity`` units of an active SKU for an order, inside the order's transaction: one
    conditional update (``stock = stock - n WHERE stock >= n``; it holds the SKU's row until the
    order commits, so reservations of one SKU run one after another). ``None``: not enough stock
    (or the SKU is off). The same statement returns the stock left and the threshold in force, so
    the low-stock check costs the order no query of its own (``low_stock_alerts_raise``)."""
    with connection.cursor() as cursor:
        cursor.execute(_reserve_sql(), [quantity, sku_id, quantity, True])
        row = cursor.fetchone()
    if row is None:
        return None
    stock, shop_id, own, shop_default = row
    threshold = (
        own if own is not None else shop_default if shop_default is not None else DEFAULT_LOW_STOCK_THRESHOLD
    )
    return Reservation(sku_id=sku_id, shop_id=shop_id, quantity=quantity, stock=stock, threshold=threshold)


def low_stock_alerts_raise(*, reservations: Sequence[Reservation]) -> list[LowStockAlert]:
    """After an order's reservations (its SKUs' rows still held by them): an alert and a message to
    the shop's staff for each SKU the order took from above its threshold to it or below, unless
    the SKU already has an open alert (not again until the merchant refills it). Nothing when no
    SKU crossed; else four queries however many did. Every write of a SKU's alerts holds that SKU's
    row (this path by its reservation, a refill by ``sku_lock``), so the open-alert read below is
    exact and ten orders crossing together give one alert; the partial unique constraint
    ``low_stock_alert_one_open`` backs it up."""
    crossed = {r.sku_id: r for r in reservations if r.crossed}
    if not crossed:
        return []
    already = set(
        LowStockAlert.objects.filter(sku_id__in=list(crossed), resolved_at__isnull=True).values_list(
            "sku_id", flat=True
        )
    )
    fresh = [r for sku_id, r in sorted(crossed.items()) if sku_id not in already]
    if not fresh:
        return []
    skus = SKU.objects.select_related("product").in_bulk([r.sku_id for r in fresh])
    alerts = [
        LowStockAlert(shop_id=r.shop_id, sku_id=r.sku_id, stock=r.stock, threshold=r.threshold) for r in fresh
    ]
    LowStockAlert.objects.bulk_create(alerts, ignore_conflicts=True)
    from django.urls import reverse

    link = reverse("admin:catalog_lowstockalert_changelist") + "?open=1"
    StaffNotice.objects.bulk_create(
        StaffNotice(
            shop_id=r.shop_id,
            kind=StaffNotice.Kind.LOW_STOCK,
            title=_("库存预警：%(sku)s 仅剩 %(n)d 件") % {"sku": skus[r.sku_id], "n": r.stock},
            body=_(
                "顾客下单后，该 SKU 的库存降到了预警值 %(t)d 件或以下。补货到 %(t)d 件以上后预警自动解除。"
            )
            % {"t": r.threshold},
            link=link,
        )
        for r in fresh
    )
    return alerts


def low_stock_alerts_resolve(*, sku_ids: Sequence[int]) -> int:
    """The merchant changed these SKUs' stock or threshold (the caller holds their rows): their open
    alerts are resolved where the stock is now above the threshold in force (or alerts are off).
    Returns how many were resolved."""
    alerts = list(
        LowStockAlert.objects.filter(sku_id__in=list(sku_ids), resolved_at__isnull=True).select_related("sku")
    )
    if not alerts:
        return 0
    defaults = dict(
        StockSettings.objects.filter(shop_id__in={a.shop_id for a in alerts}).values_list(
            "shop_id", "low_stock_threshold"
        )
    )
    now = timezone.now()
    done = []
    for alert in alerts:
        own = alert.sku.low_stock_threshold
        threshold = own if own is not None else defaults.get(alert.shop_id, DEFAULT_LOW_STOCK_THRESHOLD)
        if threshold == 0 or alert.sku.stock > threshold:
            alert.resolved_at, alert.resolved_stock, alert.updated_at = now, alert.sku.stock, now
            done.append(alert)
    LowStockAlert.objects.bulk_update(done, ["resolved_at", "resolved_stock", "updated_at"])
    return len(done)


@transaction.atomic
def stock_settings_save(*, shop: Shop, low_stock_threshold: int) -> StockSettings:
    """Set the shop's default low-stock threshold (0: no alerts); open alerts of SKUs that use the
    default and are now above it are resolved."""
    if low_stock_threshold < 0:
        raise ApplicationError(
            "invalid_amount", _("库存预警值不能为负数。"), fields={"low_stock_threshold": [_("不能为负数")]}
        )
    settings, _created = StockSettings.objects.update_or_create(
        shop=shop, defaults={"low_stock_threshold": low_stock_threshold}
    )
    open_skus = LowStockAlert.objects.filter(
        shop=shop, resolved_at__isnull=True, sku__low_stock_threshold__isnull=True
    ).values_list("sku_id", flat=True)
    skus = skus_lock(SKU.objects.filter(pk__in=list(open_skus)))
    if skus:
        low_stock_alerts_resolve(sku_ids=[s.pk for s in skus])
    return settings


def staff_notices_mark_read(*, shop_ids: Sequence[int], notice_ids: Sequence[int]) -> int:
    """Mark the shop's messages read (``shop_ids``: the shops the reader belongs to)."""
    return StaffNotice.objects.filter(
        shop_id__in=list(shop_ids), pk__in=list(notice_ids), read_at__isnull=True
    ).update(read_at=timezone.now())


def staff_notice_send(*, shop: Shop, kind: str, title: str, body: str = "", link: str = "") -> StaffNotice:
    """A message to the shop's staff in admin (an app above: a complaint to answer, a warning)."""
    return StaffNotice.objects.create(shop=shop, kind=kind, title=title[:120], body=body, link=link[:255])
