"""Row locks live in one place per app: ``<app>/locks.py`` (as Saleor's ``lock_objects.py``), where
each lock says what it serialises and several rows are locked in primary-key order. A
``select_for_update`` anywhere else in an app is a lock nobody can find when a deadlock is reported."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.ast_parse import parse
from tests.test_layers import _layers

ROOT = Path(__file__).resolve().parent.parent
# Every app of the layer check (.ci/layers.py, which lists them once) but the local simulators:
# development stand-ins for WeChat's servers, not the shop's own rows.
APPS = tuple(app for app in _layers().LAYERS if app != "devtools")
# Waiting for their move into the app's locks.py (the list only shrinks).
NOT_YET: set[str] = set()


def _lock_calls(path: Path) -> list[int]:
    tree = parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "select_for_update"
    ]


def _app_files() -> list[Path]:
    return [
        path for app in APPS for path in sorted((ROOT / app).rglob("*.py")) if "migrations" not in path.parts
    ]


def test_every_row_lock_is_in_its_apps_locks_module():
    stray = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _app_files()
        if path.name != "locks.py" and str(path.relative_to(ROOT)) not in NOT_YET
        for line in _lock_calls(path)
    ]
    assert stray == [], "select_for_update outside <app>/locks.py: " + ", ".join(stray)


def test_the_waiting_list_only_shrinks():
    waiting = {name for name in NOT_YET if not (ROOT / name).exists() or not _lock_calls(ROOT / name)}
    assert waiting == set(), f"no lock left in {sorted(waiting)}: delete them from NOT_YET"


def test_the_walk_finds_a_lock(tmp_path):
    sample = tmp_path / "services.py"
    sample.write_text("def f(qs):\n    return qs.select_for_update().get(pk=1)\n", encoding="utf-8")
    assert _lock_calls(sample) == [2]
