from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    name = "marketing"
    verbose_name = _("渠道与海报")

    def ready(self) -> None:
        from marketing import (
            services,
            tasks,  # noqa: F401  (the Celery task, for workers)
        )
        from orders.jobs import job_register

        job_register("channel_stats_flush", services.channel_stats_flush)
