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


def make_demo_image(text: str, *, color: tuple[int, int, int], size: int = 800) -> bytes:
    """A plain product picture drawn with Pillow, for the demo shop (no downloads, ever)."""
    from PIL import ImageDraw

    img = Image.new("RGB", (size, size), color)
    draw = ImageDraw.Draw(img)
    inset = size // 8
    lighter = tuple(min(255, c + 40) for c in color)
    draw.rounded_rectangle((inset, inset, size - inset, size - inset), radius=size // 10, fill=lighter)
    draw.ellipse(
        (size // 3, size // 3, size * 2 // 3, size * 2 // 3), fill=tuple(max(0, c - 50) for c in color)
    )
    try:
        from PIL import ImageFont

        font = ImageFont.load_default(size=size // 14)
    except (TypeError, OSError):  # pragma: no cover - very old Pillow
        font = None
    draw.text((inset + 10, size - inset - size // 10), text[:24], fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85)
    return out.getvalue()
