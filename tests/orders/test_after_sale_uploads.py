"""After-sale photos are images and nothing else (issue 9: a PNG with HTML appended, uploaded as
``x.html``, was stored under the shopper's own name and served from /media/ as text/html)."""

import io
import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from orders import services
from orders.models import AfterSale, AfterSalePhoto
from tests.factories import AddressFactory, ShopperFactory, make_product

PAYLOAD = b"<html><body><script>fetch('/admin/').then(r=>r.text()).then(alert)</script></body></html>"


def png(width: int = 400, height: int = 300) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (400, 300), (200, 60, 60))
    exif = Image.Exif()
    exif[0x010F] = "SneakyCam"  # Make
    exif[0x8825] = {2: (31.0, 14.0, 0.0), 4: (121.0, 28.0, 0.0)}  # GPSInfo: the shopper's home
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def shopper(db):
    return ShopperFactory(username="buyer")


@pytest.fixture
def paid_order(shop_a, shopper):
    address = AddressFactory(user=shopper)
    sku = make_product(shop=shop_a, price_fen=5000, stock=5).skus.get()
    order = services.order_place(shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=address.pk)
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    order.refresh_from_db()
    return order


def ask(client, order, *photos):
    return client.post(
        f"/s/shop-a/orders/{order.order_no}/after-sale/",
        {"kind": "refund_only", "amount_fen": "10", "reason": "破损", "photos": list(photos)},
    )


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("x.html", "text/html"), ("x.svg", "image/svg+xml"), ("x.png.html", "text/html")],
)
def test_a_polyglot_with_a_web_extension_is_refused(client, shopper, paid_order, name, content_type):
    client.force_login(shopper)
    response = ask(client, paid_order, SimpleUploadedFile(name, png() + PAYLOAD, content_type=content_type))
    assert response.status_code == 200  # the form comes back
    assert "JPG、PNG、WebP 或 GIF" in response.content.decode()
    assert not AfterSale.objects.exists() and not AfterSalePhoto.objects.exists()


def test_svg_content_is_refused_whatever_its_name(client, shopper, paid_order):
    client.force_login(shopper)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><script>alert(1)</script></svg>'
    response = ask(client, paid_order, SimpleUploadedFile("photo.png", svg, content_type="image/png"))
    assert response.status_code == 200
    assert not AfterSalePhoto.objects.exists()


def test_a_real_photo_is_re_encoded_under_a_random_name_and_served_as_an_image(client, shopper, paid_order):
    client.force_login(shopper)
    response = ask(
        client, paid_order, SimpleUploadedFile("我的照片.png", png() + PAYLOAD, content_type="image/png")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    photo = AfterSalePhoto.objects.get()
    name = os.path.basename(photo.image.name)
    assert name.endswith(".png") and "我的照片" not in name and len(name) >= 32
    with open(os.path.join(settings.MEDIA_ROOT, photo.image.name), "rb") as stored:
        data = stored.read()
    assert b"<script" not in data and b"<html" not in data  # the trailing payload is gone
    with Image.open(io.BytesIO(data)) as img:
        assert (img.format, img.size) == ("PNG", (400, 300))

    served = client.get(photo.image.url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == data


def test_photo_metadata_is_stripped(client, shopper, paid_order):
    client.force_login(shopper)
    response = ask(
        client, paid_order, SimpleUploadedFile("IMG_0001.JPG", jpeg_with_gps(), content_type="image/jpeg")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    photo = AfterSalePhoto.objects.get()
    assert photo.image.name.endswith(".jpg")
    with Image.open(os.path.join(settings.MEDIA_ROOT, photo.image.name)) as img:
        assert img.format == "JPEG"
        assert not img.getexif()  # no camera, no GPS


def test_the_service_refuses_a_web_extension_too(shopper, paid_order):
    from core.errors import ApplicationError

    with pytest.raises(ApplicationError) as err:
        services.after_sale_request(
            order=paid_order, user=shopper, kind="refund_only", reason="破损", amount_fen=10,
            photos=[SimpleUploadedFile("x.html", png() + PAYLOAD)],
        )  # fmt: skip
    assert err.value.code == "photo_invalid"
    assert not AfterSalePhoto.objects.exists()
