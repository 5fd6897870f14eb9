"""WeChat's access token and JS-SDK ticket, shared by every process through the cache.

Both live 7200 s and WeChat allows only so many refreshes a day, and a refresh invalidates the
previous token after a few minutes: so exactly one process refreshes while the others wait for its
result. The lock is ``cache.add`` (atomic in Redis and in the local-memory cache); the waiters poll
the cache. Without ``REDIS_URL`` the cache is per process, which is right for one process only
(``make run``); production sets ``REDIS_URL`` (docs/deployment.md).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from django.core.cache import cache
from django.utils.translation import gettext as _

from core.errors import ApplicationError

LOCK_SECONDS = 15  # longer than one refresh may take (HTTP timeout included)
WAIT_SECONDS = 10.0  # how long a waiter waits for another process's refresh
POLL_SECONDS = 0.05
MARGIN_SECONDS = 300  # refresh well before WeChat's expiry


def _key(kind: str, appid: str) -> str:
    return f"wechat:{kind}:{appid}"


def credential(
    *, kind: str, appid: str, fetch: Callable[[], tuple[str, int]], stale: str | None = None
) -> str:
    """The cached credential ``kind`` for ``appid``, refreshed with ``fetch()`` (→ value, expires_in)
    by one caller at a time. ``stale``: a value WeChat just refused; it is not returned again."""
    key = _key(kind, appid)
    lock = f"{key}:lock"
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        value = cache.get(key)
        if value and value != stale:
            return value
        owner = secrets.token_hex(8)
        if cache.add(lock, owner, timeout=LOCK_SECONDS):
            try:
                value = cache.get(key)  # someone may have refreshed between our get and add
                if value and value != stale:
                    return value
                value, expires_in = fetch()
                cache.set(key, value, timeout=max(int(expires_in) - MARGIN_SECONDS, 60))
                return value
            finally:
                if cache.get(lock) == owner:
                    cache.delete(lock)
        if time.monotonic() > deadline:
            raise ApplicationError(
                "wechat_unavailable", _("微信接口暂时不可用，请稍后再试。"), http_status=503
            )
        time.sleep(POLL_SECONDS)


def forget(*, kind: str, appid: str) -> None:
    cache.delete(_key(kind, appid))
