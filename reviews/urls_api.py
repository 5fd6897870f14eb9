"""reviews's API routes, included in config/urls_api.py (under /api/v1/)."""

from django.urls import path

from reviews import api

SHOP = "shops/<slug:shop_slug>/"

urlpatterns = [
    path(
        f"{SHOP}products/<int:product_id>/reviews/",
        api.ProductReviewListView.as_view(),
        name="api-product-reviews",
    ),
    path(
        f"{SHOP}products/<int:product_id>/reviews/summary/",
        api.ProductReviewSummaryView.as_view(),
        name="api-product-review-summary",
    ),
    path(f"{SHOP}reviews/", api.MyReviewsView.as_view(), name="api-my-reviews"),
    path(f"{SHOP}reviews/pending/", api.PendingReviewsView.as_view(), name="api-reviews-pending"),
]
