"""reviews's API routes, included in config/urls_api.py (under /api/v1/)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
