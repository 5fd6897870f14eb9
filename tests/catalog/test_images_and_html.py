import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.images import make_demo_image, validate_image_file
from catalog.models import Product, ProductImage
from catalog.sanitize import sanitize_description
from tests.factories import add_image, make_product


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 20, 30)).save(out, format="PNG")
    return out.getvalue()


def test_real_image_passes():
    validate_image_file(SimpleUploadedFile("a.png", png(400, 300)))


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"this is not an image at all", "image_invalid"),
        (png(50, 50), "image_too_small"),
        (png(7000, 120), "image_too_big"),
    ],
)
def test_bad_uploads_get_a_clear_error(content, code):
    with pytest.raises(ValidationError) as err:
        validate_image_file(SimpleUploadedFile("x.jpg", content))
    assert err.value.code == code
    assert err.value.messages[0]  # a sentence a merchant can read


def test_oversized_file_is_rejected(settings):
    settings.WEISHOP_IMAGE_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as err:
        validate_image_file(SimpleUploadedFile("big.png", png(400, 400) + b"\0" * 2000))
    assert err.value.code == "image_too_large"


def test_unsupported_format_is_rejected():
    out = io.BytesIO()
    Image.new("RGB", (200, 200)).save(out, format="BMP")
    with pytest.raises(ValidationError) as err:
        validate_image_file(SimpleUploadedFile("x.png", out.getvalue()))  # a BMP named .png
    assert err.value.code == "image_format"


def test_thumbnails_are_made_once_at_upload(shop_a):
    product = make_product(shop=shop_a)
    image = add_image(product)
    with Image.open(image.thumb_list) as thumb:
        assert thumb.size == (360, 360)
    with Image.open(image.thumb_detail) as thumb:
        assert thumb.size == (750, 750)
    names = (image.thumb_list.name, image.thumb_detail.name)
    image.alt = "正面"
    image.save()
    assert (image.thumb_list.name, image.thumb_detail.name) == names  # not regenerated


def test_demo_image_is_a_real_jpeg():
    with Image.open(io.BytesIO(make_demo_image("demo", color=(1, 2, 3)))) as img:
        assert img.format == "JPEG"


@pytest.mark.parametrize(
    "evil",
    [
        "<script>alert(1)</script>",
        '<img src="x.png" onerror="alert(1)">',
        '<a href="javascript:alert(1)">点我</a>',
        '<p style="background:url(javascript:alert(1))" onclick="x()">hi</p>',
        "<iframe src='https://evil.example'></iframe>",
        "<svg><script>alert(1)</script></svg>",
    ],
)
def test_descriptions_lose_anything_executable(shop_a, evil):
    product = Product.objects.create(shop=shop_a, title="t", description=f"<p><strong>好</strong></p>{evil}")
    product.refresh_from_db()
    html = product.description.lower()
    for needle in ("<script", "onerror", "onclick", "javascript:", "<iframe", "style="):
        assert needle not in html
    assert "<strong>好</strong>" in product.description


def test_descriptions_keep_simple_formatting():
    html = '<h3>尺码</h3><ul><li>S</li></ul><img src="/media/a.jpg" alt="a"><a href="https://x.cn/">x</a>'
    cleaned = sanitize_description(html)
    assert "<h3>尺码</h3>" in cleaned and "<li>S</li>" in cleaned and 'src="/media/a.jpg"' in cleaned
    assert 'rel="noopener noreferrer nofollow"' in cleaned


@pytest.mark.parametrize("name", ["x.html", "x.svg", "x.png.html", "x.bmp", "x", "x.php"])
def test_a_real_image_with_a_web_extension_is_rejected(name):
    with pytest.raises(ValidationError) as err:
        validate_image_file(SimpleUploadedFile(name, png(400, 300) + b"<script>alert(1)</script>"))
    assert err.value.code == "image_extension"


@pytest.mark.parametrize("name", ["a.jpg", "a.JPEG", "a.png", "a.webp", "a.gif"])
def test_the_four_image_extensions_pass(name):
    validate_image_file(SimpleUploadedFile(name, png(400, 300)))


def test_a_closed_upload_is_reopened_not_an_error(shop_a):
    """The class of the admin 500 (``I/O operation on closed file``): the rule never reads a file
    that something else closed; a stored image is not re-read on every save either."""
    image = add_image(make_product(shop=shop_a))
    stored = ProductImage.objects.get(pk=image.pk).image
    stored.open("rb")
    stored.close()
    validate_image_file(stored)  # stored: passed the rule at upload, not reopened
    image.full_clean()
    image.save()


def test_stored_images_are_re_encoded_whatever_path_stores_them(shop_a):
    product = make_product(shop=shop_a)
    from django.core.files.base import ContentFile

    image = ProductImage.objects.create(
        product=product,
        shop=shop_a,
        image=ContentFile(png(400, 300) + b"<script>x</script>", name="evil.png"),
    )
    assert "evil" not in image.image.name and image.image.name.endswith(".png")
    with image.image.open("rb") as f:
        assert b"<script" not in f.read()
    with pytest.raises(ValidationError):
        ProductImage.objects.create(
            product=product, shop=shop_a, image=ContentFile(png(400, 300), name="evil.html")
        )


def test_animated_gif_keeps_its_frames():
    from core.uploads import reencode_image

    frames = [Image.new("RGB", (200, 200), (i * 60, 200 - i * 40, 30)) for i in range(4)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=120, loop=0,
                   comment=b"<script>alert(1)</script>")  # fmt: skip
    data, extension = reencode_image(SimpleUploadedFile("a.gif", out.getvalue()))
    assert extension == "gif" and b"<script" not in data
    with Image.open(io.BytesIO(data)) as img:
        assert img.n_frames == 4


def test_a_huge_animation_is_refused_before_it_is_decoded():
    frames = [Image.new("RGB", (3000, 3000), (i, 0, 0)) for i in range(8)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(ValidationError) as err:
        validate_image_file(SimpleUploadedFile("a.gif", out.getvalue()))
    assert err.value.code == "image_too_many_frames"


def test_every_upload_field_in_the_project_follows_the_upload_rule():
    """A new FileField/ImageField a shopper or merchant can fill must be an ImageUploadField (fields
    the code fills itself, like thumbnails, are not editable)."""
    from django.apps import apps
    from django.db.models import FileField

    from core.uploads import ImageUploadField

    editable = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, FileField) and field.editable and not isinstance(field, ImageUploadField)
    ]
    assert editable == []
    assert {
        f"{m._meta.label}.{f.name}"
        for m in apps.get_models()
        for f in m._meta.get_fields()
        if isinstance(f, ImageUploadField)
    } >= {"catalog.ProductImage.image", "orders.AfterSalePhoto.image", "shop.Shop.logo"}
