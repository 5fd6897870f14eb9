"""The import-layering check (issue 10): an app may import only the apps below it.

Walks every ``import`` of every app's Python files (imports inside functions and under
``TYPE_CHECKING`` included; ``migrations/`` and ``tests/`` left out), maps each imported project
module to its app and prints each upward import (``file:line: app X imports Y (above it)``) and
each circle between apps. Exits 1 when there is an upward import that ``ALLOWLIST`` does not list,
or when an ``ALLOWLIST`` entry no longer matches any import (the list only shrinks). Run it from
anywhere: ``python .ci/layers.py``.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

# Bottom to top. An app may import only the apps listed before it. ``devtools`` (the local
# simulators and ``make run``'s launcher) may import every app; only config imports it.
LAYERS: tuple[str, ...] = (
    "core",
    "shop",
    "accounts",
    "catalog",
    "orders",
    "payments",
    "wechat",
    "notifications",
    "promotions",
    "marketing",
    "groupbuy",
    "distribution",
    "reviews",
    "complaints",
    "crm",
    "analytics",
    "devtools",
    "config",
)

# Upward imports that are known and waiting for their port or move: (importing file, imported
# module) -> why it is still here. One entry covers every import of that module in that file. The
# check fails when an entry no longer matches an import: delete it when its import goes.
# fmt: off
ALLOWLIST: dict[tuple[str, str], str] = {
}
# fmt: on

EXCLUDED_DIRS = {"migrations", "tests", "__pycache__"}


@dataclass(frozen=True)
class Import:
    path: str  # relative to the root, with forward slashes
    line: int
    source_app: str
    target_app: str
    target_module: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.path, self.target_module)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: app {self.source_app} imports {self.target_app} ({self.target_module}, above it)"


@dataclass
class Report:
    upward: list[Import]
    circles: list[list[str]]
    unlisted: list[Import]
    stale: list[tuple[str, str]]

    @property
    def ok(self) -> bool:
        return not self.unlisted and not self.stale


def module_app(module: str) -> str | None:
    """The app a dotted module name belongs to, or None when it is not one of ours."""
    top = module.split(".", 1)[0]
    return top if top in LAYERS else None


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _app_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for app in LAYERS:
        app_dir = root / app
        if not app_dir.is_dir():
            continue
        files.extend(
            path
            for path in sorted(app_dir.rglob("*.py"))
            if EXCLUDED_DIRS.isdisjoint(path.relative_to(root).parts[:-1])
        )
    return files


def _project_modules(root: Path) -> set[str]:
    return {_module_name(root, path) for path in _app_files(root)}


def _imported_modules(tree: ast.AST, module: str, is_package: bool, known: set[str]):
    """(line, dotted module) for every import in the tree, relative imports resolved."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                if node.level > 1:
                    base_parts = base_parts[: -(node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                # ``from shop import settings`` imports the module shop.settings, not the package.
                candidate = f"{base}.{alias.name}"
                yield node.lineno, candidate if candidate in known else base


def collect(root: Path) -> list[Import]:
    """Every import of one of our apps by another app, upward or not."""
    known = _project_modules(root)
    imports: list[Import] = []
    for path in _app_files(root):
        module = _module_name(root, path)
        source_app = module_app(module) or ""  # always one of LAYERS: _app_files walks only those
        source = path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(source, filename=str(path))
        except SystemError:  # CPython 3.11.7 with another thread parsing (python/cpython#106905): retry
            tree = ast.parse(source, filename=str(path))
        seen: set[tuple[int, str]] = set()
        for line, target in _imported_modules(tree, module, path.name == "__init__.py", known):
            target_app = module_app(target)
            if target_app is None or target_app == source_app or (line, target) in seen:
                continue
            seen.add((line, target))
            rel = path.relative_to(root).as_posix()
            imports.append(Import(rel, line, source_app, target_app, target))
    return imports


def circles(imports: list[Import]) -> list[list[str]]:
    """The groups of apps that reach each other through imports (Tarjan's strongly connected
    components of more than one app), each sorted bottom to top."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        graph.setdefault(imp.source_app, set()).add(imp.target_app)
        graph.setdefault(imp.target_app, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group, key=LAYERS.index))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found, key=lambda group: [LAYERS.index(app) for app in group])


def check(root: Path, allowlist: dict[tuple[str, str], str] | None = None) -> Report:
    allowlist = ALLOWLIST if allowlist is None else allowlist
    imports = collect(root)
    upward = [imp for imp in imports if LAYERS.index(imp.target_app) > LAYERS.index(imp.source_app)]
    present = {imp.key for imp in upward}
    return Report(
        upward=upward,
        circles=circles(imports),
        unlisted=[imp for imp in upward if imp.key not in allowlist],
        stale=sorted(key for key in allowlist if key not in present),
    )


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    report = check(root)
    for imp in report.upward:
        reason = ALLOWLIST.get(imp.key)
        print(f"{imp}" + (f"  [allowed: {reason}]" if reason else "  [NOT ALLOWED]"))
    edges = {(imp.source_app, imp.target_app) for imp in collect(root)}
    for low, high in sorted(edges, key=lambda e: (LAYERS.index(e[0]), LAYERS.index(e[1]))):
        if LAYERS.index(low) < LAYERS.index(high) and (high, low) in edges:
            print(f"circle: {low} <-> {high}")
    for group in report.circles:
        print("apps tied by circles: " + ", ".join(group))
    for path, module in report.stale:
        print(f"{path}: no longer imports {module}: remove it from ALLOWLIST in .ci/layers.py")
    if report.ok:
        print(f"layers: ok ({len(report.upward)} allowlisted upward imports left)")
        return 0
    print(
        f"layers: {len(report.unlisted)} upward import(s) not in the allowlist, "
        f"{len(report.stale)} stale allowlist entr(y/ies)"
    )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
