"""Serializer fields shared by every API app."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.integers import is_int


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer and nothing else: DRF's ``IntegerField`` also takes ``"５"``, ``"٣"``,
    ``"1_0"``, ``" 2 "``, ``"2"`` and ``1.0`` (through ``int()``); this one refuses them (400
    ``invalid`` with the field named), and ``true``/``false`` too. The schema still says integer.
    Use it for every id, quantity and amount a client sends."""

    default_error_messages = {"invalid": _("必须是整数（JSON 数字，不加引号、没有小数点）。")}

    def to_internal_value(self, data: Any) -> int:
        if not is_int(data):
            self.fail("invalid")
        return int(data)


class StrictBooleanField(serializers.BooleanField):
    """JSON ``true`` or ``false`` and nothing else (DRF's ``BooleanField`` also reads ``"yes"``,
    ``"on"``, ``1`` and ``"0"``): anything else is 400 ``invalid`` with the field named."""

    default_error_messages = {"invalid": _("必须是 true 或 false（JSON 布尔值，不加引号）。")}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class FormIntegerField(serializers.IntegerField):
    """An integer: a JSON number in a JSON body, ASCII digits in a form body (multipart, where
    every value is text). Nothing else (``"５"``, ``1.0``, ``true``): 400 ``invalid``."""

    default_error_messages = {"invalid": _("必须是整数。")}

    def to_internal_value(self, data: Any) -> int:
        request = self.context.get("request")
        form = request is not None and not str(request.content_type).startswith("application/json")
        digits = form and isinstance(data, str) and re.fullmatch(r"[0-9]{1,18}", data) is not None
        if not (is_int(data) or digits):
            self.fail("invalid")
        value = int(data)
        self.run_validators(value)
        return value


def photo_ids_field(*, most: int) -> serializers.ListField:
    """``photo_ids``: the ids of the shopper's own photo uploads (``POST …/uploads/photos/``) that a
    form takes over, with or instead of multipart ``photos``; both together count against ``most``."""
    return serializers.ListField(
        child=FormIntegerField(min_value=1), required=False, default=list, max_length=most,
        help_text=f"Ids from `POST /shops/{{shop_slug}}/uploads/photos/` (yours, unused, not expired), in the "
        f"order to show; with `photos`, at most {most} in all. Another shopper's, used or expired id: "
        "`photo_upload_invalid`.",
    )  # fmt: skip
