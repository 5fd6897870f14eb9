"""complaints's H5 pages, included in config/urls_h5.py (under /s/<shop_slug>/, namespace "h5")."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
