"""Serializer fields shared by every API app."""

from __future__ import annotations

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
