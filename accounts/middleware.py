"""``AuthenticationMiddleware``: Django's, with the session's user read through the cache
(``accounts.auth_cache``). In ``MIDDLEWARE`` in place of ``django.contrib.auth``'s."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from accounts.auth_cache import session_user


def get_user(request: HttpRequest) -> Any:
    """``django.contrib.auth.get_user`` (Django 5.2, the same checks in the same order: the session's
    backend must still be configured, the session's hash must match the user's password, a fallback
    secret's hash rotates the session) with ``ModelBackend``'s user read through the cache."""
    user: Any = None
    try:
        user_id = auth._get_user_session_key(request)  # type: ignore[attr-defined]
        backend_path = request.session[auth.BACKEND_SESSION_KEY]
    except KeyError:
        pass
    else:
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            backend = auth.load_backend(backend_path)
            if isinstance(backend, ModelBackend):
                user = session_user(backend, user_id)
            else:
                user = backend.get_user(user_id)
            if hasattr(user, "get_session_auth_hash"):
                session_hash = request.session.get(auth.HASH_SESSION_KEY)
                session_auth_hash = user.get_session_auth_hash()
                if not session_hash or not constant_time_compare(session_hash, session_auth_hash):
                    if session_hash and any(
                        constant_time_compare(session_hash, fallback_auth_hash)
                        for fallback_auth_hash in user.get_session_auth_fallback_hash()
                    ):
                        request.session.cycle_key()
                        request.session[auth.HASH_SESSION_KEY] = session_auth_hash
                    else:
                        request.session.flush()
                        user = None
    return user or AnonymousUser()


def _cached_get_user(request: HttpRequest) -> Any:
    if not hasattr(request, "_cached_user"):
        request._cached_user = get_user(request)  # type: ignore[attr-defined]
    return request._cached_user  # type: ignore[attr-defined]


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """``request.user`` (lazy, as Django's) from ``get_user`` above; ``request.auser`` stays Django's
    (WeiShop runs under WSGI)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)  # the session middleware's check, request.auser
        request.user = SimpleLazyObject(partial(_cached_get_user, request))  # type: ignore[assignment]
