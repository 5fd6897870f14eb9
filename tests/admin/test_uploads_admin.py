"""Every upload a merchant makes in admin follows the one upload rule (core.uploads): images by
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
from tests.admin.form_post import post_back
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


# -- CSV uploads: read whole or refused, never cut short ------------------------------------------------


def paid_order(shop):
    from tests.factories import make_paid_order

    return make_paid_order(shop=shop, stock=5, title="发货商品")


def test_a_ship_csv_too_big_to_read_whole_is_refused_not_cut(merchant, shop_a):
    """It was read up to 2 MB and the rest dropped: a row cut in half shipped with half a tracking
    number, and the merchant was told nothing about the rows after it."""
    from orders.models import OrderStatus

    order = paid_order(shop_a)
    padding = ("\n" * (2 * 1024 * 1024 - 30)).encode()
    text = padding + f"{order.order_no},顺丰,SF1234567890123".encode()
    response = merchant.post(
        "/admin/orders/order/ship-csv/",
        {"file": SimpleUploadedFile("ship.csv", text, content_type="text/csv")},
    )
    assert response.status_code == 200
    assert "文件太大" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_a_ship_csv_with_too_many_rows_is_refused_before_shipping_any(merchant, shop_a):
    from orders.models import OrderStatus
    from orders.shipping import CSV_MAX_ROWS

    order = paid_order(shop_a)
    rows = [f"{order.order_no},顺丰,SF100001"] + [f"{90000000 + i},顺丰,SF{i}" for i in range(CSV_MAX_ROWS)]
    response = merchant.post(
        "/admin/orders/order/ship-csv/",
        {"file": SimpleUploadedFile("ship.csv", "\n".join(rows).encode(), content_type="text/csv")},
    )
    assert response.status_code == 200
    assert "行" in errors_text(response) and str(CSV_MAX_ROWS) in errors_text(response)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xef\xbb\xbf" + b"x" * (10 * 1024 * 1024 + 10), "文件太大"),  # was cut at 10 MB
        ('交易时间,商户订单号,交易状态\n"'.encode() + b"x" * 200_000 + b'"\n', "不是有效的 CSV"),  # was a 500
    ],
    ids=["too-big", "huge-field"],
)
def test_a_bill_that_cannot_be_read_whole_is_a_form_error(merchant, shop_a, content, message):
    from devtools.wechatpay_sim import keys as simulator
    from payments.models import WeChatPayConfig
    from payments.wechat import crypto

    WeChatPayConfig.objects.filter(shop=shop_a).delete()  # the factory's simulator account

    WeChatPayConfig.objects.create(
        shop=shop_a, mchid="1900000109", appid="wx8888888888888888", merchant_serial_no="S1",
        merchant_private_key=crypto.private_pem(crypto.new_private_key()), apiv3_key=crypto.new_apiv3_key(),
        **simulator.platform_settings(),
    )  # fmt: skip
    response = merchant.post(
        "/admin/payments/paymentattempt/bill/",
        {"file": SimpleUploadedFile("bill.csv", content, content_type="text/csv")},
    )
    assert response.status_code == 200
    assert message in errors_text(response)
    assert response.context["report"] is None


def test_a_ship_csv_with_a_huge_field_is_a_form_error_not_a_500(merchant, shop_a):
    content = b'"' + b"x" * 200_000 + b'",sf,SF1\n'
    response = merchant.post(
        "/admin/orders/order/ship-csv/",
        {"file": SimpleUploadedFile("ship.csv", content, content_type="text/csv")},
    )
    assert response.status_code == 200
    assert "不是有效的 CSV" in errors_text(response)


def errors_text(response) -> str:
    form = response.context["form"]
    return " ".join(str(e) for field_errors in form.errors.values() for e in field_errors)
