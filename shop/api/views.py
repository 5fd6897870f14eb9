"""API documentation pages that work offline (no CDN: DESIGN.md, H5 conventions).

Swagger UI (/api/docs/) is drf-spectacular's own view with the sidecar's local assets. ReDoc's stock
template also links Google Fonts, so /api/redoc/ renders the same page without those links; ReDoc
falls back to the system fonts. ReDoc's bundle also shows Redocly's logo from their CDN: the page's
Content-Security-Policy allows only our own origin, so the browser never fetches it (ReDoc hides the
image when it fails).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.template import engines
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView
from rest_framework.request import Request

OFFLINE_REDOC = """{% extends "drf_spectacular/redoc.html" %}
{% block head %}
<title>{{ title|default:"Redoc" }}</title>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body { margin: 0; padding: 0; }</style>
{% endblock head %}"""


# Nothing from outside: scripts from our static files only; ReDoc injects its styles inline and
# runs its search in a worker made from a blob.
REDOC_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'"
)


class OfflineRedocView(SpectacularRedocView):
    @extend_schema(exclude=True)
    def get(self, request: Request, *args, **kwargs) -> HttpResponse:
        context = super().get(request, *args, **kwargs).data
        html = engines["django"].from_string(OFFLINE_REDOC).render(context, request)
        response = HttpResponse(html)
        response["Content-Security-Policy"] = REDOC_POLICY
        return response
