"""``GZipMiddleware``: Django's (with its BREACH mitigation: random padding in every gzip header),
for response bodies of at least ``WEISHOP_GZIP_MIN_BYTES`` only (docs/deployment.md#compression).

A page smaller than the first window TCP sends without waiting for an acknowledgement (10 segments,
about 14 KB) reaches the phone in the same round trip compressed or not, so compressing it only
costs the server: about a fifth of a cached page's time, measured (bench/catalog.py). Larger bodies
(long product descriptions, long lists) are compressed, where it saves round trips. Static files
never pass here: WhiteNoise sends the gzip copies ``collectstatic`` made."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware as DjangoGZipMiddleware

DEFAULT_MIN_BYTES = 14 * 1024


class GZipMiddleware(DjangoGZipMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        minimum = int(getattr(settings, "WEISHOP_GZIP_MIN_BYTES", DEFAULT_MIN_BYTES))
        if not response.streaming and len(response.content) < minimum:  # type: ignore[attr-defined]
            return response
        return super().process_response(request, response)
