"""A review photo's copies, made once when it is stored: a square list thumbnail and a copy that
fits a phone screen. Pages and the API serve these, never the upload itself (which may be up to
6000 px and 5 MB); the upload was checked by the project's rule (core.uploads) first."""

from __future__ import annotations

import io
import os
from typing import IO

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from core.uploads import random_name

THUMB_SIZE = (240, 240)
LARGE_SIDE = 1080


def _jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, format="JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue()


def review_photo_copies(upload: IO[bytes]) -> tuple[ContentFile[bytes], ContentFile[bytes]]:
    """The thumbnail and the large copy of ``upload`` (already validated), as named JPEG files;
    the upload is rewound for storing."""
    upload.seek(0)
    with Image.open(upload) as source:
        source.load()
        img = ImageOps.exif_transpose(source)
        thumb = ImageOps.fit(img.convert("RGB"), THUMB_SIZE, method=Image.Resampling.LANCZOS)
        large = img.convert("RGB")
        large.thumbnail((LARGE_SIDE, LARGE_SIDE), Image.Resampling.LANCZOS)
    upload.seek(0)
    base = os.path.splitext(random_name("jpg"))[0]
    return (
        ContentFile(_jpeg(thumb), name=f"{base}_t.jpg"),
        ContentFile(_jpeg(large), name=f"{base}_l.jpg"),
    )
