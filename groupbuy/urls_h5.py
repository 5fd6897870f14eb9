"""groupbuy's H5 pages, included in config/urls_h5.py (under /s/<shop_slug>/, namespace "h5")."""

from django.urls import URLPattern, path

from groupbuy import views

urlpatterns: list[URLPattern] = [
    path("groups/mine/", views.my_groups, name="my-groups"),
    path("groups/<str:group_no>/", views.group_detail, name="group"),
    path("groups/<str:group_no>/poster.png", views.group_poster, name="group-poster"),
]
