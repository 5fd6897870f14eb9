"""Share cards and referral codes.

A page shared from WeChat carries the sharer's referral code: ``?ref=<code>``, a ``ref``
attribution code of the shop (``core.attribution``: the shop and the sharer's user id, signed with
``SECRET_KEY`` per shop). ``orders.middleware.AttributionMiddleware`` remembers a valid one in a
signed cookie (no database write on the request path) and checkout stores it on the order
(``Order.referrer_code``); a tampered, expired or foreign code is ignored, silently.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from core.attribution import attribution_sign, attribution_verify


def referral_code(*, shop_id: int, shop_slug: str, user_id: int) -> str:
    """The code a shopper's share links carry: the attribution value is their user id."""
    return attribution_sign(kind="ref", shop_id=shop_id, shop_slug=shop_slug, value=str(user_id))


def referral_user_id(*, code: str, shop_slug: str) -> int | None:
    """The sharer's user id if ``code`` is a genuine referral code of this shop, else ``None``."""
    found = attribution_verify(kind="ref", code=code, shop_slug=shop_slug)
    return int(found[1]) if found is not None and found[1].isdigit() else None


def share_link(url: str, *, code: str | None) -> str:
    """``url`` with the referral parameter set to ``code`` (or left as it was when ``code`` is None)."""
    parts = urlsplit(url)
    if code is None:
        return urlunsplit(parts._replace(fragment=""))
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "ref"]
    query.append(("ref", code))
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))
