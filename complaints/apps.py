from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    """Complaints against a shop that reach the platform operator (docs/after-sales.md#complaints)."""

    name = "complaints"
    verbose_name = _("投诉")
