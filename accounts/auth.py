"""Signing a shopper in on H5 pages, whatever proved who they are (WeChat OAuth, a phone code, or the
development login): one place that logs in, keeps the anonymous cart, and picks a safe return path."""

from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import User
from accounts.ports import login_hooks_run


def safe_next(request: HttpRequest, default: str = "/", target: str | None = None) -> str:
    """``target`` (default: the ``next`` parameter) if it is a path on this site, else ``default``.

    Only a local path is accepted ("/s/demo/orders/"): never another host, a scheme-relative
    "//evil.example", a backslash trick or a ``javascript:`` URL. No open redirects."""
    if target is None:
        target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(target, allowed_hosts=set(), require_https=False)
    ):
        return target
    return default


def shopper_login_complete(request: HttpRequest, user: User) -> None:
    """Log ``user`` in on this browser and move the anonymous cart of the session into theirs."""
    session_key = request.session.session_key or ""
    if request.user.is_authenticated and request.user.pk == user.pk:
        return
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if session_key:
        login_hooks_run(session_key=session_key, user=user)  # orders: the session's cart moves in
