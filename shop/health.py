"""Load-balancer probes and the answers for a server that cannot do its work.

- ``/healthz``: the process is up (touches nothing else).
- ``/readyz``: the database and the cache answer; 503 otherwise, so a load balancer stops sending
  requests to a node that cannot serve them.
- ``server_error`` (``handler500``): when a request fails because the database or Redis is down or
  too slow, the API answers ``503 {"code": "service_unavailable", ...}`` and H5 pages a Chinese
  page asking to try again; any other failure is a 500 in the same two shapes. Never Django's
  English HTML page.
"""

from __future__ import annotations

import logging
import sys
import uuid

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

try:  # redis is a dependency, but the cache may be any backend
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    SERVICE_ERRORS: tuple[type[BaseException], ...] = (DatabaseError, RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover
    SERVICE_ERRORS = (DatabaseError,)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except DatabaseError as exc:
        logger.warning("readyz: database unavailable: %s", exc)
        checks["database"] = "unavailable"
    try:
        key = f"readyz:{uuid.uuid4().hex}"
        cache.set(key, "1", 5)
        checks["cache"] = "ok" if cache.get(key) == "1" else "unavailable"
        cache.delete(key)
    except Exception as exc:  # any backend's connection error
        logger.warning("readyz: cache unavailable: %s", exc)
        checks["cache"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503)


def is_service_outage(exc: BaseException | None) -> bool:
    """True when ``exc`` (or what caused it) is the database or Redis failing, not our code."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, SERVICE_ERRORS):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``. Renders without the request context: the failure may be the database itself,
    and context processors (the user, the session) would reach for it again."""
    outage = is_service_outage(sys.exc_info()[1])
    status = 503 if outage else 500
    if request.path.startswith("/api/"):
        code, message = (
            ("service_unavailable", _("服务暂时不可用，请稍后再试。"))
            if outage
            else ("server_error", _("服务器出错了，请稍后再试。"))
        )
        response: HttpResponse = JsonResponse({"code": code, "message": message, "fields": {}}, status=status)
    else:
        html = loader.get_template("500.html").render({"outage": outage})
        response = HttpResponse(html, status=status)
    if outage:
        response["Retry-After"] = "30"
    return response
