"""Attribution as data: where a shopper came from (a channel, a referrer), signed per shop.

A channel link or a promoter's link carries a code made by ``attribution_sign``: the shop's id and
handle and a short value (``moments-0312``, a promoter's id), signed with ``SECRET_KEY`` under a salt
that names the kind and the shop (``django.core.signing``). ``attribution_verify`` gives the value
back only for a genuine code of the shop in the URL: an unsigned, tampered or foreign-shop code is
``None``. Verifying needs no database (the handle in the code is checked against the URL's), so the
middleware that reads codes (``orders.middleware.AttributionMiddleware``) costs an anonymous page
view no query.

This module sits on the floor so that the app that makes links (marketing, issue 12) and the app
that records them on orders can share the rule without importing each other. ``Attribution`` is
the plain value that reaches ``order_place``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.core import signing

Kind = Literal["ch", "ref"]
KINDS: tuple[Kind, ...] = ("ch", "ref")
VALUE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
MAX_CODE_LENGTH = 200


@dataclass(frozen=True)
class Attribution:
    """What a request knows of where the shopper came from: the verified values (never the signed
    codes) of the last valid touch in this shop, and when it happened. Empty when nothing is known."""

    shop_id: int | None = None
    channel_code: str = ""
    referrer_code: str = ""
    touched_at: datetime | None = None

    def __bool__(self) -> bool:
        return bool(self.channel_code or self.referrer_code)

    def for_shop(self, shop_id: int) -> Attribution:
        """Itself if it belongs to ``shop_id``, else empty (a value never crosses shops)."""
        return self if self.shop_id == shop_id else NO_ATTRIBUTION


NO_ATTRIBUTION = Attribution()


def _salt(kind: Kind, shop_id: int) -> str:
    return f"weishop.attribution.{kind}.{shop_id}"


def attribution_sign(*, kind: Kind, shop_id: int, shop_slug: str, value: str) -> str:
    """The code to put in a link of this shop (``?ch=`` or ``?ref=``) or in the API header."""
    if kind not in KINDS:
        raise ValueError(f"unknown attribution kind {kind!r}")
    if not VALUE.fullmatch(value):
        raise ValueError("an attribution value is 1-32 letters, digits, '-' or '_'")
    return signing.Signer(salt=_salt(kind, shop_id)).sign(f"{shop_id}.{shop_slug}.{value}")


def attribution_verify(*, kind: Kind, code: str, shop_slug: str) -> tuple[int, str] | None:
    """``(shop id, value)`` if ``code`` is a genuine ``kind`` code of the shop ``shop_slug``, else None."""
    if kind not in KINDS or not code or len(code) > MAX_CODE_LENGTH:
        return None
    claimed, _dot, _rest = code.partition(".")
    if not claimed.isdigit() or len(claimed) > 18:
        return None
    shop_id = int(claimed)
    try:
        signed = signing.Signer(salt=_salt(kind, shop_id)).unsign(code)
    except signing.BadSignature:
        return None
    _id, slug, value = [*signed.split(".", 2), "", ""][:3]
    if slug != shop_slug or not VALUE.fullmatch(value):
        return None
    return shop_id, value
