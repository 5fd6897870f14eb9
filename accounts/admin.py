from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Platform operators manage people; merchants never see this page (superuser only)."""

    list_display = ("username", "nickname", "phone", "is_staff", "is_superuser", "date_joined")
    search_fields = ("username", "nickname", "phone", "email")
    fieldsets = (*DjangoUserAdmin.fieldsets, (None, {"fields": ("nickname", "phone")}))

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_change_permission = has_view_permission
    has_add_permission = has_module_permission
    has_delete_permission = has_view_permission
