"""Channels (signed short links, QR codes, per-day figures) and the shop's marketing settings (issue 12).

A ``Channel`` is one place a merchant puts the shop: a Moments post, a group chat, the counter's QR
code, a Weibo link, a paid ad. Its ``code`` is the value signed into the ``?ch=`` attribution code
(``core.attribution``), so an order placed after a visit through it records ``Order.channel_code ==
channel.code``; the code never changes once the channel exists (orders keep it). Visits are
counted in the cache on the request path and written into ``ChannelDayStat`` rows by a job
(``marketing.services.channel_stats_flush``), never by a page view.
"""

from __future__ import annotations

import secrets
import string

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from shop.models import Shop

CODE_VALIDATOR = RegexValidator(r"^[A-Za-z0-9_-]{1,32}$", _("渠道代码为 1–32 位字母、数字、下划线或连字符。"))
MAX_WINDOW_DAYS = 90


def new_channel_code() -> str:
    """Eight random lower-case letters and digits: short enough for a link, not guessable."""
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(8))


class MarketingSettings(TimeStampedModel):
    """A shop's own marketing settings (one row per shop; a shop without one uses the defaults)."""

    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, related_name="marketing_settings", verbose_name=_("店铺")
    )
    attribution_window_days = models.PositiveSmallIntegerField(
        _("来源记忆天数"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_WINDOW_DAYS)],
        help_text=_(
            "顾客通过渠道或分享链接进店后，多少天内下的单算作该渠道（以最后一次进店为准）；"
            "不能超过平台允许的最长天数。"
        ),
    )

    class Meta:
        verbose_name = _("渠道设置")
        verbose_name_plural = _("渠道设置")

    def __str__(self) -> str:
        return str(_("%(shop)s 的渠道设置") % {"shop": self.shop})

    def clean(self) -> None:
        from orders.middleware import attribution_max_days

        cap = attribution_max_days()
        if self.attribution_window_days and self.attribution_window_days > cap:
            raise ValidationError(
                {"attribution_window_days": _("平台最长记忆 %(n)d 天，请填 1–%(n)d。") % {"n": cap}}
            )


class Channel(TimeStampedModel):
    class Kind(models.TextChoices):
        MOMENTS = "moments", _("朋友圈")
        GROUP = "group", _("微信群")
        STORE_QR = "store_qr", _("门店二维码")
        WEIBO = "weibo", _("微博")
        AD = "ad", _("广告")
        OTHER = "other", _("其他")

    class Target(models.TextChoices):
        HOME = "home", _("店铺首页")
        PRODUCT = "product", _("商品")
        OFFICIAL_ACCOUNT = "official_account", _("公众号（带参数二维码）")

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="marketing_channels", verbose_name=_("店铺")
    )
    name = models.CharField(
        _("渠道名称"), max_length=64, help_text=_("例如：双十二朋友圈、宝妈群、收银台海报")
    )
    kind = models.CharField(_("渠道类型"), max_length=16, choices=Kind.choices, default=Kind.MOMENTS)
    code = models.CharField(
        _("渠道代码"),
        max_length=32,
        default=new_channel_code,
        validators=[CODE_VALIDATOR],
        help_text=_("出现在短链接中，例如 /s/店铺/go/代码/；创建后不能修改（订单按它记录来源）"),
    )
    target = models.CharField(_("打开后进入"), max_length=20, choices=Target.choices, default=Target.HOME)
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("商品"),
        help_text=_("“打开后进入”选“商品”时必填；商品下架后链接进入店铺首页"),
    )
    qrcode = models.OneToOneField(
        "wechat.ChannelQRCode",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="marketing_channel",
        verbose_name=_("公众号二维码"),
    )
    is_active = models.BooleanField(
        _("启用"), default=True, help_text=_("停用后链接只进入店铺首页，不再计入该渠道")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("渠道")
        verbose_name_plural = _("渠道")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["shop", "code"], name="marketing_channel_code_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        if self.target == self.Target.PRODUCT and not self.product_id:
            raise ValidationError({"product": _("请选择商品。")})
        if self.target != self.Target.PRODUCT:
            self.product = None
        if self.product_id and self.shop_id and self.product and self.product.shop_id != self.shop_id:
            raise ValidationError({"product": _("只能选择本店的商品。")})


class ChannelDayStat(models.Model):
    """One channel's visits on one day (local date), written by the flush job from the cache
    counters. Orders, paying customers and sales are not stored here: they are counted from the
    orders themselves (``Order.channel_code``)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="day_stats", verbose_name=_("渠道")
    )
    day = models.DateField(_("日期"))
    visits = models.PositiveIntegerField(_("访问次数"), default=0)
    visitors = models.PositiveIntegerField(_("访客数"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("渠道每日访问")
        verbose_name_plural = _("渠道每日访问")
        ordering = ["-day", "channel_id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "day"], name="marketing_channel_day_unique")
        ]
        indexes = [models.Index(fields=["shop", "day"], name="marketing_stat_shop_day")]

    def __str__(self) -> str:
        return f"{self.day} · {self.channel_id}"
