from decimal import Decimal

import pytest

from core.money import YuanFormField, format_yuan, format_yuan_range, yuan_to_fen


@pytest.mark.parametrize(
    ("fen", "text"), [(5900, "¥59"), (5950, "¥59.50"), (5, "¥0.05"), (0, "¥0"), (-120, "-¥1.20")]
)
def test_format_yuan(fen, text):
    assert format_yuan(fen) == text


def test_price_range():
    assert format_yuan_range(5900, 7900) == "¥59–¥79"
    assert format_yuan_range(5900, 5900) == "¥59"


@pytest.mark.parametrize(("typed", "fen"), [("59.90", 5990), ("59", 5900), ("0.01", 1), ("1234.5", 123450)])
def test_yuan_typed_by_a_merchant_is_stored_as_fen(typed, fen):
    assert YuanFormField().clean(typed) == fen


@pytest.mark.parametrize("typed", ["-1", "1.234", "abc"])
def test_bad_amounts_are_form_errors(typed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        YuanFormField().clean(typed)


def test_yuan_to_fen_refuses_fractions_of_a_fen():
    with pytest.raises(ValueError):
        yuan_to_fen(Decimal("0.001"))


def test_form_shows_fen_as_yuan():
    assert YuanFormField().prepare_value(5990) == Decimal("59.90")
