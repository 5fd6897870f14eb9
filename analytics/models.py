"""analytics' rolled-up daily figures (docs/analytics.md).

Three tables of one day each (local date, Asia/Shanghai), written only by the rollup job
(``services.figures_rollup``) and the backfill command, never on the request path:

- ``DailyFigure``: the shop's day (visitors counted once whatever their channel);
- ``ChannelDailyFigure``: the shop's day per channel (``channel_code`` as orders record it, ""
  for visits and orders that came through no channel);
- ``ProductDailyFigure``: the shop's day per product (views, add-to-cart, what was paid for).

Visit figures (visitors, views, add-to-cart) come from the cache counters; a row's number never
goes down (a cache that lost its counters leaves what was flushed). Order figures are recomputed
from the orders themselves: orders placed (by the day placed), paying customers and paid amounts
(by the day paid), refunds (by the day refunded).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import MoneyField
from shop.models import Shop

VISIT_FIELDS = ("visitors", "page_views", "product_visitors", "product_views", "cart_visitors", "cart_adds")
ORDER_FIELDS = ("orders", "buyers", "order_fen", "paid_orders", "payers", "paid_fen", "refunds", "refund_fen")


class Figures(models.Model):
    """The figures every daily row has (abstract)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    day = models.DateField(_("日期"))
    visitors = models.PositiveIntegerField(_("访客数"), default=0)
    page_views = models.PositiveIntegerField(_("浏览量"), default=0)
    product_visitors = models.PositiveIntegerField(_("商品访客数"), default=0)
    product_views = models.PositiveIntegerField(_("商品浏览量"), default=0)
    cart_visitors = models.PositiveIntegerField(_("加购人数"), default=0)
    cart_adds = models.PositiveIntegerField(_("加购次数"), default=0)
    orders = models.PositiveIntegerField(_("下单笔数"), default=0)
    buyers = models.PositiveIntegerField(_("下单人数"), default=0)
    order_fen = MoneyField(_("下单金额"), default=0)
    paid_orders = models.PositiveIntegerField(_("支付订单数"), default=0)
    payers = models.PositiveIntegerField(_("付款人数"), default=0)
    paid_fen = MoneyField(_("支付金额"), default=0)
    refunds = models.PositiveIntegerField(_("退款笔数"), default=0)
    refund_fen = MoneyField(_("退款金额"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

    @property
    def sales_fen(self) -> int:
        return int(self.paid_fen) - int(self.refund_fen)


class DailyFigure(Figures):
    class Meta:
        verbose_name = _("每日经营数据")
        verbose_name_plural = _("每日经营数据")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["shop", "day"], name="analytics_daily_shop_day")]
        indexes = [models.Index(fields=["day"], name="analytics_daily_day")]  # the job: one day, every shop

    def __str__(self) -> str:
        return f"{self.day} · {self.shop_id}"


class ChannelDailyFigure(Figures):
    channel_code = models.CharField(_("来源渠道"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("渠道每日经营数据")
        verbose_name_plural = _("渠道每日经营数据")
        ordering = ["-day", "channel_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "day", "channel_code"], name="analytics_channel_shop_day_code"
            )
        ]
        indexes = [models.Index(fields=["day"], name="analytics_channel_day")]

    def __str__(self) -> str:
        return f"{self.day} · {self.shop_id} · {self.channel_code or '-'}"


class ProductDailyFigure(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    day = models.DateField(_("日期"))
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("商品")
    )
    views = models.PositiveIntegerField(_("浏览量"), default=0)
    cart_adds = models.PositiveIntegerField(_("加购次数"), default=0)
    paid_units = models.PositiveIntegerField(_("支付件数"), default=0)
    paid_fen = MoneyField(_("支付金额"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("商品每日经营数据")
        verbose_name_plural = _("商品每日经营数据")
        ordering = ["-day", "product_id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "day", "product"], name="analytics_product_shop_day")
        ]
        indexes = [models.Index(fields=["day"], name="analytics_product_day")]

    def __str__(self) -> str:
        return f"{self.day} · {self.product_id}"
