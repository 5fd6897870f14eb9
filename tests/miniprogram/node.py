"""Where the mini-program's Node tooling is, and a skip (or, in CI, a failure) when it is not."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

MINIPROGRAM = Path(__file__).resolve().parents[2] / "miniprogram"
JEST = MINIPROGRAM / "node_modules" / ".bin" / "jest"


def node_ready() -> None:
    if shutil.which("node") and JEST.exists():
        return
    reason = "the mini-program tests need Node and `npm ci` in miniprogram/ (apt-get install nodejs npm; make test)"
    if os.environ.get("WEISHOP_REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)
