"""complaints's H5 pages, included in config/urls_h5.py (under /s/<shop_slug>/, namespace "h5")."""

from django.urls import URLPattern, path

from complaints import views

urlpatterns: list[URLPattern] = [
    path("complaints/", views.complaint_list, name="complaints"),
    path("complaints/new/", views.complaint_new, name="complaint-new"),
    path("complaints/<str:complaint_no>/", views.complaint_detail, name="complaint"),
]
