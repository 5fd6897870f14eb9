"""The import-layering check (.ci/layers.py) passes on the project, and fails on what it must catch."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "layers.py"


def _layers():
    spec = importlib.util.spec_from_file_location("ci_layers", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["ci_layers"] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_the_project_keeps_its_layers():
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "layers: ok" in result.stdout


def test_an_upward_import_inside_a_function_fails_and_is_reported_with_its_line(tmp_path):
    layers = _layers()
    root = _tree(
        tmp_path,
        {
            "orders/__init__.py": "",
            "orders/state.py": "from shop import errors\n\n\ndef f():\n    from wechat.notifications import q\n",
            "wechat/__init__.py": "",
            "wechat/notifications.py": "from orders.models import Order\n",
            "shop/__init__.py": "",
            "core/errors.py": "",
        },
    )
    report = layers.check(root, allowlist={})
    assert not report.ok
    assert [str(imp) for imp in report.unlisted] == [
        "orders/state.py:5: app orders imports wechat (wechat.notifications, above it)"
    ]
    assert report.circles == [["orders", "wechat"]]
    assert layers.check(root, allowlist={("orders/state.py", "wechat.notifications"): "until"}).ok


def test_relative_imports_tests_and_migrations(tmp_path):
    layers = _layers()
    root = _tree(
        tmp_path,
        {
            "config/demo.py": "import orders.models\n",  # config may import anything
            "shop/__init__.py": "from ..config import demo\n",
            "shop/migrations/0001_initial.py": "import orders.models\n",
            "shop/tests/test_x.py": "import orders.models\n",
            "orders/__init__.py": "",
            "orders/models.py": "from .state import x\n",
            "orders/state.py": "from ..shop import models\n",
        },
    )
    report = layers.check(root, allowlist={})
    assert sorted(str(imp) for imp in report.unlisted) == [
        "shop/__init__.py:1: app shop imports config (config.demo, above it)",
    ]


def test_an_allowlisted_import_that_is_gone_fails(tmp_path):
    layers = _layers()
    root = _tree(tmp_path, {"orders/__init__.py": "", "orders/state.py": "import shop\n"})
    report = layers.check(root, allowlist={("orders/state.py", "wechat.notifications"): "until the port"})
    assert not report.ok
    assert report.stale == [("orders/state.py", "wechat.notifications")]


def test_devtools_stands_above_the_apps_and_below_config(tmp_path):
    """The simulators may import every app; no app but config may import them."""
    layers = _layers()
    root = _tree(
        tmp_path,
        {
            "devtools/__init__.py": "",
            "devtools/wechatpay_sim/views.py": "from payments.models import WeChatPayConfig\nimport wechat.models\n",
            "payments/__init__.py": "",
            "payments/h5.py": "from devtools.wechatpay_sim import views\n",
            "config/urls.py": "import devtools.wechatpay_sim.urls\n",
        },
    )
    report = layers.check(root, allowlist={})
    assert [str(imp) for imp in report.unlisted] == [
        "payments/h5.py:1: app payments imports devtools (devtools.wechatpay_sim.views, above it)"
    ]
