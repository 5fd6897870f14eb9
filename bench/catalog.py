"""Catalog speed: the product-list API and the H5 pages against a bare Django JSON view.

Serves the demo data under gunicorn (gthread workers, as in production), loads each URL in turn
with the same client, and prints requests/s and each ratio to the bare view:

    python bench/catalog.py [--seconds 3] [--rounds 3] [--connections 8]

Goals (DESIGN.md): product-list API >= 0.5 of the bare view, H5 category and product pages >= 0.2.
Honours DATABASE_URL; without it a fresh SQLite file under /tmp is migrated and loaded with the demo.
Uses `wrk` when it is on PATH (apt-get install wrk), otherwise a Python keep-alive client in
separate processes. The last line holds name=value pairs.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(*args: str, env: dict[str, str]) -> str:
    return subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def prepare(env: dict[str, str]) -> dict[str, str]:
    manage("migrate", "--no-input", env=env)
    manage("load_demo", env=env)
    script = (
        "import json\n"
        "from catalog.models import Category, Product\n"
        "p = Product.objects.filter(shop__slug='demo', status='on_sale', specs__isnull=False)"
        ".order_by('-sales_count').first()\n"
        "c = Category.objects.filter(shop__slug='demo', parent__isnull=True).order_by('position', 'id').first()\n"
        "print(json.dumps({'product': p.pk, 'category': c.pk}))\n"
    )
    out = manage("shell", "-c", script, env=env)
    ids = json.loads(out.strip().splitlines()[-1])
    return {
        "bare": "/bench/bare/",
        "api_products": "/api/v1/shops/demo/products/",
        "h5_category": f"/s/demo/c/{ids['category']}/",
        "h5_product": f"/s/demo/p/{ids['product']}/",
    }


def _client_worker(port: int, path: str, seconds: float, threads: int, out: multiprocessing.Queue) -> None:
    count = 0
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop() -> None:
        nonlocal count, errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        done = bad = 0
        while time.monotonic() < deadline:
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                if resp.status == 200:
                    done += 1
                else:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.close()
        with lock:
            count += done
            errors += bad

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put((count, errors))


def load_python(port: int, path: str, seconds: float, connections: int) -> tuple[float, int]:
    procs_n = 2
    queue: multiprocessing.Queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(
            target=_client_worker, args=(port, path, seconds, max(1, connections // procs_n), queue)
        )
        for _ in range(procs_n)
    ]
    start = time.monotonic()
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.monotonic() - start
    return sum(r[0] for r in results) / elapsed, sum(r[1] for r in results)


def load_wrk(port: int, path: str, seconds: float, connections: int) -> tuple[float, int]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{int(seconds)}s", f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(next(line for line in out.splitlines() if line.startswith("Requests/sec")).split()[-1])
    errors = 0
    for line in out.splitlines():
        if "Non-2xx" in line:
            errors += int(line.split()[-1])
    return rps, errors


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="per URL per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--uncached", action="store_true", help="disable the catalog cache (every request builds)"
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DEBUG": "0"}
    if args.uncached:
        env["BENCH_UNCACHED"] = "1"
    tmp = tempfile.mkdtemp(prefix="weishop-bench-")
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    env.setdefault("MEDIA_ROOT", f"{tmp}/media")
    paths = prepare(env)

    port = free_port()
    command = [PY, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--worker-class", "gthread", "--workers", str(args.workers), "--threads", str(args.threads)]
    server = subprocess.Popen(
        [*command, "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        use_wrk = shutil.which("wrk") is not None
        load = load_wrk if use_wrk else load_python
        print(f"client: {'wrk' if use_wrk else 'python'}; server: gunicorn gthread "
              f"{args.workers}x{args.threads}; db: {env['DATABASE_URL'].split(':')[0]}; "
              f"catalog cache: {'off' if args.uncached else 'on'}")  # fmt: skip
        for path in paths.values():  # warm-up: connections, caches, template loader, both workers
            load(port, path, 1.0, args.connections)
        # Interleaved rounds, median per URL, so a noisy moment does not favour one URL.
        samples: dict[str, list[float]] = {name: [] for name in paths}
        for _round in range(args.rounds):
            for name, path in paths.items():
                rps, errors = load(port, path, args.seconds, args.connections)
                if errors:
                    print(f"  {name}: {errors} non-200 responses from {path}", file=sys.stderr)
                    return 1
                samples[name].append(rps)
        results = {name: statistics.median(values) for name, values in samples.items()}
        for name, path in paths.items():
            print(
                f"  {name:14s} {path:32s} {results[name]:9.1f} req/s  (rounds: {', '.join(f'{v:.0f}' for v in samples[name])})"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)

    bare = results["bare"]
    ratios = {f"{name}_ratio": results[name] / bare for name in results if name != "bare"}
    goals = {"api_products_ratio": 0.5, "h5_category_ratio": 0.2, "h5_product_ratio": 0.2}
    for name, value in ratios.items():
        verdict = "ok" if value >= goals[name] else "BELOW GOAL"
        print(f"  {name:20s} {value:.2f} (goal >= {goals[name]}) {verdict}")
    pairs = {f"{k}_rps": round(v) for k, v in results.items()} | {k: round(v, 3) for k, v in ratios.items()}
    print(" ".join(f"{k}={v}" for k, v in pairs.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
