from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    """Complaints against a shop that reach the platform operator (docs/after-sales.md#complaints)."""

    name = "complaints"
    verbose_name = _("投诉")

    def ready(self) -> None:
        from accounts.ports import me_context_register
        from complaints import privacy, services, views
        from orders.ports import checkout_guard_register

        me_context_register(views.member_centre_context)  # 个人中心: 我的投诉
        checkout_guard_register(services.shop_open_guard)  # a suspended shop takes no order
        privacy.privacy_ready()  # docs/privacy.md
