from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Visits, the funnel and the merchant's dashboard (docs/analytics.md): reads every app below,
    imported by nothing but config."""

    name = "analytics"
    verbose_name = _("经营数据")

    def ready(self) -> None:
        from analytics import (
            services,
            tasks,  # noqa: F401  (the Celery task, for workers)
            visits,
        )
        from orders.jobs import job_register
        from orders.ports import cart_added_register

        cart_added_register(visits.cart_added)  # the funnel's 加购
        job_register("analytics_rollup", services.figures_rollup)
