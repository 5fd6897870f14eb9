from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("订单消息")

    def ready(self) -> None:
        from notifications import services
        from orders import events

        events.register(services.order_event_listener, in_transaction=True)
