from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Visits, the funnel and the merchant's dashboard (docs/analytics.md): reads every app below,
    imported by nothing but config."""

    name = "analytics"
    verbose_name = _("经营数据")

    def ready(self) -> None:
        pass
