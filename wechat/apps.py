from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WeChatConfig(AppConfig):
    name = "wechat"
    label = "wechat"
    verbose_name = _("微信公众号与小程序")
