"""Everything a shopper or merchant reads is marked for translation: a Chinese string literal in the
project's Python must sit inside a gettext call (``_``, ``gettext_lazy``, ``ngettext`` …).

Exempt: docstrings, comments (not in the AST), migrations, tests, bench, management commands (the
operator's terminal, in both languages), the demo loader's content (product names and spec values
are merchant data, not interface text), the simulators (they play WeChat, whose pages are not ours
to translate), English API documentation that quotes a Chinese example (``help_text=``,
``description=``), and a line marked ``# i18n: data``: Chinese that is data, not interface text
(WeChat's bill column names, region names, patterns that read what shoppers type)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.ast_parse import parse

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u3400-\u9fff]")
GETTEXT = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "gettext_noop",
}
APPS = ("core", "config", "accounts", "catalog", "orders", "payments", "shop", "wechat")
EXEMPT = ("config/demo.py", "/management/commands/", "simulator", "devtools/")
DOC_KEYWORDS = {"help_text", "description", "summary"}
DATA_MARK = "# i18n: data"


def _marked(tree: ast.AST) -> set[int]:
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in GETTEXT:
                inside.update(id(child) for child in ast.walk(node))
    return inside


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            found.add(id(body[0].value))
    return found


def _documentation(tree: ast.AST) -> set[int]:
    """English developer documentation in the API schema that quotes a Chinese example."""
    found: set[int] = set()
    for node in ast.walk(tree):
        documented = None
        if (isinstance(node, ast.keyword) and node.arg in DOC_KEYWORDS) or (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id.endswith("_HELP") for t in node.targets)
        ):
            documented = node.value
        if documented is not None:
            for child in ast.walk(documented):
                text = child.value if isinstance(child, ast.Constant) and isinstance(child.value, str) else ""
                if text and len(CJK.findall(text)) * 3 < len(text):
                    found.add(id(child))
    return found


def unmarked_strings() -> list[str]:
    problems = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or any(part in relative for part in EXEMPT):
                continue
            source = path.read_text(encoding="utf-8")
            lines = source.splitlines()
            tree = parse(source, relative)
            allowed = _marked(tree) | _docstrings(tree) | _documentation(tree)
            problems.extend(
                f"{relative}:{node.lineno}: {node.value[:50]!r}"
                for node in ast.walk(tree)
                if isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and CJK.search(node.value)
                and id(node) not in allowed
                and not any(DATA_MARK in lines[n - 1] for n in {node.lineno, node.end_lineno or node.lineno})
            )
    return problems


def test_every_chinese_string_in_python_is_marked_for_translation():
    problems = unmarked_strings()
    assert not problems, "Chinese text not marked for translation:\n" + "\n".join(problems)
