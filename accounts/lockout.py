"""The page a locked-out admin login gets (django-axes' ``AXES_LOCKOUT_CALLABLE``): Chinese, in the
admin's own look, saying how long the lock lasts and who can lift it (docs/deployment.md)."""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    cool_off = get_cool_off(request)
    context = {
        **admin.site.each_context(request),
        "username": get_client_username(request, credentials) or "",
        "minutes": max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else None,
    }
    return render(request, "admin/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
