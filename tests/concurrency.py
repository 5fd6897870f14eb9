"""Running code from several threads at once, for race tests (each thread has its own DB connection)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import close_old_connections, connections


def run_at_once(target: Callable[..., Any], args_list: list[tuple]) -> list[Any]:
    """Start one thread per args tuple, release them together; returns what each returned or raised."""
    barrier = threading.Barrier(len(args_list))
    results: list = [None] * len(args_list)

    def runner(index: int, args: tuple) -> None:
        try:
            barrier.wait()
            results[index] = target(*args)
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, a)) for i, a in enumerate(args_list)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    return results
