"""Every upload a merchant makes in admin follows the one upload rule (shop.uploads): images by
content and extension, re-encoded, stored under a random name; and saving again never reopens a
stored file (issue 9)."""

import io
import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import ProductImage
from shop.models import Shop
from tests.admin.browser_form import post_back
from tests.factories import make_product

PAYLOAD = b"<html><script>alert(document.cookie)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><script>alert(1)</script></svg>'


def png(size=(600, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 160, 90)).save(out, format="PNG")
    return out.getvalue()


def stored_bytes(field) -> bytes:
    with open(os.path.join(settings.MEDIA_ROOT, field.name), "rb") as f:
        return f.read()


def errors(response) -> str:
    """The form's error messages as the merchant reads them (not the help texts)."""
    assert response.status_code == 200  # the form comes back
    return " ".join(str(message) for error_list in response.context["errors"] for message in error_list)


@pytest.fixture
def merchant(client, merchant_a):
    client.force_login(merchant_a)
    return client


@pytest.mark.parametrize(("name", "content"), [("x.html", png() + PAYLOAD), ("x.svg", SVG), ("x.png", SVG)])
def test_product_image_must_be_an_image_by_name_and_content(merchant, shop_a, name, content):
    product = make_product(shop=shop_a)
    response = post_back(
        merchant,
        f"/admin/catalog/product/{product.pk}/change/",
        {"images-0-image": SimpleUploadedFile(name, content)},
    )
    assert "有效图片" in errors(response) or "JPG、PNG、WebP 或 GIF" in errors(response)
    assert not ProductImage.objects.exists()


def test_product_image_is_re_encoded_and_renamed(merchant, shop_a):
    product = make_product(shop=shop_a)
    response = post_back(
        merchant,
        f"/admin/catalog/product/{product.pk}/change/",
        {"images-0-image": SimpleUploadedFile("<b>front</b>.png", png() + PAYLOAD)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    image = ProductImage.objects.get()
    for field in (image.image, image.thumb_list, image.thumb_detail):
        assert "front" not in field.name
        assert PAYLOAD not in stored_bytes(field)
    assert image.image.name.endswith(".png") and (image.width, image.height) == (600, 600)
    served = merchant.get(image.image.url)
    assert served["Content-Type"] == "image/png" and served["X-Content-Type-Options"] == "nosniff"


def test_image_file_input_only_offers_images(merchant, shop_a):
    product = make_product(shop=shop_a)
    page = merchant.get(f"/admin/catalog/product/{product.pk}/change/").content.decode()
    assert 'accept="image/gif,image/jpeg,image/png,image/webp"' in page


def test_shop_logo_follows_the_rule_and_saving_again_works(merchant, shop_a):
    url = f"/admin/shop/shop/{shop_a.pk}/change/"
    response = post_back(merchant, url, {"logo": SimpleUploadedFile("logo.svg", SVG)})
    assert "JPG、PNG、WebP 或 GIF" in errors(response)
    response = post_back(merchant, url, {"logo": SimpleUploadedFile("logo.png", SVG)})
    assert "文件不是有效的图片" in errors(response)
    response = post_back(merchant, url, {"logo": SimpleUploadedFile("logo.html", png((200, 200)) + PAYLOAD)})
    assert "文件名须以" in errors(response)
    shop_a.refresh_from_db()
    assert not shop_a.logo

    response = post_back(merchant, url, {"logo": SimpleUploadedFile("我的店.png", png((200, 200)) + PAYLOAD)})
    assert response.status_code == 302, response.content.decode()[:2000]
    shop_a.refresh_from_db()
    name = shop_a.logo.name
    assert name.startswith("shops/logo/") and name.endswith(".png") and "我的店" not in name
    assert PAYLOAD not in stored_bytes(shop_a.logo)
    for _ in range(2):  # saved again unchanged: the stored logo is kept, never reopened
        assert post_back(merchant, url, {"intro": "欢迎"}).status_code == 302
    assert Shop.objects.get(pk=shop_a.pk).logo.name == name
