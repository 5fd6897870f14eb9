"""API documentation pages that work offline (no CDN: DESIGN.md, H5 conventions).

Swagger UI (/api/docs/) is drf-spectacular's own view with the sidecar's local assets. ReDoc's stock
template also links Google Fonts, so /api/redoc/ renders the same page without those links; ReDoc
falls back to the system fonts.

Both run under the site's Content-Security-Policy with two changes (``DOCS_CSP``): their inline
start-up scripts carry the response's nonce, and styles may be inline (Swagger UI and ReDoc write
``<style>`` elements at run time), as may ``data:`` images and ReDoc's ``blob:`` search worker.
ReDoc's bundle also shows Redocly's logo from their CDN: images come from our own origin (and
``data:``) only on these pages, so the browser never fetches it.
"""

from __future__ import annotations

from typing import Any

from csp.constants import NONCE, SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.http import HttpResponse
from django.template import engines
from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from rest_framework.request import Request

DOCS_CSP = {
    "script-src": [SELF, NONCE],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:"],
    "worker-src": [SELF, "blob:"],
}

OFFLINE_REDOC = """{% extends "drf_spectacular/redoc.html" %}
{% block head %}
<title>{{ title|default:"Redoc" }}</title>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style nonce="{{ request.csp_nonce }}">body { margin: 0; padding: 0; }</style>
{% endblock head %}
{% block body %}
{% if settings %}
<div id="redoc-container"></div>
<script src="{{ redoc_standalone }}"></script>
<script nonce="{{ request.csp_nonce }}">
  Redoc.init("{{ schema_url|escapejs }}", {{ settings|safe }}, document.getElementById("redoc-container"));
</script>
{% else %}
<redoc spec-url="{{ schema_url }}"></redoc>
<script src="{{ redoc_standalone }}"></script>
{% endif %}
{% endblock body %}"""

SWAGGER_UI = """{% extends "drf_spectacular/swagger_ui.html" %}
{% block head %}
<title>{{ title|default:"Swagger" }}</title>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{% if favicon_href %}<link rel="icon" href="{{ favicon_href }}">{% endif %}
<link rel="stylesheet" href="{{ swagger_ui_css }}">
<style nonce="{{ request.csp_nonce }}">
  html { box-sizing: border-box; overflow-y: scroll; }
  *, *:after, *:before { box-sizing: inherit; }
  body { background: #fafafa; margin: 0; }
</style>
{% endblock head %}
{% block body %}
<div id="swagger-ui"></div>
<script src="{{ swagger_ui_bundle }}"></script>
<script src="{{ swagger_ui_standalone }}"></script>
<script nonce="{{ request.csp_nonce }}">
{% include template_name_js %}
</script>
{% endblock body %}"""


@method_decorator(csp_replace(DOCS_CSP), name="dispatch")
class NoncedSwaggerView(SpectacularSwaggerView):
    """drf-spectacular's Swagger UI, its start-up script with the CSP nonce."""

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        context = super().get(request, *args, **kwargs).data  # type: ignore[no-untyped-call]
        html = engines["django"].from_string(SWAGGER_UI).render(context, request)
        return HttpResponse(html)


@method_decorator(csp_replace(DOCS_CSP), name="dispatch")
class OfflineRedocView(SpectacularRedocView):
    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        context = super().get(request, *args, **kwargs).data  # type: ignore[no-untyped-call]
        html = engines["django"].from_string(OFFLINE_REDOC).render(context, request)
        return HttpResponse(html)
