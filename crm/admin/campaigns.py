"""crm's campaigns admin (the merchant back office): the push budget (营销消息设置), campaigns
(write a draft → preview: who receives it and who is skipped and why → 立即发送 / 定时发送, or
cancel before it sends) and each campaign's results (every customer's delivery, with counts)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Product
from core.errors import ApplicationError
from crm.models.campaigns import Campaign, CampaignDelivery, CampaignSettings
from crm.selectors import campaigns as selectors
from crm.services import campaigns as services
from promotions.models import Coupon
from shop.admin_base import OnePerShopAdmin, ShopScopedAdmin, is_operator, user_shop_ids
from wechat.models import masked_openid

C = Campaign.Status
RESULTS_PAGE_SIZE = 100


@admin.register(CampaignSettings)
class CampaignSettingsAdmin(OnePerShopAdmin):
    list_display = ["__str__", "min_days_between"]
    fields = ["shop", "min_days_between"]


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["shop", "name", "text", "link_kind", "product", "coupon", "page", "segment", "send_at"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4, "maxlength": 300})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "segment" in self.fields:
            self.fields["segment"].required = True
            self.fields["segment"].help_text = gettext_lazy(
                "在“客户分群”里保存的筛选条件；发送时按当时的条件取人，预览页显示会收到和被跳过的人数。"
            )
        if "product" in self.fields:
            self.fields["product"].help_text = gettext_lazy("附带链接选“商品”时填写：只能选在售商品。")
        if "coupon" in self.fields:
            self.fields["coupon"].help_text = gettext_lazy(
                "附带链接选“优惠券”时填写：只能选顾客可自己领取的券。"
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        send_at = data.get("send_at")
        if send_at is not None and send_at <= timezone.now():
            self.add_error("send_at", _("定时发送的时间已过，请选择以后的时间，或留空立即发送。"))
        if self.instance.shop_id or data.get("shop"):
            probe = Campaign(
                shop_id=(data["shop"].pk if data.get("shop") else self.instance.shop_id),
                link_kind=data.get("link_kind") or Campaign.LinkKind.NONE,
                product=data.get("product"), coupon=data.get("coupon"), page=data.get("page") or "",
            )  # fmt: skip
            needed: dict[str, str] = {
                Campaign.LinkKind.PRODUCT: "product",
                Campaign.LinkKind.COUPON: "coupon",
            }
            field = needed.get(probe.link_kind)
            if (
                field
                and data.get(field) is not None
                and (problem := services.link_problem(campaign=probe, now=timezone.now()))
            ):
                self.add_error(field, problem)
        return data


@admin.register(Campaign)
class CampaignAdmin(ShopScopedAdmin):
    form = CampaignForm
    list_display = ["name", "segment", "status", "send_time", "outcome", "links", "created_at"]
    list_filter = ["status", "shop"]
    search_fields = ["name", "text"]
    list_select_related = ["segment"]
    fieldsets = [
        (None, {"fields": ["shop", "name", "text"]}),
        (gettext_lazy("附带链接"), {"fields": ["link_kind", "product", "coupon", "page"]}),
        (gettext_lazy("发送"), {"fields": ["segment", "send_at", "status", "due_at"]}),
    ]
    readonly_fields = ["status", "due_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        return selectors.campaigns_with_counts(super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "product" and field is not None:
            field.queryset = field.queryset.filter(status=Product.Status.ON_SALE)
        if db_field.name == "coupon" and field is not None:
            field.queryset = field.queryset.filter(
                distribution=Coupon.Distribution.PUBLIC, claim_ends_at__gt=timezone.now()
            )
        return field

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """A draft is edited; a campaign confirmed (or cancelled) is only read."""
        return super().has_change_permission(request, obj) and (obj is None or obj.is_editable)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Drafts and cancelled campaigns may go; a sent one keeps its results."""
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.status in (C.DRAFT, C.CANCELLED))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        super().delete_queryset(request, queryset.filter(status__in=[C.DRAFT, C.CANCELLED]))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not is_operator(request):
            shop_ids = user_shop_ids(request)
            if obj.shop_id not in shop_ids:
                obj.shop_id = shop_ids[0]
        services.campaign_save(campaign=obj)  # keeps only the chosen link's target

    @admin.display(description=gettext_lazy("发送时间"), ordering="send_at")
    def send_time(self, campaign: Campaign) -> str:
        at = campaign.started_at or campaign.due_at or campaign.send_at
        if at is None:
            return _("确认后立即发送")
        return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=gettext_lazy("已发送 / 名单"))
    def outcome(self, campaign: Campaign) -> str:
        total = getattr(campaign, "deliveries_n", 0)
        return f"{getattr(campaign, 'delivered_n', 0)} / {total}" if total else "—"

    @admin.display(description=gettext_lazy("操作"))
    def links(self, campaign: Campaign) -> str:
        if campaign.status in (C.DRAFT, C.SCHEDULED):
            return format_html('<a href="{}">{}</a>', reverse("admin:crm_campaign_preview", args=[campaign.pk]),
                               _("预览并发送") if campaign.status == C.DRAFT else _("预览 / 取消"))  # fmt: skip
        if campaign.status == C.CANCELLED:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:crm_campaign_results", args=[campaign.pk]), _("发送结果")
        )

    # ---------------------------------------------------------------- after saving: the preview

    def _next_page(self, request: HttpRequest, obj: Campaign) -> HttpResponse | None:
        if "_continue" in request.POST or "_addanother" in request.POST:
            return None
        return HttpResponseRedirect(reverse("admin:crm_campaign_preview", args=[obj.pk]))

    def response_add(
        self, request: HttpRequest, obj: Campaign, post_url_continue: str | None = None
    ) -> HttpResponse:
        return self._next_page(request, obj) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: Campaign) -> HttpResponse:
        return self._next_page(request, obj) or super().response_change(request, obj)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        extra = {**(extra_context or {})}
        if obj is not None:
            extra["campaign_links"] = self._page_links(obj)
        return super().change_view(request, object_id, form_url, extra)

    def _page_links(self, campaign: Campaign) -> list[tuple[str, str]]:
        links = []
        if campaign.status in (C.DRAFT, C.SCHEDULED):
            label = _("预览并发送") if campaign.status == C.DRAFT else _("预览 / 取消")
            links.append((reverse("admin:crm_campaign_preview", args=[campaign.pk]), label))
        if campaign.status in (C.SENDING, C.SENT):
            links.append((reverse("admin:crm_campaign_results", args=[campaign.pk]), _("发送结果")))
        return links

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/preview/", view(self.preview_view), name="crm_campaign_preview"),
            path("<path:object_id>/results/", view(self.results_view), name="crm_campaign_results"),
            *super().get_urls(),
        ]

    def _campaign(self, request: HttpRequest, object_id: str) -> Campaign:
        campaign = self.get_object(request, unquote(object_id))
        if campaign is None:
            raise Http404(_("没有这个营销活动。"))
        if not self.has_view_permission(request, campaign):
            raise PermissionDenied
        return campaign

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Who would receive it now, who is skipped and why, the message as a follower reads it;
        POST ``send`` confirms (now or at its time), ``cancel`` cancels."""
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        campaign = self._campaign(request, object_id)
        if request.method == "POST":
            action = request.POST.get("action", "")
            try:
                if action == "send":
                    campaign = services.campaign_schedule(
                        shop=campaign.shop_id, campaign_id=campaign.pk, actor=request.user
                    )
                    when = (
                        timezone.localtime(campaign.due_at).strftime("%Y-%m-%d %H:%M")
                        if campaign.due_at
                        else ""
                    )
                    self.message_user(
                        request, _("已确认发送：%(when)s 开始发送。") % {"when": when}, messages.SUCCESS
                    )
                elif action == "cancel":
                    services.campaign_cancel(shop=campaign.shop_id, campaign_id=campaign.pk)
                    self.message_user(request, _("活动已取消，不会发送。"), messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:crm_campaign_changelist"))
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:crm_campaign_preview", args=[campaign.pk]))
        if campaign.status in (C.SENDING, C.SENT):
            return HttpResponseRedirect(reverse("admin:crm_campaign_results", args=[campaign.pk]))
        now = timezone.now()
        preview = selectors.preview_counts(campaign=campaign, now=now)
        sample = services.campaign_message_text(
            campaign=campaign,
            shop_slug=campaign.shop.slug,
            token="TOKEN",  # noqa: S106 (a placeholder)
        )
        sample = sample.replace("/TOKEN/", "/" + _("（每位顾客各自的退订口令）") + "/")
        starts = services.quiet_hours_end(campaign.send_at or now)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("预览：%(name)s") % {"name": campaign.name},
            "campaign": campaign,
            "preview": preview,
            "sample": sample,
            "starts_at": starts,
            "delayed_by_quiet_hours": starts != (campaign.send_at or now),
            "days": selectors.min_days_between(shop_id=campaign.shop_id),
            "link_problem": services.link_problem(campaign=campaign, now=now),
            "can_edit": campaign.is_editable,
        }
        return TemplateResponse(request, "admin/crm/campaign/preview.html", context)

    def results_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Counts by status, then every customer's delivery (paginated, filtered by status)."""
        campaign = self._campaign(request, object_id)
        status = request.GET.get("status", "")
        status = status if status in CampaignDelivery.Status.values else ""
        page = Paginator(selectors.campaign_deliveries(campaign=campaign, status=status), RESULTS_PAGE_SIZE)
        number = request.GET.get("page", "1")
        current = page.get_page(number if number.isascii() and number.isdigit() else 1)
        rows = [
            {
                "customer": _customer(delivery),
                "channel": delivery.get_channel_display() if delivery.channel else "—",
                "status": delivery.status,
                "outcome": delivery.outcome,
                "detail": delivery.detail,
                "sent_at": delivery.sent_at,
            }
            for delivery in current.object_list
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("发送结果：%(name)s") % {"name": campaign.name},
            "campaign": campaign,
            "results": selectors.campaign_results(campaign=campaign),
            "rows": rows,
            "page": current,
            "status": status,
        }
        return TemplateResponse(request, "admin/crm/campaign/results.html", context)


def _customer(delivery: CampaignDelivery) -> str:
    profile = delivery.profile
    user = profile.user
    if user is not None and user.nickname:
        return f"{user.nickname}（{profile}）"
    if profile.oa_openid:
        return _("粉丝 %(o)s（%(p)s）") % {"o": masked_openid(profile.oa_openid), "p": profile}
    return str(profile)
