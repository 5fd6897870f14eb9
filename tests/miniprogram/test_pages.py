"""The mini-program's unit and page tests (jest + miniprogram-simulate, `miniprogram/test/unit/`):
every page rendered with recorded API answers. Run here so `make test` and CI run them too; on
their own: `cd miniprogram && npm test`."""

from __future__ import annotations

import subprocess

from tests.miniprogram.node import JEST, MINIPROGRAM, node_ready


def test_the_mini_program_pages_pass_their_tests():
    node_ready()
    run = subprocess.run(
        [str(JEST), "--config", "jest.config.js", "--ci", "--silent"],
        cwd=MINIPROGRAM, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-12000:]
