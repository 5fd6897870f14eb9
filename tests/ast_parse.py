"""``ast.parse`` for the tests that read our source (translation marks, status-stamp owners).

CPython 3.11.7 keeps the AST validator's recursion depth in shared state (python/cpython#106905,
fixed in 3.11.8/3.12.1): when another thread builds an AST at the same moment — a live server still
formatting a traceback — a parse can fail with ``SystemError: AST constructor recursion depth
mismatch``. The source is fine; the second parse succeeds."""

from __future__ import annotations

import ast


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    try:
        return ast.parse(source, filename=filename)
    except SystemError:
        return ast.parse(source, filename=filename)
