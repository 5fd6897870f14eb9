from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    """Customers (profiles, tags, segments), members and points, and marketing messages with a push
    budget (docs/crm.md). Each area registers its listeners, rules and jobs in its own module's
    ``ready()`` so the areas stay apart."""

    name = "crm"
    verbose_name = _("客户与会员")

    def ready(self) -> None:
        from crm import receivers

        receivers.ready()
