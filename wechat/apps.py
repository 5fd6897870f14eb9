from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WeChatConfig(AppConfig):
    name = "wechat"
    label = "wechat"
    verbose_name = _("微信公众号与小程序")

    def ready(self) -> None:
        from accounts import ports as accounts_ports
        from orders import jobs
        from payments import ports as payments_ports
        from wechat import notifications, views

        accounts_ports.login_link_register(views.wechat_login_url)
        payments_ports.payer_identity_register(views.WeChatPayerIdentity())
        accounts_ports.me_context_register(views.member_centre_context)

        # the outbox's delivery job; which order events write rows is the notifications app's
        jobs.job_register("send_notifications", notifications.notifications_send_due)

        from wechat import privacy

        privacy.privacy_ready()  # docs/privacy.md
