"""groupbuy's API routes, included in config/urls_api.py (under /api/v1/)."""

from django.urls import URLPattern, path

from groupbuy import api

SHOP = "shops/<slug:shop_slug>/"

urlpatterns: list[URLPattern] = [
    path(f"{SHOP}group-buys/", api.ActivityListView.as_view(), name="api-group-buys"),
    path(f"{SHOP}group-buys/<int:activity_id>/", api.ActivityDetailView.as_view(), name="api-group-buy"),
    path(f"{SHOP}group-buys/<int:activity_id>/groups/", api.GroupOpenView.as_view(), name="api-group-open"),
    path(f"{SHOP}groups/mine/", api.MyGroupsView.as_view(), name="api-groups-mine"),
    path(f"{SHOP}groups/<str:group_no>/", api.GroupDetailView.as_view(), name="api-group"),
    path(f"{SHOP}groups/<str:group_no>/join/", api.GroupJoinView.as_view(), name="api-group-join"),
    path(f"{SHOP}groups/<str:group_no>/poster/", api.GroupPosterView.as_view(), name="api-group-poster"),
]
