from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import PhoneLoginCode, PhotoUpload, User
from core.masking import mask_phone
from shop.admin_base import OperatorOnly, is_operator


@admin.register(User)
class UserAdmin(OperatorOnly, DjangoUserAdmin):
    """Platform operators manage people; merchants never see this page (superuser only). The list
    and its search results show phones masked (a search by the full number still finds it); a
    person's own page, where the operator may correct it, shows it whole."""

    list_display = (
        "username",
        "nickname",
        "masked_phone",
        "is_active",
        "is_staff",
        "is_superuser",
        "date_joined",
    )
    search_fields = ("username", "nickname", "phone", "email")
    fieldsets = (*DjangoUserAdmin.fieldsets, (None, {"fields": ("nickname", "phone", "erased_at")}))
    readonly_fields = ("erased_at",)

    @admin.display(description=_("手机号"), ordering="phone")
    def masked_phone(self, user: User) -> str:
        return mask_phone(user.phone)

    def has_add_permission(self, request):
        return is_operator(request)


@admin.register(PhoneLoginCode)
class PhoneLoginCodeAdmin(OperatorOnly, admin.ModelAdmin):
    """The SMS login code log, read-only, for platform operators (superusers) only: when codes were
    sent, to which number and from which IP, whether they were used. The code hash is never shown,
    and the number only masked (search by the full number to find its codes)."""

    list_display = ("masked_phone", "created_at", "expires_at", "used_at", "attempts", "ip")
    fields = list_display
    readonly_fields = list_display

    @admin.display(description=_("手机号"), ordering="phone")
    def masked_phone(self, code: PhoneLoginCode) -> str:
        return mask_phone(code.phone)

    search_fields = ("phone", "ip")
    date_hierarchy = "created_at"
    list_filter = (("used_at", admin.EmptyFieldListFilter),)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PhotoUpload)
class PhotoUploadAdmin(OperatorOnly, admin.ModelAdmin):
    """Shoppers' photos uploaded for a form not sent yet (they expire by themselves), for platform
    operators only: merchants never see a shopper's upload before the shopper sends it with a
    review, an after-sales request or a complaint. Read-only; an operator may delete one."""

    list_display = ("number", "shop", "user", "created_at", "expires_at")
    fields = ("shop", "user", "image", "created_at", "expires_at")

    @admin.display(description=_("编号"), ordering="pk")
    def number(self, obj: PhotoUpload) -> int:
        return obj.pk

    readonly_fields = fields
    list_select_related = ("shop", "user")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# django-axes' login attempts and logs: platform operators only. Deleting a locked-out attempt
# unlocks that username and IP (docs/deployment.md).
@admin.register(AccessAttempt)
class AccessAttemptAdmin(OperatorOnly, axes_admin.AccessAttemptAdmin):
    @admin.display(description=_("状态"))
    def status(self, obj: AccessAttempt) -> str:
        return super().status(obj)

    @admin.display(description=_("过期时间"))
    def expiration(self, obj: AccessAttempt):
        return super().expiration(obj)


@admin.register(AccessLog)
class AccessLogAdmin(OperatorOnly, axes_admin.AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(OperatorOnly, axes_admin.AccessFailureLogAdmin):
    pass
