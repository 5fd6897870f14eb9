"""Share cards and referral codes.

A page shared from WeChat carries the sharer's referral code: ``?ref=<code>``, where the code is the
shop's handle and the sharer's id, signed with ``SECRET_KEY`` (``django.core.signing``). A visit
with a valid code for *this* shop leaves a signed cookie (no database write on the request path) that
the marketing work reads at checkout; a tampered, expired or foreign code is ignored, silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core import signing
from django.http import HttpRequest, HttpResponse

SALT = "weishop.referral"
COOKIE_PREFIX = "ws_ref_"
COOKIE_MAX_AGE = 30 * 86400
SHOP_PATH = re.compile(r"^/s/(?P<slug>[a-z0-9-]{3,32})/")


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def referral_code(*, shop_slug: str, user_id: int) -> str:
    return signing.Signer(salt=SALT).sign(f"{shop_slug}.{_b36(user_id)}")


def referral_user_id(*, code: str, shop_slug: str) -> int | None:
    """The sharer's user id if ``code`` is a genuine code of this shop, else ``None``."""
    try:
        value = signing.Signer(salt=SALT).unsign(code)
    except signing.BadSignature:
        return None
    slug, _dot, user = value.rpartition(".")
    if slug != shop_slug or not re.fullmatch(r"[0-9a-z]{1,13}", user):
        return None
    return int(user, 36)


def referrer_of(request: HttpRequest, *, shop_slug: str) -> int | None:
    """Who brought this visitor to the shop (the last valid referral link they opened), if anyone."""
    try:
        user_id = request.get_signed_cookie(f"{COOKIE_PREFIX}{shop_slug}", salt=SALT, max_age=COOKIE_MAX_AGE)
    except (KeyError, signing.BadSignature):
        return None
    return int(user_id) if str(user_id).isdigit() else None


def share_link(url: str, *, code: str | None) -> str:
    """``url`` with the referral parameter set to ``code`` (or left as it was when ``code`` is None)."""
    parts = urlsplit(url)
    if code is None:
        return urlunsplit(parts._replace(fragment=""))
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "ref"]
    query.append(("ref", code))
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


class ReferralMiddleware:
    """Remembers a valid ``?ref=`` of a shop page in a signed cookie, whatever the view does (the
    page itself may come from the cache)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        code = request.GET.get("ref")
        match = SHOP_PATH.match(request.path_info) if code else None
        if match and response.status_code == 200:
            slug = match["slug"]
            user_id = referral_user_id(code=code[:200], shop_slug=slug)
            own = request.user.is_authenticated and request.user.pk == user_id
            if user_id is not None and not own:
                response.set_signed_cookie(
                    f"{COOKIE_PREFIX}{slug}", str(user_id), salt=SALT, max_age=COOKIE_MAX_AGE,
                    httponly=True, samesite="Lax",
                )  # fmt: skip
        return response
