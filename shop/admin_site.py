from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class WeiShopAdminSite(admin.AdminSite):
    site_header = _("WeiShop 商家后台")
    site_title = _("WeiShop 商家后台")
    index_title = _("店铺管理")
