"""Bring images stored before the upload rule (core/uploads.py) under it: every ImageUploadField
file whose name is not one the rule gives (32 hex digits and the extension of its real format) is
decoded, encoded again and stored under a random name; the row is updated and the old file removed.
Files that are not images (an ``x.html`` after-sale "photo") are listed, never served (serve_media
and the nginx rules refuse them), and left for the operator. Running it twice changes nothing."""

from __future__ import annotations

import os
import re

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db.models.fields.files import ImageFieldFile

from core.uploads import ImageUploadField, random_name, reencode_image

RULE_NAME = re.compile(r"[0-9a-f]{32}\.(?:jpg|png|webp|gif)")


class Command(BaseCommand):
    help = "Re-encode and rename user images stored before the upload rule (docs/deployment.md)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only list what would change")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        fixed = refused = 0
        for model in apps.get_models():
            for field in model._meta.get_fields():
                if not isinstance(field, ImageUploadField):
                    continue
                rows = model._default_manager.exclude(**{field.attname: ""}).exclude(**{field.attname: None})
                for obj in rows.order_by("pk").iterator():
                    stored = getattr(obj, field.attname)
                    if RULE_NAME.fullmatch(os.path.basename(stored.name)):
                        continue
                    label = f"{model._meta.label}#{obj.pk} {stored.name}"
                    try:
                        with stored.storage.open(stored.name, "rb") as handle:
                            # The old name's extension is not trusted either way: the content decides.
                            data, extension = reencode_image(handle, name="stored.png")
                    except (ValidationError, OSError) as exc:
                        refused += 1
                        reason = " ".join(getattr(exc, "messages", [str(exc)]))
                        self.stdout.write(
                            self.style.WARNING(
                                f"不是有效图片，未处理 (not an image, left alone): {label}: {reason}"
                            )
                        )
                        continue
                    fixed += 1
                    if dry_run:
                        self.stdout.write(f"将重新编码 (would re-encode): {label}")
                        continue
                    old_name = stored.name
                    name = random_name(extension)
                    # The parent class's save: the bytes are re-encoded already.
                    ImageFieldFile.save(stored, name, ContentFile(data, name=name), save=False)
                    changes = {field.attname: stored.name}
                    if field.width_field:
                        changes[field.width_field] = stored.width
                    if field.height_field:
                        changes[field.height_field] = stored.height
                    model._default_manager.filter(pk=obj.pk).update(**changes)
                    stored.storage.delete(old_name)
                    self.stdout.write(f"已重新编码 (re-encoded): {label} -> {stored.name}")
        self.stdout.write(
            self.style.SUCCESS(
                f"完成 (done): {fixed} 个已处理 (re-encoded), {refused} 个不是图片 (not images)"
            )
        )
