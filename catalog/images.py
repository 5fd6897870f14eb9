"""Image rules: uploads are validated with Pillow and thumbnailed once, at upload time.

Pages and the API serve the stored thumbnails (``thumb_list`` for lists, ``thumb_detail`` for the
product page); nothing is resized on a request and nothing is ever fetched from the internet.
"""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from core.uploads import ALLOWED_FORMATS, random_name, validate_image_file

if TYPE_CHECKING:
    from catalog.models import ProductImage

# The upload rule lives in core.uploads (one rule for every upload field in the project); these
# names stay importable from here (the first migration refers to catalog.images.validate_image_file).
__all__ = ["ALLOWED_FORMATS", "generate_thumbnails", "make_demo_image", "validate_image_file"]


def _thumbnail(source: Image.Image, size: tuple[int, int]) -> bytes:
    img = ImageOps.exif_transpose(source)
    img = ImageOps.fit(img.convert("RGB"), size, method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue()


def generate_thumbnails(product_image: ProductImage) -> None:
    """Fill ``thumb_list`` and ``thumb_detail`` from ``image`` (square crops, JPEG, random names).

    ``image`` is either a fresh upload (open, not stored yet: left open and rewound for storing)
    or a stored file (opened here and closed again)."""
    field = product_image.image
    was_closed = getattr(field, "closed", True)
    if was_closed:
        field.open("rb")
    try:
        field.seek(0)
        with Image.open(field) as source:
            source.load()
            base = os.path.splitext(random_name("jpg"))[0]
            for kind, size in settings.WEISHOP_THUMB_SIZES.items():
                data = _thumbnail(source, size)
                getattr(product_image, f"thumb_{kind}").save(
                    f"{base}_{kind}.jpg", ContentFile(data), save=False
                )
    finally:
        if was_closed:
            field.close()
        else:
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
