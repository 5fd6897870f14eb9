from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WeChatSimConfig(AppConfig):
    name = "devtools.wechat_sim"
    label = "wechat_sim"
    verbose_name = _("微信模拟器（开发）")
