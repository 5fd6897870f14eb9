"""The merchant's channels in admin: each with its short link, a printable QR code, the last seven
days' figures in the list and a per-channel, per-day figures page; and the shop's 渠道设置."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import timedelta

import segno
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from core.money import format_yuan
from marketing import links, posters, selectors, services
from marketing.models import Channel, ChannelDayStat, MarketingSettings
from orders.models import Order
from shop.admin_base import OnePerShopAdmin, ShopScopedAdmin, is_operator, user_shop_ids
from shop.models import Shop

RECENT_DAYS = 7
FIGURE_DAYS = (7, 30, 90)
_current_request: ContextVar[HttpRequest | None] = ContextVar("marketing_admin_request", default=None)


def _request() -> HttpRequest | None:
    """The admin request being answered (set by changelist_view / changeform_view)."""
    return _current_request.get()


def _site(request: HttpRequest | None) -> str:
    return links.site_url(request) if request is not None else settings.PUBLIC_URL


def short_link(request: HttpRequest | None, channel: Channel, shop_slug: str) -> str:
    return f"{_site(request)}{links.channel_short_path(shop_slug=shop_slug, code=channel.code)}"


def qr_data(request: HttpRequest | None, channel: Channel, shop_slug: str) -> str:
    """What the channel's printed QR code holds: WeChat's parametric code for an official-account
    channel (once issued), the short link otherwise."""
    if channel.target == Channel.Target.OFFICIAL_ACCOUNT and channel.qrcode and channel.qrcode.url:
        return channel.qrcode.url
    return short_link(request, channel, shop_slug)


class ChannelForm(forms.ModelForm):
    class Meta:
        model = Channel
        fields = ["shop", "name", "kind", "code", "target", "product", "is_active", "note"]

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


@admin.register(Channel)
class ChannelAdmin(ShopScopedAdmin):
    form = ChannelForm
    list_display = ["name", "kind", "lands_on", "link", "qr_download", "visits_recent", "orders_recent",
                    "sales_recent", "is_active", "figures", "shop"]  # fmt: skip
    list_display_links = ["name"]
    list_filter = ["kind", "target", "is_active", "shop"]
    search_fields = ["name", "code", "note"]
    fields = [
        "shop",
        "name",
        "kind",
        "code",
        "target",
        "product",
        "is_active",
        "note",
        "link_and_code",
        "qr_preview",
    ]
    readonly_fields = ["link_and_code", "qr_preview"]
    actions = ["issue_qrcodes"]

    # ---------------------------------------------------------------- list
    def get_queryset(self, request):
        since = timezone.localdate() - timedelta(days=RECENT_DAYS - 1)
        stats = (
            ChannelDayStat.objects.filter(channel=OuterRef("pk"), day__gte=since)
            .order_by()
            .values("channel")
            .annotate(total=Sum("visits"))
            .values("total")[:1]
        )
        orders = Order.objects.filter(
            shop=OuterRef("shop_id"), channel_code=OuterRef("code"),
            created_at__gte=selectors._local_midnight(since),
        ).order_by().values("channel_code")  # fmt: skip
        paid = Q(paid_at__isnull=False)
        return (
            super()
            .get_queryset(request)
            .select_related("shop", "product", "qrcode")
            .annotate(
                recent_visits=Coalesce(Subquery(stats, output_field=IntegerField()), 0),
                recent_orders=Coalesce(
                    Subquery(orders.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0
                ),
                recent_sales=Coalesce(
                    Subquery(
                        orders.annotate(s=Sum(F("paid_fen") - F("refunded_fen"), filter=paid)).values("s")[
                            :1
                        ],
                        output_field=IntegerField(),
                    ),
                    0,
                ),
            )
        )

    @admin.display(description=gettext_lazy("打开后进入"))
    def lands_on(self, channel: Channel) -> str:
        if channel.target == Channel.Target.PRODUCT and channel.product is not None:
            return _("商品：%(t)s") % {"t": channel.product.title}
        return channel.get_target_display()

    @admin.display(description=gettext_lazy("短链接"))
    def link(self, channel: Channel) -> str:
        """The whole address (PUBLIC_URL, else this request's host), ready to paste into a post: one
        click selects it all (admin.css ``.weishop-copy``), 打开 tries it."""
        url = short_link(_request(), channel, channel.shop.slug)
        return format_html(
            '<code class="weishop-copy" title="{}">{}</code> <a href="{}" target="_blank" rel="noopener">{}</a>',
            _("点一下即选中整个链接，复制后粘贴到朋友圈或微信群"), url, url, _("打开"),
        )  # fmt: skip

    @admin.display(description=gettext_lazy("二维码"))
    def qr_download(self, channel: Channel) -> str:
        url = reverse("admin:marketing_channel_qr", args=[channel.pk])
        return format_html('<a href="{}">{}</a>', url, _("下载"))

    @admin.display(description=gettext_lazy("7天访问"), ordering="recent_visits")
    def visits_recent(self, channel: Channel) -> int:
        return channel.recent_visits  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("7天订单"), ordering="recent_orders")
    def orders_recent(self, channel: Channel) -> int:
        return channel.recent_orders  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("7天销售额"), ordering="recent_sales")
    def sales_recent(self, channel: Channel) -> str:
        return format_yuan(channel.recent_sales)  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("每日数据"))
    def figures(self, channel: Channel) -> str:
        url = reverse("admin:marketing_channel_figures")
        return format_html('<a href="{}?channel={}">{}</a>', url, channel.pk, _("查看"))

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        return [f for f in shown if f != "shop"] if self._hides_shop(request) else shown

    def changelist_view(self, request, extra_context=None):
        _current_request.set(request)
        return super().changelist_view(request, extra_context=extra_context)

    # ---------------------------------------------------------------- form
    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "code"] if obj is not None else fields

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None:
            return [f for f in fields if f not in ("link_and_code", "qr_preview")]
        return fields

    @admin.display(description=gettext_lazy("链接"))
    def link_and_code(self, channel: Channel) -> str:
        url = short_link(_request(), channel, channel.shop.slug)
        ch = links.channel_ch_code(shop=channel.shop, code=channel.code)
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a><br>{}<br><code>ch={}</code>',
            url, url, _("发到朋友圈、微信群、微博或广告里的就是这个链接；小程序用下面的签名代码："), ch,
        )  # fmt: skip

    @admin.display(description=gettext_lazy("二维码"))
    def qr_preview(self, channel: Channel) -> str:
        if channel.target == Channel.Target.OFFICIAL_ACCOUNT and not (channel.qrcode and channel.qrcode.url):
            return _("公众号二维码尚未生成：在列表页选择“向微信申请二维码”（需先配置公众号）。")
        svg = segno.make(qr_data(_request(), channel, channel.shop.slug), error="m").svg_inline(scale=4)
        download = reverse("admin:marketing_channel_qr", args=[channel.pk])
        return format_html('{}<p><a href="{}">{}</a></p>', mark_safe(svg), download, _("下载可打印的二维码"))  # noqa: S308 (our own SVG)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        _current_request.set(request)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change: bool) -> None:
        if not is_operator(request):
            shop_ids = user_shop_ids(request)
            if obj.shop_id not in shop_ids:
                obj.shop_id = shop_ids[0]
        services.channel_save(channel=obj)
        if obj.target == Channel.Target.OFFICIAL_ACCOUNT and obj.qrcode and not obj.qrcode.url:
            # admin's save is one transaction: ask WeChat only once it has committed
            transaction.on_commit(lambda: self._issue(request, obj))

    def _issue(self, request: HttpRequest, channel: Channel) -> None:
        try:
            services.channel_qrcode_issue(channel=channel)
        except ApplicationError as exc:
            message = _("%(c)s：公众号二维码未生成：%(m)s") % {"c": channel.name, "m": exc.message}
            self.message_user(request, message, messages.WARNING)
        else:
            self.message_user(
                request, _("%(c)s：公众号二维码已生成。") % {"c": channel.name}, messages.SUCCESS
            )

    @admin.action(description=gettext_lazy("向微信申请二维码（公众号渠道）"))
    def issue_qrcodes(self, request: HttpRequest, queryset) -> None:
        for channel in queryset.filter(target=Channel.Target.OFFICIAL_ACCOUNT):
            if channel.qrcode is None:
                services.channel_save(channel=channel)  # makes its QR code row
            self._issue(request, channel)

    # ---------------------------------------------------------------- extra pages
    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("figures/", wrap(self.figures_view), name="marketing_channel_figures"),
            path("<int:pk>/qr.png", wrap(self.qr_view), name="marketing_channel_qr"),
            *super().get_urls(),
        ]

    def _channel(self, request: HttpRequest, pk: int) -> Channel:
        channel = self.get_queryset(request).filter(pk=pk).first()
        if channel is None or not self.has_view_permission(request, channel):
            raise Http404
        return channel

    def qr_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A printable PNG: the channel's QR code with its name and the shop's under it."""
        channel = self._channel(request, pk)
        caption = f"{channel.shop.name} · {channel.get_kind_display()}"
        png = posters.qr_card_png(data=qr_data(request, channel, channel.shop.slug), title=channel.name,
                                  caption=caption)  # fmt: skip
        response = HttpResponse(png, content_type="image/png")
        response["Content-Disposition"] = f'attachment; filename="channel-{channel.code}.png"'
        return response

    def figures_view(self, request: HttpRequest) -> HttpResponse:
        """Per channel and day: visits, visitors, orders, paying customers, sales."""
        if not self.has_view_permission(request):
            raise Http404
        shop_ids = (
            list(Shop.objects.values_list("pk", flat=True))
            if is_operator(request)
            else user_shop_ids(request)
        )
        days = int(request.GET["days"]) if request.GET.get("days") in {str(d) for d in FIGURE_DAYS} else 7
        channel = None
        if (raw := request.GET.get("channel", "")).isascii() and raw.isdigit() and len(raw) < 19:
            channel = Channel.objects.filter(shop_id__in=shop_ids, pk=int(raw)).first()
            if channel is None:
                return redirect(reverse("admin:marketing_channel_figures"))
        until = timezone.localdate()
        since = until - timedelta(days=days - 1)
        figures = selectors.channel_day_figures(
            shop_ids=shop_ids, since=since, until=until, channel_id=channel.pk if channel else None
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("渠道数据 · %(c)s") % {"c": channel.name} if channel else _("渠道数据"),
            "opts": self.model._meta,
            "figures": figures,
            "total": selectors.figures_total(figures),
            "channel": channel,
            "days": days,
            "day_choices": FIGURE_DAYS,
            "since": since,
            "until": until,
            "channels": list(
                Channel.objects.filter(shop_id__in=shop_ids).order_by("name").values("pk", "name")
            ),
        }
        return TemplateResponse(request, "admin/marketing/channel/figures.html", context)


class MarketingSettingsForm(forms.ModelForm):
    class Meta:
        model = MarketingSettings
        fields = ["shop", "attribution_window_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["attribution_window_days"]
        cap = selectors.longest_window_days()
        field.help_text = f"{field.help_text}" + _("（平台目前最长 %(n)d 天）") % {"n": cap}
        field.widget.attrs["max"] = cap


@admin.register(MarketingSettings)
class MarketingSettingsAdmin(OnePerShopAdmin):
    form = MarketingSettingsForm
    list_display = ["shop", "attribution_window_days"]

    def save_model(self, request, obj, form, change: bool) -> None:
        if not is_operator(request):
            shop_ids = user_shop_ids(request)
            if obj.shop_id not in shop_ids:
                obj.shop_id = shop_ids[0]
        services.marketing_settings_save(settings=obj)
