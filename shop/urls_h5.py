"""A shop's H5 pages, mounted at /s/<shop_slug>/ with the namespace "h5"."""

from django.urls import path

from catalog import views as catalog_views
from shop import views

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("categories/", catalog_views.categories, name="categories"),
    path("c/<int:category_id>/", catalog_views.category, name="category"),
    path("search/", catalog_views.search, name="search"),
    path("p/<int:product_id>/", catalog_views.product, name="product"),
]
