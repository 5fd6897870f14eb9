"""marketing's H5 pages, included in config/urls_h5.py (under /s/<shop_slug>/, namespace "h5")."""

from django.urls import path

from marketing import views

urlpatterns = [
    path("go/<str:channel_code>/", views.channel_go, name="channel-go"),
    path("p/<int:product_id>/poster.png", views.product_poster, name="product-poster"),
]
