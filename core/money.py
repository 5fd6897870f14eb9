"""Money is an integer number of fen everywhere except where a person reads or types it.

``MoneyField`` stores fen in the database and shows/accepts yuan in every Django form (admin
included), so no form, view or service ever converts by hand.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

FEN_PER_YUAN = 100
YUAN_TEXT = re.compile(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
MAX_FEN = 10**11  # ¥1,000,000,000.00: far above any real price, far below int64.


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(int(fen)) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def yuan_to_fen(yuan: Decimal | str | int) -> int:
    try:
        value = Decimal(str(yuan))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount of yuan: {yuan!r}") from exc
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("at most two decimal places (fen)")
    return int((value * FEN_PER_YUAN).to_integral_value(rounding=ROUND_HALF_UP))


def format_yuan(fen: int | None, *, symbol: bool = True) -> str:
    """5900 -> "¥59", 5950 -> "¥59.50"; whole yuan drop the decimals as Chinese shops do."""
    if fen is None:
        return ""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    text = f"{whole}" if cents == 0 else f"{whole}.{cents:02d}"
    return f"{sign}{'¥' if symbol else ''}{text}"


def format_yuan_range(low: int | None, high: int | None) -> str:
    if low is None:
        return ""
    if high is None or high == low:
        return format_yuan(low)
    return f"{format_yuan(low)}–{format_yuan(high)}"


class YuanFormField(forms.DecimalField):
    """A form field in yuan (two decimals) whose cleaned value is integer fen. Its messages are
    our own plain Chinese sentences (Django's Chinese for decimals ends in an English full stop)."""

    default_error_messages = {
        "required": _("请填写金额。"),
        "invalid": _("请输入有效的金额（元），例如 59.90。"),
        "min_value": _("金额不能为负数。"),
        "max_digits": _("金额太大：最多 %(max)s 位数字。"),
        "max_decimal_places": _("金额最多两位小数（精确到分）。"),
        "max_whole_digits": _("金额太大：整数部分最多 %(max)s 位。"),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.pop("max_value", None)
        kwargs.pop("min_value", None)
        super().__init__(min_value=Decimal("0"), **kwargs)
        self.widget.attrs.setdefault("step", "0.01")
        self.widget.attrs.setdefault("inputmode", "decimal")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return fen_to_yuan(value)
        return value

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # a DecimalField's
        # Decimal() also reads "５", "١٠", "1_0" and "1e1": only ASCII digits with a point are yuan.
        if isinstance(value, str) and value.strip() and not YUAN_TEXT.fullmatch(value.strip()):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

    def clean(self, value: Any) -> int | None:
        amount = super().clean(value)
        if amount is None:
            return None
        try:
            return yuan_to_fen(amount)
        except ValueError as exc:
            raise ValidationError(_("请输入有效的金额（元），最多两位小数。"), code="invalid") from exc

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            initial_fen = int(initial) if initial not in (None, "") else None
            data_fen = yuan_to_fen(data) if data not in (None, "") else None
        except (ValueError, TypeError):
            return True
        return initial_fen != data_fen


# Unparameterised on purpose: django-stubs then types each field int or int | None from its null=.
class MoneyField(models.BigIntegerField):  # type: ignore[type-arg]
    """Integer fen in storage; yuan in forms. Never negative."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("validators", [MinValueValidator(0)])
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs: Any) -> forms.Field | None:
        defaults: dict[str, Any] = {"form_class": YuanFormField}
        defaults.update(kwargs)
        defaults["form_class"] = YuanFormField
        return super().formfield(**defaults)
