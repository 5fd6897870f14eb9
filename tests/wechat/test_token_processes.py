"""The access token is refreshed by one process while the others wait, across real processes
sharing Redis (production's set-up: several gunicorn workers and Celery workers)."""

from __future__ import annotations

import multiprocessing

import pytest

pytestmark = pytest.mark.redis


def _worker(start, results) -> None:
    import time

    import django
    from django.core.cache import cache

    django.setup()
    from wechat import tokens

    def fetch() -> tuple[str, int]:  # what WeChat's /cgi-bin/token costs: slow, and counted
        cache.incr("test:token-fetches")
        time.sleep(0.5)
        return f"TOKEN-{multiprocessing.current_process().pid}", 7200

    start.wait()
    results.put(tokens.credential(kind="access_token", appid="wxprocesstest0001", fetch=fetch))


def test_one_process_refreshes_while_the_others_wait():
    from django.core.cache import cache

    from wechat import tokens

    tokens.forget(kind="access_token", appid="wxprocesstest0001")
    cache.set("test:token-fetches", 0)
    context = multiprocessing.get_context("spawn")  # fresh interpreters, as separate workers are
    start, results = context.Event(), context.Queue()
    processes = [context.Process(target=_worker, args=(start, results)) for _ in range(6)]
    for process in processes:
        process.start()
    start.set()
    tokens_seen = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert cache.get("test:token-fetches") == 1
    assert len(set(tokens_seen)) == 1
