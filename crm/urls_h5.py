"""crm's H5 pages, included in config/urls_h5.py (under /s/<shop_slug>/, namespace "h5")."""

from crm.h5 import campaigns, members, profiles

urlpatterns = [*profiles.urlpatterns, *members.urlpatterns, *campaigns.urlpatterns]
