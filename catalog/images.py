"""Image rules: uploads are validated with Pillow and thumbnailed once, at upload time.

Pages and the API serve the stored thumbnails (``thumb_list`` for lists, ``thumb_detail`` for the
product page); nothing is resized on a request and nothing is ever fetched from the internet.
"""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

if TYPE_CHECKING:
    from catalog.models import ProductImage

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def validate_image_file(file) -> None:
    """Raise ``ValidationError`` (with a message a merchant understands) unless ``file`` is a real,
    reasonably sized JPEG/PNG/WebP/GIF image."""
    max_bytes = settings.WEISHOP_IMAGE_MAX_BYTES
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("图片太大（%(size).1f MB），请上传不超过 %(max)d MB 的图片。")
            % {"size": size / 1024 / 1024, "max": max_bytes // 1024 // 1024},
            code="image_too_large",
        )
    position = file.tell() if hasattr(file, "tell") else None
    try:
        file.seek(0)
        with Image.open(file) as img:
            fmt = img.format
            width, height = img.size
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            _("文件不是有效的图片，请上传 JPG、PNG、WebP 或 GIF 图片。"), code="image_invalid"
        ) from exc
    finally:
        if position is not None:
            file.seek(position)
    if fmt not in ALLOWED_FORMATS:
        raise ValidationError(
            _("不支持 %(fmt)s 格式，请上传 JPG、PNG、WebP 或 GIF 图片。") % {"fmt": fmt}, code="image_format"
        )
    low, high = settings.WEISHOP_IMAGE_MIN_PIXELS, settings.WEISHOP_IMAGE_MAX_PIXELS
    if width < low or height < low:
        raise ValidationError(
            _("图片太小（%(w)d×%(h)d），宽和高至少 %(min)d 像素。") % {"w": width, "h": height, "min": low},
            code="image_too_small",
        )
    if width > high or height > high:
        raise ValidationError(
            _("图片尺寸太大（%(w)d×%(h)d），宽和高不能超过 %(max)d 像素。")
            % {"w": width, "h": height, "max": high},
            code="image_too_big",
        )


def _thumbnail(source: Image.Image, size: tuple[int, int]) -> bytes:
    img = ImageOps.exif_transpose(source)
    img = ImageOps.fit(img.convert("RGB"), size, method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue()


def generate_thumbnails(product_image: ProductImage) -> None:
    """Fill ``thumb_list`` and ``thumb_detail`` from ``image`` (square crops, JPEG)."""
    field = product_image.image
    field.open("rb")
    try:
        field.seek(0)
        with Image.open(field) as source:
            source.load()
            base = os.path.splitext(os.path.basename(field.name))[0] or "image"
            for kind, size in settings.WEISHOP_THUMB_SIZES.items():
                data = _thumbnail(source, size)
                getattr(product_image, f"thumb_{kind}").save(
                    f"{base}_{kind}.jpg", ContentFile(data), save=False
                )
    finally:
        field.seek(0)


def _shape(draw, kind: str, size: int, fill: tuple[int, int, int], shade: tuple[int, int, int]) -> None:
    u = size / 100  # draw on a 100×100 grid

    def poly(points):
        draw.polygon([(x * u, y * u) for x, y in points], fill=fill, outline=shade)

    if kind in {"tee", "hoodie", "shirt"}:
        poly(
            [
                (30, 22),
                (42, 18),
                (58, 18),
                (70, 22),
                (88, 36),
                (80, 46),
                (72, 40),
                (72, 84),
                (28, 84),
                (28, 40),
                (20, 46),
                (12, 36),
            ]
        )
        if kind == "hoodie":
            draw.ellipse((40 * u, 10 * u, 60 * u, 30 * u), outline=shade, width=max(2, size // 120))
        elif kind == "shirt":
            draw.line((50 * u, 20 * u, 50 * u, 84 * u), fill=shade, width=max(1, size // 200))
        else:
            draw.arc((42 * u, 12 * u, 58 * u, 26 * u), 0, 180, fill=shade, width=max(2, size // 150))
    elif kind == "pants":
        poly([(30, 14), (70, 14), (74, 88), (56, 88), (50, 40), (44, 88), (26, 88)])
    elif kind == "case":
        draw.rounded_rectangle(
            (32 * u, 12 * u, 68 * u, 88 * u), radius=8 * u, fill=fill, outline=shade, width=2
        )
        draw.rounded_rectangle((36 * u, 16 * u, 50 * u, 30 * u), radius=3 * u, fill=shade)
    elif kind == "cap":
        draw.pieslice((24 * u, 28 * u, 76 * u, 80 * u), 180, 360, fill=fill, outline=shade)
        draw.ellipse((40 * u, 50 * u, 92 * u, 62 * u), fill=shade)
    elif kind == "socks":
        poly([(36, 12), (54, 12), (54, 62), (72, 70), (70, 86), (40, 80), (36, 70)])
    elif kind == "tea":
        draw.rounded_rectangle(
            (28 * u, 36 * u, 66 * u, 80 * u), radius=6 * u, fill=fill, outline=shade, width=2
        )
        draw.arc((60 * u, 44 * u, 80 * u, 66 * u), 270, 90, fill=fill, width=max(3, size // 60))
        for x in (38, 48, 58):
            draw.arc(
                ((x - 4) * u, 18 * u, (x + 4) * u, 34 * u), 90, 270, fill=shade, width=max(1, size // 200)
            )
    else:  # a packet of food or anything else
        draw.rounded_rectangle(
            (26 * u, 16 * u, 74 * u, 86 * u), radius=5 * u, fill=fill, outline=shade, width=2
        )
        draw.rectangle((26 * u, 40 * u, 74 * u, 58 * u), fill=shade)


def make_demo_image(
    text: str, *, color: tuple[int, int, int], size: int = 800, kind: str = "packet"
) -> bytes:
    """A simple product picture drawn with Pillow, for the demo shop and tests: a soft background
    and the silhouette of the kind of product (no downloads, ever)."""
    from PIL import ImageDraw, ImageFont

    background = tuple(min(255, 215 + c // 6) for c in color)
    img = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(img)
    shade = tuple(max(0, c - 45) for c in color)
    _shape(draw, kind, size, color, shade)
    label = "".join(ch for ch in text if ch.isascii())[:24].strip()
    if label:
        try:
            font = ImageFont.load_default(size=size // 22)
        except TypeError:  # pragma: no cover - Pillow < 10.1
            font = ImageFont.load_default()
        draw.text((size // 20, size - size // 12), label, fill=shade, font=font)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85)
    return out.getvalue()
