from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WeChatConfig(AppConfig):
    name = "wechat"
    label = "wechat"
    verbose_name = _("微信公众号与小程序")

    def ready(self) -> None:
        from orders import events, jobs
        from wechat import notifications

        events.register(notifications.order_event_listener, in_transaction=True)
        jobs.job_register("send_notifications", notifications.notifications_send_due)
