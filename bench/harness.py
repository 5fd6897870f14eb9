"""What the PostgreSQL bench scripts share: a throw-away database (``<name>_<suffix>`` on the server
of DATABASE_URL, created before the run and dropped after it, also when the run fails, with Django
pointed at it: ``bench.settings``, no persistent connections) and ``race``, many callers released at
once, each on its own connection."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlparse


def run_in_scratch_database(*, script: str, suffix: str, run: Callable[[], int], why: str = "") -> int:
    """``run()`` inside the scratch database; 2 (and a line saying why) without PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print(f"{script} needs PostgreSQL: set DATABASE_URL=postgres://...{f' ({why})' if why else ''}")
        return 2
    import psycopg2

    parsed = urlparse(url)
    bench_db = f"{parsed.path.lstrip('/') or 'weishop'}_{suffix}"
    admin = psycopg2.connect(host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres",
                             password=parsed.password, dbname="postgres")  # fmt: skip
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{bench_db}"')
        cur.execute(f'CREATE DATABASE "{bench_db}"')
    os.environ["DATABASE_URL"] = parsed._replace(path=f"/{bench_db}").geturl()
    os.environ["DB_CONN_MAX_AGE"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    try:
        return run()
    finally:
        from django.db import connections

        connections.close_all()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
        admin.close()


def race(target: Callable[[int], Any], count: int, workers: int | None = None) -> tuple[list[Any], float]:
    """``target(i)`` for i in range(count), released together, at most ``workers`` at once (all of
    them by default; PostgreSQL's max_connections is often 100), each on its own connection.
    Returns what each returned or raised (a refusal or a failure: the caller tells them apart) and
    the seconds they took."""
    from django.db import connections

    start = threading.Event()
    results: list[Any] = [None] * count

    def runner(index: int) -> None:
        start.wait()
        try:
            results[index] = target(index)
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers or count) as pool:
        futures = [pool.submit(runner, i) for i in range(count)]
        began = time.perf_counter()
        start.set()
        for future in futures:
            future.result()
    return results, time.perf_counter() - began
