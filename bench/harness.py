"""What the PostgreSQL bench scripts share: a throw-away database (``<name>_<suffix>`` on the server
of DATABASE_URL, created before the run and dropped after it, also when the run fails, with Django
pointed at it: ``bench.settings``, no persistent connections) and ``race``, many callers released at
once through a bounded pool of workers, each worker on its own connection."""

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


DEFAULT_WORKERS = 40  # connections at once: well below PostgreSQL's default max_connections (100)


def race(
    target: Callable[[int], Any], count: int, workers: int | None = None, timings: list[float] | None = None
) -> tuple[list[Any], float]:
    """``target(i)`` for i in range(count), released together, at most ``workers`` at once
    (``DEFAULT_WORKERS`` unless told: each worker holds one database connection for the whole
    race, so 200 racers need 40 connections, not 200). Returns what each returned or raised (a
    refusal or a failure: the caller tells them apart) and the seconds they took; ``timings``, if
    given, receives each call's own seconds (its wait for a free worker not included)."""
    from django.db import connections

    workers = max(1, min(count, workers or DEFAULT_WORKERS))
    start = threading.Event()
    results: list[Any] = [None] * count
    durations: list[float] = [0.0] * count
    indexes = iter(range(count))
    take = threading.Lock()

    def worker() -> None:
        start.wait()
        try:
            while True:
                with take:
                    index = next(indexes, None)
                if index is None:
                    return
                began = time.perf_counter()
                try:
                    results[index] = target(index)
                except Exception as exc:
                    results[index] = exc
                durations[index] = time.perf_counter() - began
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(worker) for _ in range(workers)]
        began = time.perf_counter()
        start.set()
        for future in futures:
            future.result()
    if timings is not None:
        timings.extend(durations)
    return results, time.perf_counter() - began
