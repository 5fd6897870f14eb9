"""crm's profiles admin (the merchant back office): 客户 — the customer list with its filters
(each one a condition of ``crm.segments``), bulk tags, 保存为分群 and a masked CSV; 客户分群 — a
saved filter's conditions in words, its live size, its customers and its CSV; 客户标签 with their
counts; 渠道自动标签 — the tags a channel gives whoever arrives through it.

Figures are read-only (order events and the rebuild keep them); only tags are edited by hand."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Category
from core.csv_export import csv_response
from core.errors import ApplicationError
from core.masking import mask_phone
from core.money import format_yuan
from crm import segments
from crm.models.members import MemberLevel
from crm.models.profiles import ChannelTagRule, CustomerProfile, Segment, Tag
from crm.selectors.profiles import (
    export_header,
    profiles_annotate_names,
    profiles_export_rows,
    profiles_for_list,
    segment_sizes,
)
from crm.services import profiles as services
from shop.admin_base import ShopScopedAdmin, is_operator, user_shop_ids
from shop.models import Shop


def _shop_ids(request: HttpRequest) -> list[int] | None:
    """The shops whose customers the user sees (None: every shop, for the operator)."""
    return None if is_operator(request) else user_shop_ids(request)


def _scoped(queryset: QuerySet[Any], request: HttpRequest, lookup: str = "shop_id__in") -> QuerySet[Any]:
    ids = _shop_ids(request)
    return queryset if ids is None else queryset.filter(**{lookup: ids})


# ---------------------------------------------------------------- the list's filters


class ConditionFilter(admin.SimpleListFilter):
    """One condition of ``crm.segments`` in the sidebar. It only offers choices: the list applies
    every condition at once, through ``segments.profile_conditions`` (``get_search_results``)."""

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset


class NumberFilter(ConditionFilter):
    """A condition that takes a number: a few ready choices and a box to type one."""

    template = "admin/crm/number_filter.html"
    unit: Any = ""
    presets: list[tuple[str, Any]] = []

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in self.presets]

    def choices(self, changelist: Any) -> Any:
        # the box keeps every other condition of the list (hidden inputs of the form)
        self.other_params = [
            (name, value)
            for name, value in changelist.params.items()
            if name != self.parameter_name and name not in ("p", "e")
        ]
        self.current = self.value() or ""
        yield from super().choices(changelist)


class SpentFilter(NumberFilter):
    title = gettext_lazy("累计消费满（元）")
    parameter_name = "spent"
    unit = gettext_lazy("元")
    presets = [
        ("100", gettext_lazy("满 ¥100")),
        ("500", gettext_lazy("满 ¥500")),
        ("1000", gettext_lazy("满 ¥1000")),
    ]


class InactiveFilter(NumberFilter):
    title = gettext_lazy("多少天未下单")
    parameter_name = "inactive_days"
    unit = gettext_lazy("天")
    presets = [
        ("30", gettext_lazy("30 天未下单")),
        ("90", gettext_lazy("90 天未下单")),
        ("180", gettext_lazy("180 天未下单")),
    ]


class OrdersFilter(NumberFilter):
    title = gettext_lazy("订单数至少")
    parameter_name = "min_orders"
    unit = gettext_lazy("单")
    presets = [
        ("1", gettext_lazy("下过单")),
        ("2", gettext_lazy("回头客（2 单以上）")),
        ("5", gettext_lazy("5 单以上")),
    ]


class CategoryFilter(ConditionFilter):
    title = gettext_lazy("购买过分类")
    parameter_name = "category"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        categories = _scoped(Category.objects.select_related("parent"), request)
        return [(str(c.pk), str(c)) for c in categories.order_by("shop_id", "parent_id", "position", "pk")]


class ChannelFilter(ConditionFilter):
    title = gettext_lazy("来源渠道")
    parameter_name = "channel"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        from marketing.models import Channel

        rows = _scoped(Channel.objects.order_by("shop_id", "name"), request).values_list("code", "name")
        return list(dict((code, f"{name}（{code}）") for code, name in rows).items())


class ProvinceFilter(ConditionFilter):
    title = gettext_lazy("省份")
    parameter_name = "province"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        rows = _scoped(CustomerProfile.objects.exclude(province=""), request)
        names = rows.order_by("province").values_list("province", flat=True).distinct()
        return [(name, name) for name in names]


class LevelFilter(ConditionFilter):
    title = gettext_lazy("会员等级")
    parameter_name = "level"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        levels = _scoped(MemberLevel.objects.order_by("shop_id", "threshold_fen"), request)
        return [(str(pk), name) for pk, name in levels.values_list("pk", "name")]


class TagFilter(ConditionFilter):
    title = gettext_lazy("标签")
    parameter_name = "tag"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        tags = _scoped(Tag.objects.order_by("name"), request)
        return [(str(pk), name) for pk, name in tags.values_list("pk", "name")]


class FollowerFilter(ConditionFilter):
    title = gettext_lazy("已关注公众号")
    parameter_name = "follower"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("1", _("已关注")), ("0", _("未关注"))]


class ShopFilter(admin.SimpleListFilter):
    """The shop, for someone who sees several (a one-shop merchant never sees it)."""

    title = gettext_lazy("店铺")
    parameter_name = "shop"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        shops = _scoped(Shop.objects.order_by("pk"), request, "pk__in")
        rows = [(str(pk), name) for pk, name in shops.values_list("pk", "name")]
        return rows if len(rows) > 1 else []

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit() and len(value) < 19:
            return queryset.filter(shop_id=int(value))
        return queryset


CONDITION_FILTERS: list[type[admin.SimpleListFilter]] = [
    SpentFilter,
    InactiveFilter,
    OrdersFilter,
    CategoryFilter,
    ChannelFilter,
    ProvinceFilter,
    LevelFilter,
    TagFilter,
    FollowerFilter,
]


def _list_filters(request: HttpRequest) -> dict[str, Any]:
    """The list's conditions as a checked ``crm.segments`` filter (cached on the request)."""
    if not hasattr(request, "_crm_filters"):
        parsed = segments.filters_from_params(request.GET)
        request._crm_filters = segments.filters_clean(filters=parsed, shop_ids=_shop_ids(request))  # type: ignore[attr-defined]
    return request._crm_filters  # type: ignore[attr-defined, no-any-return]


def _bad_params(request: HttpRequest) -> list[tuple[str, str]]:
    """(parameter, message) of each condition of the query string that is refused."""
    bad = []
    for param in segments.PARAMS.values():
        if not request.GET.get(param, "").strip():
            continue
        try:
            one = segments.filters_from_params({param: request.GET[param]})
            segments.filters_clean(filters=one, shop_ids=_shop_ids(request))
        except ApplicationError as exc:
            bad.append((param, exc.message))
    return bad


def _selected_shop(request: HttpRequest) -> int | None:
    """The shop the list shows: the 店铺 filter's, or the merchant's only one."""
    value = request.GET.get("shop", "")
    ids = _shop_ids(request)
    if value.isdigit() and len(value) < 19 and (ids is None or int(value) in ids):
        return int(value)
    return ids[0] if ids is not None and len(ids) == 1 else None


# ---------------------------------------------------------------- 客户


class ProfileChangeList(ChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        page = list(self.result_list)
        profiles_annotate_names(page)  # the page's names in two queries at most
        for profile in page:
            profile._in_list = True  # type: ignore[attr-defined]


class TagChoiceForm(forms.Form):
    """The tag of a bulk 添加标签 / 移除标签: one of the shop's, or (adding) a new one by name."""

    tag = forms.ModelChoiceField(label=gettext_lazy("标签"), queryset=Tag.objects.none(), required=False)
    new_tag = forms.CharField(
        label=gettext_lazy("或新建标签"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("最多 20 个字"),
    )
    shop = forms.ModelChoiceField(
        label=gettext_lazy("新标签所属店铺"), queryset=Shop.objects.none(), required=False
    )

    def __init__(self, *args: Any, tags: QuerySet[Tag], shops: QuerySet[Shop], adding: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        tag_field = cast(forms.ModelChoiceField, self.fields["tag"])
        tag_field.queryset = tags
        tag_field.empty_label = _("请选择")
        cast(forms.ModelChoiceField, self.fields["shop"]).queryset = shops
        self.adding = adding
        if not adding:
            del self.fields["new_tag"], self.fields["shop"]
            self.fields["tag"].required = True
        elif shops.count() <= 1:
            del self.fields["shop"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.adding and not data.get("tag") and not (data.get("new_tag") or "").strip():
            raise forms.ValidationError(_("请选择一个标签，或填写新标签名。"))
        if self.adding and "shop" in self.fields and not data.get("tag") and not data.get("shop"):
            self.add_error("shop", _("请选择新标签所属的店铺。"))
        return data


class SaveSegmentForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("分群名称"), max_length=32, help_text=gettext_lazy("最多 32 个字")
    )
    replace = forms.BooleanField(label=gettext_lazy("覆盖同名分群"), required=False)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = CustomerProfile
        fields = ["tags"]


@admin.register(CustomerProfile)
class CustomerProfileAdmin(ShopScopedAdmin):
    form = ProfileForm
    list_display = [
        "customer",
        "phone",
        "first_channel",
        "referrer",
        "follows",
        "orders",
        "spent",
        "average_order",
        "last_order",
        "level",
        "points",
        "tag_list",
        "province",
    ]
    list_display_links = ["customer"]
    empty_value_display = "—"
    show_facets = admin.ShowFacets.NEVER  # the conditions are applied together, not one filter at a time
    list_filter = [ShopFilter, *CONDITION_FILTERS]
    search_fields = ["user__nickname", "=user__phone", "=oa_openid"]
    search_help_text = gettext_lazy("按昵称、完整手机号或 OpenID 搜索")
    list_per_page = 50
    actions = ["tag_add", "tag_remove", "export_csv"]
    filter_horizontal = ["tags"]
    fieldsets = [
        (None, {"fields": ["customer", "phone", "oa_openid", "first_seen_at", "first_channel", "referrer"]}),
        (
            gettext_lazy("公众号"),
            {
                "fields": [
                    "is_follower",
                    "followed_at",
                    "unfollowed_at",
                    "marketing_opt_out_at",
                    "last_marketing_at",
                ]
            },
        ),
        (
            gettext_lazy("消费（按订单自动计算）"),
            {
                "fields": [
                    "orders_count",
                    "spent",
                    "average_order",
                    "first_order_at",
                    "last_order_at",
                    "province",
                    "recent_orders",
                ]
            },
        ),
        (gettext_lazy("会员"), {"fields": ["level", "points_available", "points_frozen"]}),
        (gettext_lazy("标签"), {"fields": ["tags"]}),
    ]
    readonly_fields = [
        "customer",
        "phone",
        "oa_openid",
        "first_seen_at",
        "first_channel",
        "referrer",
        "is_follower",
        "followed_at",
        "unfollowed_at",
        "marketing_opt_out_at",
        "last_marketing_at",
        "orders_count",
        "spent",
        "average_order",
        "first_order_at",
        "last_order_at",
        "province",
        "recent_orders",
        "level",
        "points_available",
        "points_frozen",
    ]

    # profiles come from what shoppers do; a shopper's data is deleted through privacy, not here
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[CustomerProfile]:
        return profiles_for_list(super().get_queryset(request))

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return ProfileChangeList

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> Any:
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.filter(segments.profile_conditions(_list_filters(request))), duplicates

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and "tags" in form.base_fields:
            form.base_fields["tags"].queryset = Tag.objects.filter(shop_id=obj.shop_id).order_by("name")
        return form

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        if request.method == "GET":
            bad = _bad_params(request)
            if bad:  # say why, and show the list with the other conditions kept
                for _param, message in bad:
                    self.message_user(request, message, messages.ERROR)
                kept = request.GET.copy()
                for param, _message in bad:
                    kept.pop(param, None)
                return HttpResponseRedirect(f"{request.path}?{kept.urlencode()}" if kept else request.path)
        context = {
            "save_segment_url": reverse("admin:crm_customerprofile_save_segment")
            + (f"?{request.GET.urlencode()}" if request.GET else ""),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("save-segment/", wrap(self.save_segment_view), name="crm_customerprofile_save_segment"),
            *super().get_urls(),
        ]

    # ------------------------------------------------------------ columns

    @admin.display(description=gettext_lazy("顾客"), ordering="user__nickname")
    def customer(self, profile: CustomerProfile) -> str:
        return str(profile)

    @admin.display(description=gettext_lazy("手机号"))
    def phone(self, profile: CustomerProfile) -> str:
        return (mask_phone(profile.user.phone) if profile.user_id and profile.user else "") or "—"

    @admin.display(description=gettext_lazy("首次来源"), ordering="first_channel_code")
    def first_channel(self, profile: CustomerProfile) -> str:
        """The channel's name in the list (宝妈群), with its code on the customer's page."""
        if not hasattr(profile, "channel_name"):
            profiles_annotate_names([profile])
        shown = getattr(
            profile, "channel_short" if getattr(profile, "_in_list", False) else "channel_name", ""
        )
        return shown or "—"

    @admin.display(description=gettext_lazy("推荐人"))
    def referrer(self, profile: CustomerProfile) -> str:
        if not hasattr(profile, "referrer_name"):
            profiles_annotate_names([profile])
        return getattr(profile, "referrer_name", "") or "—"

    @admin.display(description=gettext_lazy("已关注"), boolean=True, ordering="is_follower")
    def follows(self, profile: CustomerProfile) -> bool:
        return profile.is_follower

    @admin.display(description=gettext_lazy("订单数"), ordering="orders_count")
    def orders(self, profile: CustomerProfile) -> int:
        return profile.orders_count

    @admin.display(description=gettext_lazy("积分"), ordering="points_available")
    def points(self, profile: CustomerProfile) -> int:
        return profile.points_available

    @admin.display(description=gettext_lazy("最近下单"), ordering="last_order_at")
    def last_order(self, profile: CustomerProfile) -> str:
        return (
            timezone.localtime(profile.last_order_at).strftime("%Y-%m-%d") if profile.last_order_at else "—"
        )

    @admin.display(description=gettext_lazy("累计消费"), ordering="spent_fen")
    def spent(self, profile: CustomerProfile) -> str:
        return format_yuan(profile.spent_fen)

    @admin.display(description=gettext_lazy("客单价"))
    def average_order(self, profile: CustomerProfile) -> str:
        return format_yuan(profile.average_order_fen) if profile.orders_count else "—"

    @admin.display(description=gettext_lazy("标签"))
    def tag_list(self, profile: CustomerProfile) -> str:
        return "、".join(tag.name for tag in profile.tags.all()) or "—"

    @admin.display(description=gettext_lazy("最近订单"))
    def recent_orders(self, profile: CustomerProfile) -> str:
        from orders.models import Order

        if not profile.user_id:
            return "—"
        orders = Order.objects.filter(shop_id=profile.shop_id, user_id=profile.user_id).order_by(
            "-created_at"
        )[:5]
        rows = [
            (
                reverse("admin:orders_order_change", args=[o.pk]),
                o.order_no,
                o.get_status_display(),
                format_yuan(o.total_fen),
                timezone.localtime(o.created_at).strftime("%Y-%m-%d %H:%M"),
            )
            for o in orders
        ]
        if not rows:
            return "—"
        return format_html(
            '<ul class="weishop-recent-orders">{}</ul>',
            format_html_join("", '<li><a href="{}">{}</a> {} {} · {}</li>', rows),
        )

    # ------------------------------------------------------------ bulk tags and export

    def _tag_page(self, request: HttpRequest, queryset: QuerySet[CustomerProfile], *, adding: bool) -> Any:
        shop_ids = sorted(set(queryset.values_list("shop_id", flat=True)))
        tags = Tag.objects.filter(shop_id__in=shop_ids).select_related("shop").order_by("shop_id", "name")
        shops = Shop.objects.filter(pk__in=shop_ids).order_by("pk")
        form = TagChoiceForm(
            request.POST if "apply" in request.POST else None, tags=tags, shops=shops, adding=adding
        )
        if "apply" in request.POST and form.is_valid():
            try:
                tag = form.cleaned_data.get("tag")
                if tag is None:
                    shop_id = form.cleaned_data["shop"].pk if form.cleaned_data.get("shop") else shop_ids[0]
                    tag = services.tag_get_or_create(shop_id=shop_id, name=form.cleaned_data["new_tag"])
                ids = list(queryset.values_list("pk", flat=True))
                changed = services.profiles_tag(
                    shop_id=tag.shop_id, tag_id=tag.pk, profile_ids=ids, add=adding
                )
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return None
            done = (
                _("已为 %(n)d 位顾客添加标签“%(tag)s”。")
                if adding
                else _("已为 %(n)d 位顾客移除标签“%(tag)s”。")
            )
            self.message_user(request, done % {"n": changed, "tag": tag.name}, messages.SUCCESS)
            other = queryset.exclude(shop_id=tag.shop_id).count()
            if other:
                self.message_user(
                    request,
                    _("另有 %(n)d 位顾客不属于该标签的店铺，未改动。") % {"n": other},
                    messages.WARNING,
                )
            return None
        count = queryset.count()
        context = {
            **self.admin_site.each_context(request),
            "title": _("批量添加标签") if adding else _("批量移除标签"),
            "form": form,
            "opts": self.model._meta,
            "count": count,
            "profiles": profiles_for_list(queryset)[:20],
            "more": max(count - 20, 0),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action": "tag_add" if adding else "tag_remove",
            "submit_label": _("添加") if adding else _("移除"),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/crm/customerprofile/tag_action.html", context)

    @admin.action(description=gettext_lazy("添加标签"))
    def tag_add(self, request: HttpRequest, queryset: QuerySet[CustomerProfile]) -> Any:
        return self._tag_page(request, queryset, adding=True)

    @admin.action(description=gettext_lazy("移除标签"))
    def tag_remove(self, request: HttpRequest, queryset: QuerySet[CustomerProfile]) -> Any:
        return self._tag_page(request, queryset, adding=False)

    @admin.action(description=gettext_lazy("导出 CSV（手机号已隐藏）"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet[CustomerProfile]) -> HttpResponse:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return csv_response(
            filename=f"customers-{stamp}.csv", header=export_header(), rows=profiles_export_rows(queryset)
        )

    # ------------------------------------------------------------ 保存为分群

    def save_segment_view(self, request: HttpRequest) -> Any:
        if not self.has_view_permission(request):
            raise PermissionDenied
        bad = _bad_params(request)
        if bad:
            for _param, message in bad:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:crm_customerprofile_changelist"))
        filters = _list_filters(request)
        shop_id = _selected_shop(request)
        list_url = reverse("admin:crm_customerprofile_changelist") + (
            f"?{request.GET.urlencode()}" if request.GET else ""
        )
        if shop_id is None:
            self.message_user(request, _("请先在右侧“店铺”中选择一个店铺，再保存为分群。"), messages.WARNING)
            return HttpResponseRedirect(list_url)
        form = SaveSegmentForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                segment = services.segment_save(
                    shop_id=shop_id,
                    name=form.cleaned_data["name"],
                    filters=filters,
                    replace=form.cleaned_data["replace"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request, _("已保存分群“%(name)s”。") % {"name": segment.name}, messages.SUCCESS
                )
                return HttpResponseRedirect(reverse("admin:crm_segment_change", args=[segment.pk]))
        names = segments.filter_names([(shop_id, filters)])
        try:
            size: int | None = segments.profiles_matching(shop=Shop(pk=shop_id), filters=filters).count()
        except ApplicationError as exc:  # a tag or category of another of the merchant's shops
            form.add_error(None, exc.message)
            size = None
        context = {
            **self.admin_site.each_context(request),
            "title": _("保存为分群"),
            "form": form,
            "opts": self.model._meta,
            "conditions": segments.filters_describe(filters, shop_id=shop_id, names=names),
            "size": size,
            "list_url": list_url,
        }
        return TemplateResponse(request, "admin/crm/customerprofile/save_segment.html", context)


# ---------------------------------------------------------------- 客户分群


class SegmentChangeList(ChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        page = list(self.result_list)
        sizes = segment_sizes(page)  # every segment of the page in one query
        names = segments.filter_names((s.shop_id, s.filters) for s in page)
        for segment in page:
            segment.live_size = sizes.get(segment.pk)  # type: ignore[attr-defined]
            segment.names = names  # type: ignore[attr-defined]


class SegmentForm(forms.ModelForm):
    class Meta:
        model = Segment
        fields = ["shop", "name"]


@admin.register(Segment)
class SegmentAdmin(ShopScopedAdmin):
    form = SegmentForm
    list_display = ["name", "conditions", "size", "links", "created_at"]
    list_filter = ["shop"]
    search_fields = ["name"]
    fields = ["shop", "name", "conditions", "size", "links"]
    readonly_fields = ["conditions", "size", "links"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # a segment is saved from the customer list's filters (保存为分群)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return SegmentChangeList

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "shop"] if obj is not None else readonly  # a segment stays in its shop

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/export/", wrap(self.export_view), name="crm_segment_export"),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("筛选条件"))
    def conditions(self, segment: Segment) -> str:
        names = getattr(segment, "names", None) or segments.filter_names([(segment.shop_id, segment.filters)])
        return "；".join(segments.filters_describe(segment.filters, shop_id=segment.shop_id, names=names))

    @admin.display(description=gettext_lazy("人数（实时）"))
    def size(self, segment: Segment) -> str:
        found = getattr(segment, "live_size", None)
        if found is None and segment.pk:
            found = segment_sizes([segment]).get(segment.pk)
        if found is None:
            return "—"
        if found.count is None:
            return _("条件已失效：%(why)s") % {"why": found.error}
        return _("%(n)d 人") % {"n": found.count}

    @admin.display(description=gettext_lazy("操作"))
    def links(self, segment: Segment) -> str:
        if not segment.pk:
            return "—"
        params = {**segments.params_from_filters(segment.filters), "shop": str(segment.shop_id)}
        return format_html(
            '<a href="{}?{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:crm_customerprofile_changelist"),
            urlencode(params),
            _("查看顾客"),
            reverse("admin:crm_segment_export", args=[segment.pk]),
            _("导出 CSV"),
        )

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        segment = get_object_or_404(self.get_queryset(request), pk=pk)  # scoped: another shop's is a 404
        try:
            profiles = segments.profiles_matching(shop=segment.shop, filters=segment.filters)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:crm_segment_change", args=[segment.pk]))
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return csv_response(
            filename=f"segment-{segment.pk}-{stamp}.csv",
            header=export_header(),
            rows=profiles_export_rows(profiles),
        )


# ---------------------------------------------------------------- 客户标签


@admin.register(Tag)
class TagAdmin(ShopScopedAdmin):
    list_display = ["name", "customers", "shop"]
    list_filter = ["shop"]
    search_fields = ["name"]
    fields = ["shop", "name"]

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = list(super().get_list_display(request))
        return shown if is_operator(request) or len(user_shop_ids(request)) > 1 else shown[:-1]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return super().get_queryset(request).select_related("shop").annotate(profile_count=Count("profiles"))

    @admin.display(description=gettext_lazy("顾客数"), ordering="profile_count")
    def customers(self, tag: Tag) -> str:
        url = (
            reverse("admin:crm_customerprofile_changelist")
            + "?"
            + urlencode({"tag": tag.pk, "shop": tag.shop_id})
        )
        return format_html(
            '<a href="{}">{}</a>', url, _("%(n)d 人") % {"n": getattr(tag, "profile_count", 0)}
        )


# ---------------------------------------------------------------- 渠道自动标签


class ChannelTagRuleForm(forms.ModelForm):
    class Meta:
        model = ChannelTagRule
        fields = ["shop", "channel", "tags"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        shop_id = data["shop"].pk if data.get("shop") else self.instance.shop_id
        channel = data.get("channel")
        if channel is not None and shop_id and channel.shop_id != shop_id:
            self.add_error("channel", _("只能选择本店的渠道。"))
        tags = data.get("tags")
        if tags is not None and shop_id and any(tag.shop_id != shop_id for tag in tags):
            self.add_error("tags", _("只能选择本店的标签。"))
        return data


@admin.register(ChannelTagRule)
class ChannelTagRuleAdmin(ShopScopedAdmin):
    form = ChannelTagRuleForm
    list_display = ["channel_label", "tag_list"]
    list_filter = ["shop"]
    filter_horizontal = ["tags"]
    actions = ["backfill"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ChannelTagRule]:
        return super().get_queryset(request).select_related("channel").prefetch_related("tags")

    @admin.display(description=gettext_lazy("渠道"), ordering="channel__name")
    def channel_label(self, rule: ChannelTagRule) -> str:
        return f"{rule.channel.name}（{rule.channel.code}）"

    @admin.display(description=gettext_lazy("自动打上的标签"))
    def tag_list(self, rule: ChannelTagRule) -> str:
        return "、".join(tag.name for tag in rule.tags.all()) or "—"

    @admin.action(description=gettext_lazy("给此前从该渠道来的顾客补打标签"))
    def backfill(self, request: HttpRequest, queryset: QuerySet[ChannelTagRule]) -> None:
        added = sum(services.channel_tags_backfill(rule=rule) for rule in queryset.order_by("pk"))
        self.message_user(request, _("已补打 %(n)d 个标签。") % {"n": added}, messages.SUCCESS)
