"""crm's API routes, included in config/urls_api.py (under /api/v1/)."""

from crm.api import campaigns, members, profiles

urlpatterns = [*profiles.urlpatterns, *members.urlpatterns, *campaigns.urlpatterns]
