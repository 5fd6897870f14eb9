"""A throw-away PostgreSQL database for a bench script: ``<name>_<suffix>`` on the server of
DATABASE_URL, created before the run and dropped after it (also when the run fails), with Django
pointed at it (``bench.settings``, no persistent connections)."""

from __future__ import annotations

import os
from collections.abc import Callable
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
