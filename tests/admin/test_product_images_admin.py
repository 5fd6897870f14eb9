"""A merchant keeps editing a product once it has photos (issue 9: saving was an HTTP 500,
``ValueError: I/O operation on closed file`` in catalog/images.py).

Every form here is posted back the way the browser sends it: all the inlines as rendered, the
existing images as untouched file inputs."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from catalog.models import SKU, Product, ProductImage
from tests.admin.form_post import post_back


def png(width: int = 800, height: int = 800, color=(200, 100, 50)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def merchant(client, merchant_a):
    client.force_login(merchant_a)
    return client


def test_create_with_images_then_edit_and_save_twice(merchant, shop_a):
    response = post_back(
        merchant,
        "/admin/catalog/product/add/",
        {
            "title": "帆布包",
            "images-0-image": SimpleUploadedFile("front.png", png(), content_type="image/png"),
            "images-0-alt": "正面",
            "specs-0-name": "颜色",
            "specs-0-values_text": "米白 黑",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    product = Product.objects.get(title="帆布包")
    assert product.images.count() == 1 and product.skus.filter(is_active=True).count() == 2
    url = f"/admin/catalog/product/{product.pk}/change/"

    # Edit: title, a second photo, a price and stock on every SKU.
    skus = list(product.skus.order_by("-is_active", "position", "id"))
    changes = {"title": "帆布托特包", "images-1-image": SimpleUploadedFile("back.png", png(color=(1, 2, 3)))}
    for i, _sku in enumerate(skus):
        changes[f"skus-{i}-price_fen"] = "49.90"
        changes[f"skus-{i}-stock"] = "6"
    response = post_back(merchant, url, changes)
    assert response.status_code == 302, response.content.decode()[:3000]
    product.refresh_from_db()
    assert product.title == "帆布托特包" and product.images.count() == 2
    assert set(SKU.objects.filter(product=product).values_list("price_fen", "stock")) == {(4990, 6)}

    # Save twice unchanged: still a redirect, nothing lost, thumbnails kept.
    thumbs = sorted(ProductImage.objects.filter(product=product).values_list("thumb_list", "thumb_detail"))
    for _ in range(2):
        response = post_back(merchant, url)
        assert response.status_code == 302, response.content.decode()[:3000]
    product.refresh_from_db()
    assert product.title == "帆布托特包" and product.stock_total == 12
    assert (
        sorted(ProductImage.objects.filter(product=product).values_list("thumb_list", "thumb_detail"))
        == thumbs
    )
    assert merchant.get(url).status_code == 200


def test_image_alt_and_order_can_be_edited(merchant, shop_a):
    post_back(
        merchant,
        "/admin/catalog/product/add/",
        {"title": "马克杯", "images-0-image": SimpleUploadedFile("a.png", png())},
    )
    product = Product.objects.get(title="马克杯")
    response = post_back(
        merchant,
        f"/admin/catalog/product/{product.pk}/change/",
        {"images-0-alt": "杯身", "images-0-position": "3"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    image = product.images.get()
    assert (image.alt, image.position) == ("杯身", 3)


def test_demo_products_save_unchanged(client, db):
    call_command("load_demo", stdout=io.StringIO())
    client.force_login(get_user_model().objects.get(username="demo"))
    products = Product.objects.filter(shop__slug="demo", images__isnull=False).distinct().order_by("pk")[:3]
    assert products
    for product in products:
        before = (
            product.title,
            product.price_min_fen,
            product.stock_total,
            product.status,
            product.images.count(),
        )
        response = post_back(client, f"/admin/catalog/product/{product.pk}/change/")
        assert response.status_code == 302, response.content.decode()[:3000]
        product.refresh_from_db()
        assert (
            product.title,
            product.price_min_fen,
            product.stock_total,
            product.status,
            product.images.count(),
        ) == before
