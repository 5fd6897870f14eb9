"""marketing's API routes, included in config/urls_api.py (under /api/v1/)."""

from django.urls import path

from marketing import api

SHOP = "shops/<slug:shop_slug>/"

urlpatterns = [
    path(f"{SHOP}channels/<str:channel_code>/", api.ChannelLandingView.as_view(), name="api-channel-landing"),
    path(
        f"{SHOP}products/<int:product_id>/poster/", api.ProductPosterView.as_view(), name="api-product-poster"
    ),
]
