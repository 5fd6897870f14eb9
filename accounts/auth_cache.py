"""Who is asking, without a query: the signed-in shopper's user row and the API token's owner, read
from the cache (docs/architecture.md#speed).

Every request of a signed-in shopper needs their user row (a session's ``request.user``) and every
mini-program call the owner of its ``Authorization: Token …`` header. Read from the database that
is two queries a request (the session, then the user; or the token joined to its user) that return
the same rows thousands of times a minute. Here:

- ``user_cached(user_id=)``: a shopper's row from the cache (Redis with ``REDIS_URL``), else one
  read, kept ``USER_TTL`` seconds. Staff and superusers are never cached: their permissions and
  deactivation must count on the very next request, and the admin is not the hot path. Every copy
  handed out is a fresh unpickled object, so nothing one request sets on it reaches another.
- ``token_user_id(key=)``: the user id of an API token (the cache key is a hash of the token, never
  the token itself), else one read, kept ``TOKEN_TTL`` seconds (an unknown key ``UNKNOWN_TOKEN_TTL``).
- ``CachedTokenAuthentication`` (``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``): DRF's token
  authentication on top of both: 0 queries when warm, the same answers and errors as DRF's.
- ``accounts.middleware.AuthenticationMiddleware``: Django's, with the session's user from
  ``user_cached`` (the session itself comes from the ``cached_db`` session engine: settings).

Invalidation: any save or delete of a user row, and any delete of a token, forgets their cache entry
at once (``auth_cache_ready``, connected from ``AccountsConfig.ready``; a save signal rather than a
service call because the admin, ``update_last_login``, ``set_password`` and the privacy eraser all
save users, and each must count). A deactivated or erased user is refused on their next request
whatever the entry held; a password change ends their other sessions as Django promises. Writes that
bypass ``save()`` (``QuerySet.update``) must call ``user_cache_forget``; the TTLs bound the damage
of one that forgets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from accounts.models import User

USER_TTL = 300
TOKEN_TTL = 300
UNKNOWN_TOKEN_TTL = 60
_USER_KEY = "acct:user:v1:{}"
_TOKEN_KEY = "acct:token:v1:{}"  # noqa: S105 (a cache key pattern, no secret)
_NOT_CACHED = "-"  # a staff row: looked up every time


def _user_key(user_id: Any) -> str:
    return _USER_KEY.format(int(user_id))


def _token_key(key: str) -> str:
    return _TOKEN_KEY.format(hashlib.sha256(key.encode()).hexdigest()[:40])


def user_cached(*, user_id: Any) -> User | None:
    """The user ``user_id`` (any state: the caller checks ``is_active``), or None if there is none."""
    try:
        cache_key = _user_key(user_id)
    except (TypeError, ValueError):
        return None
    found = cache.get(cache_key)
    if isinstance(found, User):
        return found
    user = User._default_manager.filter(pk=int(user_id)).first()
    if user is None:
        return None
    if found is None:
        cache.set(cache_key, _NOT_CACHED if (user.is_staff or user.is_superuser) else user, USER_TTL)
    return user


def user_cache_forget(*, user_id: Any) -> None:
    cache.delete(_user_key(user_id))


def token_user_id(*, key: str) -> int | None:
    """The id of the user ``key`` belongs to, or None for a token that does not exist."""
    if not key or len(key) > 64:
        return None
    cache_key = _token_key(key)
    found = cache.get(cache_key)
    if found is None:
        found = Token.objects.filter(key=key).values_list("user_id", flat=True).first() or 0
        # an unknown key is remembered too, briefly (a token is random: nobody sends one before it
        # exists), so a stale or forged header costs no query on every call
        cache.set(cache_key, found, TOKEN_TTL if found else UNKNOWN_TOKEN_TTL)
    return int(found) or None


def token_cache_forget(*, key: str) -> None:
    cache.delete(_token_key(key))


class CachedTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, answered from the cache when warm (module docstring).
    ``request.auth`` is an unsaved ``Token`` carrying the key and the user id."""

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        user_id = token_user_id(key=key)
        if user_id is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = user_cached(user_id=user_id)
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, Token(key=key, user_id=user.pk)


def session_user(backend: ModelBackend, user_id: Any) -> User | None:
    """``backend.get_user(user_id)`` for Django's ``ModelBackend``, through the cache."""
    user = user_cached(user_id=user_id)
    return user if user is not None and backend.user_can_authenticate(user) else None


def _now_and_after_commit(forget: Callable[[], None]) -> None:
    """Forget now, and again once the transaction commits: a request that read the old row
    meanwhile (it was not committed yet) may have put it back."""
    forget()
    transaction.on_commit(forget)


def _user_saved(sender: type[User], instance: User, **kwargs: Any) -> None:
    user_id = instance.pk
    _now_and_after_commit(lambda: user_cache_forget(user_id=user_id))


def _token_deleted(sender: type[Token], instance: Token, **kwargs: Any) -> None:
    key = instance.key
    _now_and_after_commit(lambda: token_cache_forget(key=key))


def auth_cache_ready() -> None:
    post_save.connect(_user_saved, sender=User, dispatch_uid="accounts.auth_cache.user_saved")
    post_delete.connect(_user_saved, sender=User, dispatch_uid="accounts.auth_cache.user_deleted")
    post_delete.connect(_token_deleted, sender=Token, dispatch_uid="accounts.auth_cache.token_deleted")
