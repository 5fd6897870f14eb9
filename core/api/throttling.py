"""API rate limits that know who the client is.

DRF's ``BaseThrottle.get_ident`` uses the whole ``X-Forwarded-For`` header as the client's identity
when ``NUM_PROXIES`` is unset, so a client that sends a new made-up header on every call is a new
client every time. Every throttle here takes the address from the project's one rule instead
(``core.h5.client_ip``: the socket's address, or behind our proxy the entry it appended)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

from core.h5 import client_ip


class ClientIPMixin:
    def get_ident(self, request: Request) -> str:
        return client_ip(request)


class ClientIPScopedRateThrottle(ClientIPMixin, ScopedRateThrottle):
    pass


class ClientIPAnonRateThrottle(ClientIPMixin, AnonRateThrottle):
    pass


class ClientIPUserRateThrottle(ClientIPMixin, UserRateThrottle):
    pass
