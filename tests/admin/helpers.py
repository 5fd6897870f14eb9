"""Build admin POST bodies the way the browser would send them."""

from __future__ import annotations

from catalog.models import SKU, Product


def formset(prefix: str, rows: list[dict], initial: int = 0) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            if value is True:
                data[f"{prefix}-{i}-{key}"] = "on"
            elif value is not False and value is not None:
                data[f"{prefix}-{i}-{key}"] = str(value)
    return data


def product_post(product: Product | None = None, *, specs=None, skus=None, **fields) -> dict[str, str]:
    """The product change form as posted: the product's fields, its current specs and SKUs (as
    shown), optionally changed by ``specs`` ([(name, "红 蓝")]) and ``skus`` ({sku_pk: {field: value}})."""
    data = {
        "title": product.title if product else "新商品",
        "subtitle": product.subtitle if product else "",
        "category": (product.category_id or "") if product else "",
        "status": product.status if product else Product.Status.DRAFT,
        "position": product.position if product else 0,
        "keywords": product.keywords if product else "",
        "description": product.description if product else "",
    }
    if product and product.is_featured:
        data["is_featured"] = "on"
    data.update({k: v for k, v in fields.items()})
    data.update(formset("images", []))
    spec_rows, spec_initial = [], 0
    if product:
        spec_rows = [
            {"id": spec.pk, "product": product.pk, "name": spec.name, "position": spec.position,
             "values_text": " ".join(v.value for v in spec.values.all())}
            for spec in product.specs.order_by("position", "id")
        ]  # fmt: skip
        spec_initial = len(spec_rows)
    for name, values in specs or []:
        existing = next((r for r in spec_rows if r["name"] == name), None)
        if existing:
            existing["values_text"] = values
        else:
            spec_rows.append({"name": name, "values_text": values, "position": len(spec_rows)})
    data.update(formset("specs", spec_rows, spec_initial))
    sku_rows = []
    if product:
        for sku in SKU.objects.filter(product=product).order_by("-is_active", "position", "id"):
            row = {"id": sku.pk, "product": product.pk, "code": sku.code, "price_fen": f"{sku.price_fen / 100:.2f}",
                   "stock": sku.stock, "image": sku.image_id or "", "is_active": sku.is_active}  # fmt: skip
            row.update((skus or {}).get(sku.pk, {}))
            sku_rows.append(row)
    data.update(formset("skus", sku_rows, len(sku_rows)))
    return data
