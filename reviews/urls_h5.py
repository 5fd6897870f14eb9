"""reviews's H5 pages, included in config/urls_h5.py (under /s/<shop_slug>/, namespace "h5")."""

from django.urls import path

from reviews import views

urlpatterns = [
    path("p/<int:product_id>/reviews/", views.product_reviews, name="product-reviews"),
    path("reviews/", views.my_reviews, name="my-reviews"),
    path("orders/<str:order_no>/review/<int:line_id>/", views.review_new, name="review-new"),
]
