"""``make run``: the development server and the job runner side by side.

Prints every URL and login, then runs ``runserver`` and ``run_jobs --loop`` as children in a process
group of their own, so that Ctrl-C reaches this script alone: it stops both children in order and
waits for them, and the terminal shows one quiet line instead of tracebacks from half-stopped
processes.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

URLS = """
  WeiShop is starting (Ctrl-C stops it).
  Shop (H5, open at phone size):  {base}/s/demo/
  Merchant admin:                 {base}/admin/   (login: demo / demo12345; a second shop: tea / tea12345)
  Operator admin:                 {base}/admin/   (login: operator / operator12345)
  Shopper login:                  {base}/accounts/login/   (any phone number; the code is printed below)
  Promoter (分销 demo):          {base}/accounts/login/   (development login as "promoter", then {base}/s/demo/promoter/)
  Member (会员中心 demo):         {base}/accounts/login/   (development login as "member", then {base}/s/demo/member/)
  A channel link (demo):          {base}/s/demo/go/pyq-1212/   (the shop opens with 已认证 and counts the visit)
  API docs / OpenAPI schema:      {base}/api/docs/   {base}/api/schema/
  Open a shop:                    {base}/merchant/signup/
  Health probes:                  {base}/healthz   {base}/readyz
"""


def main(host: str = "127.0.0.1", port: str = "8000") -> int:
    base = f"http://{host}:{port}"
    cache_dir = Path(__file__).resolve().parent.parent / ".cache" / "django"
    shutil.rmtree(cache_dir, ignore_errors=True)  # nothing cached from another run's database
    env = {
        **os.environ,
        "CACHE_DIR": str(cache_dir),  # one cache for the server and the job runner (config/settings.py)
        "DEBUG": "1",
        "PORT": port,
        "WECHATPAY_SIMULATOR_URL": f"{base}/wechatpay-sim",
        "WECHAT_SIMULATOR_URL": f"{base}/wechat-sim",
    }
    print(URLS.format(base=base), flush=True)
    py = sys.executable
    children = [
        subprocess.Popen(
            [py, "manage.py", "run_jobs", "--loop", "--interval", "30"], env=env, start_new_session=True
        ),
        subprocess.Popen([py, "manage.py", "runserver", f"{host}:{port}"], env=env, start_new_session=True),
    ]
    code = 0
    try:
        code = children[1].wait()
    except KeyboardInterrupt:
        pass
    finally:
        for child in reversed(children):
            _stop(child)
    print("\n  WeiShop stopped.", flush=True)
    return code


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is not None:
        return
    os.killpg(child.pid, signal.SIGTERM)
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
