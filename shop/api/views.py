"""API documentation pages that work offline (no CDN: DESIGN.md, H5 conventions).

Swagger UI (/api/docs/) is drf-spectacular's own view with the sidecar's local assets. ReDoc's stock
template also links Google Fonts, so /api/redoc/ renders the same page without those links; ReDoc
falls back to the system fonts.
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


class OfflineRedocView(SpectacularRedocView):
    @extend_schema(exclude=True)
    def get(self, request: Request, *args, **kwargs) -> HttpResponse:
        context = super().get(request, *args, **kwargs).data
        html = engines["django"].from_string(OFFLINE_REDOC).render(context, request)
        return HttpResponse(html)
