"""Serving speed: every page a shopper browses, anonymous and signed in, against a bare Django JSON
view measured in the same run, on the set-up production runs (docs/deployment.md).

    python bench/catalog.py [--seconds 5] [--repeats 3] [--connections 32]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weishop REDIS_URL=redis://127.0.0.1:6379/2 python bench/catalog.py

The set-up, built here each run: gunicorn with gthread workers (one per core, ``--threads 8`` as
docs/deployment.md says), DEBUG off, persistent database connections (``DB_CONN_MAX_AGE``),
collected, compressed and hashed static files served by WhiteNoise. Without ``DATABASE_URL``: a
fresh SQLite file and the in-process cache; with a PostgreSQL ``DATABASE_URL``: a scratch database
beside it (``<name>_catalog_bench``, dropped afterwards) and, with ``REDIS_URL``, the Redis cache
(keys under a prefix of this run's own, removed afterwards). The demo shop is loaded; the
signed-in shopper is 王小丫 (c-wang, three orders) with three items in the cart: a real session
cookie for the H5 pages, a real ``Authorization: Token`` for the API.

Load: ``wrk`` (``apt-get install wrk``; installed when missing and allowed) or else a keep-alive
Python client, ``--connections`` connections, a browser's headers (a phone's User-Agent,
Accept-Language, Accept-Encoding: gzip). Each URL is checked to answer 200 first; between two
loads the server is drained (idle, then one probe answered). ``--repeats`` rounds, interleaved, each
measuring the bare view too: a page's ratio is its requests/s over the bare view's of the same
round; the median and the spread (min–max) over the rounds are printed. Pages that need a signed-in
shopper (cart and order lists of the API, the H5 order list) have no anonymous figure.

With PostgreSQL, every insert, update and delete on any table between the start of the server and
its end (``pg_stat_user_tables``) is counted: ``db_writes_during_load`` must be 0, anonymous or
signed in. On SQLite the database file must not change (``db_file_changed=0``).

Goals (issue 16, DESIGN.md): product list and detail API >= 0.5, every other page >= 0.2, signed in
as well as anonymous. The last line holds ``name=value`` pairs: ``<page>_anon_ratio`` and
``<page>_signed_in_ratio`` for every page measured.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
BROWSER_HEADERS = {"User-Agent": PHONE_UA, "Accept-Language": "zh-CN,zh;q=0.9", "Accept-Encoding": "gzip"}
LOGIN_ONLY = {"api_cart", "api_orders", "h5_orders"}  # no anonymous figure
GOALS = {"api_products": 0.5, "api_product": 0.5}  # every other page: 0.2
SETUP_SCRIPT = r"""
import json, re
from django.test import Client
from rest_framework.authtoken.models import Token
from accounts.models import User
from catalog.models import Category, Product
from orders.services.cart import cart_add, cart_get
from shop.models import Shop

shop = Shop.objects.get(slug="demo")
on_sale = Product.objects.filter(shop=shop, status="on_sale")
product = on_sale.filter(specs__isnull=False).order_by("-sales_count", "pk").first() or on_sale.first()
category = Category.objects.filter(shop=shop, parent__isnull=True).order_by("position", "id").first()
titles = list(on_sale.order_by("-sales_count", "pk").values_list("title", flat=True))
words = [w for t in titles for w in re.findall(r"[\u4e00-\u9fff]{2}", t)]
word = "坚果" if any("坚果" in t for t in titles) else words[0]
user = User.objects.get(username="c-wang")
cart = cart_get(shop=shop, user=user, create=True)
for sku in [p.skus.filter(is_active=True, stock__gt=5).first() for p in on_sale.order_by("pk")[:6]]:
    if sku is not None and cart.items.count() < 3:
        cart_add(cart=cart, sku_id=sku.pk, quantity=1)
browser = Client()
browser.force_login(user)
token, _ = Token.objects.get_or_create(user=user)
print(json.dumps({
    "product": product.pk, "category": category.pk, "word": word,
    "session": browser.cookies["sessionid"].value, "token": token.key,
    "orders": user.orders.filter(shop=shop).count(), "cart_items": cart.items.count(),
}))
"""
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %d %.1f %.1f\\n", summary.requests, summary.duration,
    e.status, e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(95)))
end
"""


@dataclass
class Sample:
    rps: float
    p50_ms: float
    p95_ms: float
    errors: int


@dataclass
class Setup:
    name: str
    env: dict[str, str]
    tmp: str
    pg_url: str = ""  # the scratch database (PostgreSQL only)
    cache_prefix: str = ""
    cleanups: list = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"manage.py {args[0]} failed")
    return done.stdout


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# ---------------------------------------------------------------- set-up


def make_setup(args: argparse.Namespace) -> Setup:
    tmp = tempfile.mkdtemp(prefix="weishop-bench-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "DB_CONN_MAX_AGE": "600",  # persistent connections, as in production
        "STATIC_ROOT": f"{tmp}/static",
        "MEDIA_ROOT": f"{tmp}/media",
    }
    if args.uncached:
        env["BENCH_UNCACHED"] = "1"
    url = os.environ.get("DATABASE_URL", "")
    setup = Setup(name="sqlite+locmem", env=env, tmp=tmp)
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg2

        parsed = urlparse(url)
        name = f"{parsed.path.lstrip('/') or 'weishop'}_catalog_bench"
        admin = psycopg2.connect(host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres",
                                 password=parsed.password, dbname="postgres")  # fmt: skip
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with admin.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()

        setup.cleanups.append(drop)
        setup.pg_url = env["DATABASE_URL"] = parsed._replace(path=f"/{name}").geturl()
        setup.name = "postgresql"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    if env.get("REDIS_URL") and setup.pg_url:
        setup.cache_prefix = env["BENCH_CACHE_PREFIX"] = f"bench-{uuid.uuid4().hex[:8]}"
        setup.name += "+redis"

        def forget_keys() -> None:
            import redis

            client = redis.Redis.from_url(env["REDIS_URL"])
            for key in client.scan_iter(match=f"{setup.cache_prefix}:*", count=1000):
                client.delete(key)

        setup.cleanups.append(forget_keys)
    else:
        env.pop("REDIS_URL", None)
        if not setup.pg_url:
            setup.name = "sqlite+locmem"
        else:
            setup.name += "+locmem"
    return setup


def prepare(setup: Setup) -> tuple[dict[str, str], dict]:
    # The demo shop's WeChat Pay and WeChat accounts are simulator accounts: loading it needs the
    # simulators' apps. The server runs without them, as production does.
    env = {**setup.env, "WECHATPAY_SIMULATOR": "1", "WECHAT_SIMULATOR": "1"}
    setup.env.update({"WECHATPAY_SIMULATOR": "0", "WECHAT_SIMULATOR": "0"})
    manage("migrate", "--no-input", env=env)
    manage("collectstatic", "--no-input", env=env)
    manage("load_demo", env=env)
    facts = json.loads(manage("shell", "-c", SETUP_SCRIPT, env=env).strip().splitlines()[-1])
    from urllib.parse import quote

    paths = {
        "bare": "/bench/bare/",
        "api_products": "/api/v1/shops/demo/products/",
        "api_product": f"/api/v1/shops/demo/products/{facts['product']}/",
        "api_cart": "/api/v1/shops/demo/cart/",
        "api_orders": "/api/v1/shops/demo/orders/",
        "h5_home": "/s/demo/",
        "h5_category": f"/s/demo/c/{facts['category']}/",
        "h5_search": f"/s/demo/search/?q={quote(facts['word'])}",
        "h5_product": f"/s/demo/p/{facts['product']}/",
        "h5_cart": "/s/demo/cart/",
        "h5_orders": "/s/demo/orders/",
    }
    return paths, facts


def headers_for(name: str, signed_in: bool, facts: dict) -> dict[str, str]:
    headers = dict(BROWSER_HEADERS)
    if name.startswith("api_"):
        headers["Accept"] = "application/json"
        if signed_in:
            headers["Authorization"] = f"Token {facts['token']}"
    elif signed_in:
        # what a signed-in browser sends back: its session and its CSRF cookie
        headers["Cookie"] = f"sessionid={facts['session']}; csrftoken={'c' * 32}"
    return headers


# ---------------------------------------------------------------- load


def load_wrk(
    port: int, path: str, headers: dict[str, str], seconds: float, connections: int, script: str
) -> Sample:
    command = [
        "wrk",
        f"-t{min(cores(), 4)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        script,
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True).stdout
    line = next((x for x in out.splitlines() if x.startswith("WRK ")), None)
    if line is None:
        return Sample(0.0, 0.0, 0.0, 1)
    requests, duration_us, status_errors, socket_errors, p50, p95 = line.split()[1:]
    return Sample(
        rps=int(requests) / (int(duration_us) / 1e6),
        p50_ms=float(p50) / 1000,
        p95_ms=float(p95) / 1000,
        errors=int(status_errors) + int(socket_errors),
    )


def _client_worker(port: int, path: str, headers: dict, seconds: float, threads: int, out) -> None:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop() -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if resp.status == 200:
                    mine.append(time.perf_counter() - began)
                else:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put((latencies, errors))


def load_python(
    port: int, path: str, headers: dict[str, str], seconds: float, connections: int, script: str
) -> Sample:
    procs_n = max(1, min(cores(), 4))
    queue: multiprocessing.Queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(
            target=_client_worker, args=(port, path, headers, seconds, max(1, connections // procs_n), queue)
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
    latencies = sorted(x for r in results for x in r[0])
    if not latencies:
        return Sample(0.0, 0.0, 0.0, sum(r[1] for r in results) or 1)
    return Sample(
        rps=len(latencies) / elapsed,
        p50_ms=latencies[len(latencies) // 2] * 1000,
        p95_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] * 1000,
        errors=sum(r[1] for r in results),
    )


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def drain(port: int) -> None:
    """Let the requests still queued from the last load finish: a pause, then one probe answered."""
    time.sleep(0.5)
    for _ in range(50):
        try:
            if get(port, "/bench/bare/", {})[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)


def wrk_available() -> bool:
    if shutil.which("wrk"):
        return True
    if shutil.which("apt-get") and os.geteuid() == 0:
        print("wrk missing: apt-get install wrk", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, capture_output=True)
    return shutil.which("wrk") is not None


# ---------------------------------------------------------------- database writes


def pg_writes(url: str) -> int:
    import psycopg2

    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_stat_clear_snapshot()")
        cur.execute("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables")
        value = int(cur.fetchone()[0])
    conn.close()
    return value


def pg_writes_settled(url: str) -> int:
    """The count once every backend that ended has reported (a backend reports when it exits; the
    count of this very query's own connection adds nothing: it writes nothing)."""
    last = pg_writes(url)
    for _ in range(20):
        time.sleep(0.5)
        now = pg_writes(url)
        if now == last:
            return now
        last = now
    return last


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    for part in (path, Path(f"{path}-wal")):
        if part.exists():
            digest.update(part.read_bytes())
    return digest.hexdigest()


# ---------------------------------------------------------------- the run


def static_check(port: int, product_page: str) -> str:
    """The product page's stylesheet and scripts as a phone gets them: compressed, long-cached."""
    _status, _h, body = get(port, product_page, {"User-Agent": PHONE_UA, "Accept-Language": "zh-CN"})
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', body)
    raw = sent = 0
    caching = set()
    for asset in dict.fromkeys(assets):
        _s, _h, plain = get(port, asset.decode(), {})
        _s, headers, packed = get(port, asset.decode(), {"Accept-Encoding": "gzip"})
        raw += len(plain)
        sent += len(packed)
        caching.add(headers.get("cache-control", "-"))
    return (
        f"static: {len(set(assets))} CSS/JS files on the product page, {raw / 1024:.1f} KB, sent "
        f"{sent / 1024:.1f} KB with gzip; Cache-Control: {' | '.join(sorted(caching))}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="per URL per repetition")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=cores(), help="default: one per core")
    parser.add_argument("--threads", type=int, default=8, help="as docs/deployment.md")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    parser.add_argument("--uncached", action="store_true", help="no cache at all (every request builds)")
    args = parser.parse_args()

    setup = make_setup(args)
    try:
        return run(args, setup)
    finally:
        for cleanup in reversed(setup.cleanups):
            try:
                cleanup()
            except Exception as exc:  # a clean-up failing must not hide the numbers
                print(f"clean-up failed: {exc!r}", file=sys.stderr)
        shutil.rmtree(setup.tmp, ignore_errors=True)


def run(args: argparse.Namespace, setup: Setup) -> int:
    paths, facts = prepare(setup)
    product_page = paths["h5_product"]
    if args.pages:
        wanted = {"bare", *args.pages.split(",")}
        paths = {name: path for name, path in paths.items() if name in wanted}
    use_wrk = args.client == "wrk" or (args.client == "auto" and wrk_available())
    load = load_wrk if use_wrk else load_python
    script = f"{setup.tmp}/report.lua"
    Path(script).write_text(WRK_SCRIPT)

    sqlite_file = Path(setup.env["DATABASE_URL"].removeprefix("sqlite:///")) if not setup.pg_url else None
    writes_before = pg_writes_settled(setup.pg_url) if setup.pg_url else 0
    digest_before = file_digest(sqlite_file) if sqlite_file else ""

    port = free_port()
    command = [PY, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--worker-class", "gthread", "--workers", str(args.workers), "--threads", str(args.threads),
               "--log-level", "warning"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=setup.env)
    samples: dict[tuple[str, str], list[Sample]] = {}
    ratios: dict[tuple[str, str], list[float]] = {}
    failures: list[str] = []
    try:
        for _ in range(200):
            try:
                if get(port, "/bench/bare/", {})[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        runs = [(name, mode) for name in paths for mode in ("anon", "signed_in")
                if not (mode == "anon" and name in LOGIN_ONLY) and not (name == "bare" and mode == "signed_in")]  # fmt: skip
        for name, mode in runs:  # each answers 200 as it should
            status, _h, _b = get(port, paths[name], headers_for(name, mode == "signed_in", facts))
            if status != 200:
                print(f"{name} ({mode}) answered {status}: {paths[name]}", file=sys.stderr)
                return 1
        print(
            f"set-up: {setup.name}; gunicorn gthread {args.workers} workers x {args.threads} threads, DEBUG off, "
            f"DB_CONN_MAX_AGE=600, WhiteNoise; client: {'wrk' if use_wrk else 'python keep-alive'}, "
            f"{args.connections} connections, {args.seconds:g} s per URL, {args.repeats} repetitions; "
            f"signed in: c-wang ({facts['orders']} orders, {facts['cart_items']} cart items); "
            f"search word: {facts['word']}",
            flush=True,
        )
        print(static_check(port, product_page), flush=True)
        for name, mode in runs:  # warm-up: both workers, every cache, the template loader
            load(
                port,
                paths[name],
                headers_for(name, mode == "signed_in", facts),
                1.0,
                args.connections,
                script,
            )
            drain(port)
        for rep in range(args.repeats):
            bare = load(
                port, paths["bare"], headers_for("bare", False, facts), args.seconds, args.connections, script
            )
            drain(port)
            samples.setdefault(("bare", "anon"), []).append(bare)
            for name, mode in runs:
                if name == "bare":
                    continue
                sample = load(port, paths[name], headers_for(name, mode == "signed_in", facts), args.seconds,
                              args.connections, script)  # fmt: skip
                drain(port)
                samples.setdefault((name, mode), []).append(sample)
                if sample.errors or sample.rps == 0:
                    failures.append(
                        f"{name} {mode} repetition {rep + 1}: {sample.errors} errors, {sample.rps:.0f} req/s"
                    )
                ratios.setdefault((name, mode), []).append(sample.rps / bare.rps if bare.rps else 0.0)
            print(f"  repetition {rep + 1}/{args.repeats} done (bare {bare.rps:.0f} req/s)", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)

    writes = pg_writes_settled(setup.pg_url) - writes_before if setup.pg_url else None
    file_changed = int(file_digest(sqlite_file) != digest_before) if sqlite_file else None

    print(
        f"\n  {'page':13s} {'who':9s} {'req/s':>7s} {'p50 ms':>7s} {'p95 ms':>7s} {'ratio':>6s}  spread     goal"
    )
    for (name, mode), values in samples.items():
        rps = statistics.median(s.rps for s in values)
        p50 = statistics.median(s.p50_ms for s in values)
        p95 = statistics.median(s.p95_ms for s in values)
        if name == "bare":
            print(f"  {name:13s} {mode:9s} {rps:7.0f} {p50:7.1f} {p95:7.1f} {1:6.2f}  "
                  f"{min(s.rps for s in values):.0f}–{max(s.rps for s in values):.0f} req/s")  # fmt: skip
            continue
        r = ratios[(name, mode)]
        goal = GOALS.get(name, 0.2)
        verdict = "ok" if statistics.median(r) >= goal else "BELOW"
        print(f"  {name:13s} {mode:9s} {rps:7.0f} {p50:7.1f} {p95:7.1f} {statistics.median(r):6.2f}  "
              f"{min(r):.2f}–{max(r):.2f}  >= {goal} {verdict}")  # fmt: skip
    for failure in failures:
        print(f"  FAILED: {failure}")
    pairs: dict[str, object] = {"setup": setup.name}
    pairs["bare_rps"] = round(statistics.median(s.rps for s in samples[("bare", "anon")]))
    for (name, mode), r in ratios.items():
        pairs[f"{name}_{mode}_ratio"] = round(statistics.median(r), 3)
    if writes is not None:
        pairs["db_writes_during_load"] = writes
        print(f"  database writes while serving (pg_stat_user_tables): {writes} (must be 0)")
    if file_changed is not None:
        pairs["db_file_changed"] = file_changed
    print(" ".join(f"{k}={v}" for k, v in pairs.items()))
    return 1 if failures or writes or file_changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
