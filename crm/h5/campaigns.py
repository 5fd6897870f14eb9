"""crm's campaigns H5 pages (under /s/<shop_slug>/, namespace "h5")."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
