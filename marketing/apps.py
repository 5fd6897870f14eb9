from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    name = "marketing"
    verbose_name = _("渠道与海报")

    def ready(self) -> None:
        from marketing import (
            selectors,
            services,
            tasks,  # noqa: F401  (the Celery task, for workers)
        )
        from orders.jobs import job_register
        from orders.middleware import attribution_window_register
        from orders.ports import channel_label_register

        attribution_window_register(selectors.shop_window_days)  # the shop's 来源记忆天数
        channel_label_register(selectors.channel_name)  # admin's order 来源: 宝妈群（mama-group）

        job_register("channel_stats_flush", services.channel_stats_flush)

        from marketing import privacy

        privacy.privacy_ready()  # docs/privacy.md
