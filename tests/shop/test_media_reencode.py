"""`manage.py media_reencode`: images stored before the upload rule are brought under it."""

import io
import os
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from PIL import Image

from catalog.models import ProductImage
from orders import services
from orders.models import AfterSalePhoto
from tests.factories import AddressFactory, ShopperFactory, add_image, make_product

PAYLOAD = b"<html><script>alert(1)</script></html>"


def legacy(name: str, data: bytes) -> str:
    path = os.path.join(settings.MEDIA_ROOT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return name


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (9, 90, 190)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def after_sale(shop_a):
    shopper = ShopperFactory(username="legacy-buyer")
    sku = make_product(shop=shop_a, price_fen=5000, stock=5).skus.get()
    order = services.order_place(
        shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=AddressFactory(user=shopper).pk
    )
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    return services.after_sale_request(
        order=order, user=shopper, kind="refund_only", reason="破损", amount_fen=10
    )


def run(*args) -> str:
    out = StringIO()
    call_command("media_reencode", *args, stdout=out)
    return out.getvalue()


def test_legacy_polyglots_are_re_encoded_and_renamed_and_non_images_reported(after_sale):
    polyglot = AfterSalePhoto.objects.create(
        after_sale=after_sale, image=legacy("after_sales/2026/01/x.html", png() + PAYLOAD)
    )
    script = AfterSalePhoto.objects.create(
        after_sale=after_sale,
        image=legacy("after_sales/2026/01/y.svg", b"<svg><script>alert(1)</script></svg>"),
    )
    assert "would re-encode" in run("--dry-run")
    polyglot.refresh_from_db()
    assert polyglot.image.name == "after_sales/2026/01/x.html"

    out = run()
    polyglot.refresh_from_db()
    assert polyglot.image.name.endswith(".png") and "x.html" not in polyglot.image.name
    with open(os.path.join(settings.MEDIA_ROOT, polyglot.image.name), "rb") as f:
        assert b"<script" not in f.read()
    assert not os.path.exists(os.path.join(settings.MEDIA_ROOT, "after_sales/2026/01/x.html"))
    assert "y.svg" in out and "not an image" in out
    script.refresh_from_db()
    assert script.image.name == "after_sales/2026/01/y.svg"  # left for the operator, never served

    name = polyglot.image.name
    assert "0 个已处理" in run()  # a second run changes nothing
    polyglot.refresh_from_db()
    assert polyglot.image.name == name


def test_legacy_product_images_keep_their_size_and_thumbnails(shop_a):
    image = add_image(make_product(shop=shop_a))
    thumbs = (image.thumb_list.name, image.thumb_detail.name)
    with image.image.open("rb") as f:
        data = f.read()
    ProductImage.objects.filter(pk=image.pk).update(image=legacy("products/2025/01/我的 照片.JPG", data))
    run()
    image.refresh_from_db()
    assert image.image.name.startswith("products/") and image.image.name.endswith(".jpg")
    assert "照片" not in image.image.name and (image.width, image.height) == (400, 400)
    assert (image.thumb_list.name, image.thumb_detail.name) == thumbs
