from django.contrib.admin.apps import AdminConfig


class WeiShopAdminConfig(AdminConfig):
    """Replaces the default admin site with ours (Chinese titles, the new-merchant checklist)."""

    default_site = "config.admin_site.WeiShopAdminSite"
