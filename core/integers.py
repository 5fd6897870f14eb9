"""Whole numbers from outside: one strict rule for ids, quantities and page numbers.

Python's ``int()`` reads far more than a shopper types: ``int("５")``, ``int("٣")``, ``int("1_0")``,
``int(" 2 ")`` and ``int(1.0)`` all succeed, and ``True`` is an ``int``. A number is only ever:

- in the API (JSON): a JSON integer, nothing else (``core.api.fields.StrictIntegerField``);
- in an H5 form or query string: ASCII digits and nothing else (``parse_int``), at most 18 of them
  (every value fits a 64-bit column).

Anything else is refused with a Chinese message and a stable ``invalid`` code, never read as a
number and never silently replaced by a default (another address, another quantity).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.errors import ApplicationError

ASCII_INT = re.compile(r"[0-9]{1,18}")
SIGNED_ASCII_INT = re.compile(r"-?[0-9]{1,18}")


def is_int(value: Any) -> bool:
    """A real ``int`` (``True`` and ``1.0`` are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def parse_int(
    raw: str | None,
    *,
    field: str,
    label: str,
    default: int | None = None,
    min_value: int = 1,
    max_value: int | None = None,
) -> int:
    """``raw`` (a form or query-string value) as an int, or ``ApplicationError("invalid")`` naming
    ``field``. An absent or empty value gives ``default`` when there is one."""
    if raw is None or raw == "":
        if default is not None:
            return default
        message = _("请填写%(label)s。") % {"label": label}
    elif ASCII_INT.fullmatch(raw) and int(raw) >= min_value and (max_value is None or int(raw) <= max_value):
        return int(raw)
    elif max_value is not None:
        message = _("%(label)s必须是 %(min)d 到 %(max)d 之间的整数。") % {
            "label": label, "min": min_value, "max": max_value,
        }  # fmt: skip
    else:
        message = _("%(label)s必须是不小于 %(min)d 的整数。") % {"label": label, "min": min_value}
    raise ApplicationError("invalid", message, fields={field: [message]})


class AsciiIntegerFormField(forms.IntegerField):
    """Django's ``forms.IntegerField`` for a merchant's form, reading only ASCII digits (with an
    optional minus): "５", "1_0" and "1e3" are "请输入整数。", not 5, 10 and 1000. The admin uses it
    for every integer column (shop.admin_base.ShopScopedMixin)."""

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = value.strip()
            if value and not SIGNED_ASCII_INT.fullmatch(value):
                raise ValidationError(_("请输入整数（只用数字 0–9）。"), code="invalid")
        result: int | None = super().to_python(value)
        return result
