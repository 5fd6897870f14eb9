"""What the local WeChat API simulator remembers (codes, tokens, tickets, menus, sent messages).
Development data only: the table exists only where the simulator is installed
(``WECHAT_SIMULATOR``), never in production."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SimulatorRecord(models.Model):
    """State of the local WeChat API simulator (codes, tokens, menus, sent messages). Never used
    when talking to WeChat."""

    kind = models.CharField(_("类型"), max_length=32)
    key = models.CharField(_("键"), max_length=128)
    appid = models.CharField(_("AppID"), max_length=32, blank=True)
    data = models.JSONField(_("数据"), default=dict)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("微信模拟器记录")
        verbose_name_plural = _("微信模拟器记录")
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="wechat_sim_record_kind_key_unique")
        ]
        indexes = [models.Index(fields=["kind", "appid"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
