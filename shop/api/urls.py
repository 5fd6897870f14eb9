"""/api/v1/: the mini-program's API. Every path is scoped by the shop's handle."""

from django.urls import path

from catalog import api as catalog_api

urlpatterns = [
    path("shops/<slug:shop_slug>/", catalog_api.ShopDetailView.as_view(), name="api-shop"),
    path("shops/<slug:shop_slug>/categories/", catalog_api.CategoryTreeView.as_view(), name="api-categories"),
    path("shops/<slug:shop_slug>/products/", catalog_api.ProductListView.as_view(), name="api-products"),
    path(
        "shops/<slug:shop_slug>/products/<int:product_id>/",
        catalog_api.ProductDetailView.as_view(),
        name="api-product",
    ),
    path(
        "shops/<slug:shop_slug>/products/<int:product_id>/sku/",
        catalog_api.SkuLookupView.as_view(),
        name="api-product-sku",
    ),
]
