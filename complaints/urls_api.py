"""complaints's API routes, included in config/urls_api.py (under /api/v1/)."""

from django.urls import URLPattern, path

from complaints import api

SHOP = "shops/<slug:shop_slug>/"

urlpatterns: list[URLPattern] = [
    path(f"{SHOP}complaints/", api.ComplaintListView.as_view(), name="api-complaints"),
    path(f"{SHOP}complaints/<str:complaint_no>/", api.ComplaintDetailView.as_view(), name="api-complaint"),
]
