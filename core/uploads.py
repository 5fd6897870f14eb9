"""The one rule for files shoppers and merchants upload: images only, re-encoded, renamed.

Every upload field in the project is an :class:`ImageUploadField` (product images, after-sale
photos, shop logos). An upload must be a JPEG, PNG, WebP or GIF both by its file name's extension
and by its content (Pillow opens and verifies it), within the size and pixel limits
(``WEISHOP_IMAGE_*``). Before it is stored it is decoded and encoded again, which drops anything
appended to the picture (an HTML or script payload) and its metadata (EXIF: camera, GPS position),
and it is stored under a random name whose extension is the one of its real format.

Serving follows the same rule (:func:`serve_media`): only those four types, with their own
Content-Type, ``X-Content-Type-Options: nosniff`` and a sandboxing Content-Security-Policy;
anything else under /media/ is a 404. docs/deployment.md says what nginx must do likewise.
"""

from __future__ import annotations

import io
import os
import secrets
from pathlib import Path
from typing import IO, Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import models
from django.db.models.fields.files import FieldFile, ImageFieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views import static
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow format -> (extension we store, Content-Type we serve).
IMAGE_FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}
ALLOWED_FORMATS = set(IMAGE_FORMATS)
# File name extension -> Content-Type, for uploads and for serving.
IMAGE_EXTENSIONS: dict[str, str] = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
}
ACCEPT = ",".join(sorted(set(IMAGE_EXTENSIONS.values())))  # for <input type=file accept=...>
MAX_FRAMES = 200  # an animated GIF/WebP longer than this is refused (each frame is decoded)
MAX_ANIMATION_PIXELS = 60_000_000  # frames × width × height: re-encoding decodes every frame

# What a media response may do once a browser has it: nothing (no scripts, no plugins, no forms).
MEDIA_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def _is_stored(file: Any) -> bool:
    """A file already in storage (an unchanged image on a form saved again) passed this rule when
    it was uploaded; it is not opened and checked again on every save."""
    return isinstance(file, FieldFile) and bool(getattr(file, "_committed", False))


def _open_for_reading(file: Any) -> None:
    if getattr(file, "closed", False):
        file.open("rb")
    file.seek(0)


def validate_image_file(file: Any, *, name: str | None = None) -> None:
    """Raise ``ValidationError`` (with a message a shopper or merchant understands) unless ``file``
    is a real, reasonably sized JPEG/PNG/WebP/GIF image with one of those extensions (of ``name``,
    by default the file's own name)."""
    if _is_stored(file):
        return
    name = os.path.basename(name or getattr(file, "name", "") or "")
    extension = os.path.splitext(name)[1].lower()
    if extension not in IMAGE_EXTENSIONS:
        raise ValidationError(
            _("只能上传 JPG、PNG、WebP 或 GIF 图片（文件名须以 .jpg、.jpeg、.png、.webp 或 .gif 结尾）。"),
            code="image_extension",
        )
    max_bytes = settings.WEISHOP_IMAGE_MAX_BYTES
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("图片太大（%(size).1f MB），请上传不超过 %(max)d MB 的图片。")
            % {"size": size / 1024 / 1024, "max": max_bytes // 1024 // 1024},
            code="image_too_large",
        )
    try:
        _open_for_reading(file)
        with Image.open(file) as img:
            fmt = img.format
            width, height = img.size
            frames = getattr(img, "n_frames", 1)
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            _("文件不是有效的图片，请上传 JPG、PNG、WebP 或 GIF 图片。"), code="image_invalid"
        ) from exc
    finally:
        if not getattr(file, "closed", False):
            file.seek(0)
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
    if frames > MAX_FRAMES or (frames > 1 and frames * width * height > MAX_ANIMATION_PIXELS):
        raise ValidationError(
            _("动图太大（%(n)d 帧，%(w)d×%(h)d），请减少帧数或尺寸。")
            % {"n": frames, "w": width, "h": height},
            code="image_too_many_frames",
        )


def reencode_image(file: IO[bytes], *, name: str | None = None) -> tuple[bytes, str]:
    """Validate ``file`` and encode its pixels again in the same format: returns the new bytes and
    the extension to store them under. Nothing but the picture survives (no trailing bytes, no
    EXIF, no comments); JPEG orientation is applied to the pixels, the colour profile kept."""
    validate_image_file(file, name=name)
    _open_for_reading(file)
    out = io.BytesIO()
    with Image.open(file) as source:
        fmt = source.format or ""  # validate_image_file accepted it: one of IMAGE_FORMATS
        icc_profile = source.info.get("icc_profile")
        animated = getattr(source, "n_frames", 1) > 1 and fmt in {"GIF", "WEBP", "PNG"}
        params: dict[str, Any] = {}
        if icc_profile and fmt != "GIF":
            params["icc_profile"] = icc_profile
        if animated:
            params.update(save_all=True, loop=source.info.get("loop", 0))
            if "duration" in source.info:
                params["duration"] = source.info["duration"]
            if fmt == "GIF" and "transparency" in source.info:
                params["transparency"] = source.info["transparency"]
            source.info = {}
            img: Image.Image = source
        else:
            source.load()
            img = ImageOps.exif_transpose(source)
            img.info = {"transparency": source.info["transparency"]} if "transparency" in source.info else {}
        if fmt == "JPEG":
            if img.mode not in {"RGB", "L", "CMYK"}:
                img = img.convert("RGB")
            img.save(out, format="JPEG", quality=90, optimize=True, **params)
        elif fmt == "WEBP":
            if not animated and img.mode not in {"RGB", "RGBA"}:
                img = img.convert("RGBA")
            img.save(out, format="WEBP", quality=90, **params)
        elif fmt == "PNG":
            img.save(out, format="PNG", optimize=not animated, **params)
        else:  # GIF
            img.save(out, format="GIF", **params)
    if not getattr(file, "closed", False):
        file.seek(0)
    return out.getvalue(), IMAGE_FORMATS[fmt][0]


def random_name(extension: str) -> str:
    return f"{secrets.token_hex(16)}.{extension}"


class ImageUploadFieldFile(ImageFieldFile):
    def save(self, name: str, content: File[Any], save: bool = True) -> None:
        """Every way of storing a file through the field (a form, ``Model.objects.create(image=...)``,
        ``instance.image.save(...)``) is re-encoded and renamed here."""
        data, extension = reencode_image(content, name=name)
        name = random_name(extension)
        # Named: ImageFieldFile reads the new width and height from this content object.
        super().save(name, ContentFile(data, name=name), save)


class ImageUploadFormField(forms.FileField):
    """The form side of the rule: one clear message per problem (Django's own ImageField lists the
    fifty extensions Pillow can read), and a file picker that offers only the four types."""

    def to_python(self, data: Any) -> Any:
        upload = super().to_python(data)
        if upload is not None:
            validate_image_file(upload)
        return upload

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput) and "accept" not in widget.attrs:
            attrs["accept"] = ACCEPT
        return attrs


class ImageUploadField(models.ImageField):
    """An image a shopper or merchant uploads (see the module docstring)."""

    attr_class = ImageUploadFieldFile
    default_validators = [validate_image_file]

    def formfield(self, **kwargs: Any) -> forms.Field | None:
        return super().formfield(**{"form_class": ImageUploadFormField, **kwargs})


def serve_media(request: HttpRequest, path: str) -> HttpResponse | FileResponse:
    """The development (and small-deployment) media route: django.views.static.serve for the four
    image types only, with their Content-Type, nosniff and a sandboxing CSP; anything else is 404."""
    content_type = IMAGE_EXTENSIONS.get(Path(path).suffix.lower())
    if content_type is None:
        raise Http404
    response = static.serve(request, path, document_root=str(settings.MEDIA_ROOT))
    if response.status_code == 200:
        response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    response["Content-Disposition"] = "inline"
    return response
