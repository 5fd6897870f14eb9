"""distribution's H5 pages, included in config/urls_h5.py (under /s/<shop_slug>/, namespace "h5")."""

from django.urls import path

from distribution import views

urlpatterns = [
    path("promoter/", views.promoter_centre, name="promoter"),
    path("promoter/poster.png", views.promoter_poster, name="promoter-poster"),
    path("promoter/customers/", views.promoter_customers, name="promoter-customers"),
    path("promoter/ledger/", views.promoter_ledger, name="promoter-ledger"),
]
