from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WeChatPaySimConfig(AppConfig):
    name = "devtools.wechatpay_sim"
    label = "wechatpay_sim"
    verbose_name = _("微信支付模拟器（开发）")

    def ready(self) -> None:
        from devtools.wechatpay_sim.payer import SimulatorStandIn
        from payments import ports

        # After wechat's (INSTALLED_APPS order): asked only when WeChat neither knows the shopper's
        # openid nor has a login to send them through.
        ports.payer_identity_register(SimulatorStandIn())
