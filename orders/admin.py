"""The merchant's order desk: orders with their timeline, shipping (one or many from a CSV),
tracking updates, after-sales decisions, shipping fees and a masked CSV export.

Phones and addresses are masked in the list, its search results and the CSV export
(``core.masking``); they are shown in full only where a parcel needs them: the order's own page,
its shipping step and its packing slip (打印发货单: one order's, or the selected orders').

Every change goes through orders.services; admin never sets a status, stock or amount itself.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.csv_export import csv_response
from core.errors import ApplicationError
from core.integers import AsciiIntegerFormField
from core.masking import mask_address, mask_phone
from core.money import YuanFormField, fen_to_yuan, format_yuan
from orders import services
from orders.after_sale_state import after_sale_can_transition
from orders.models import (
    AfterSale,
    AfterSaleEvent,
    AfterSaleLine,
    AfterSalePhoto,
    Carrier,
    Order,
    OrderDiscount,
    OrderEvent,
    OrderLine,
    OrderStatus,
    ReturnSettings,
    ShippingRegionFee,
)
from orders.ports import channel_label, ship_blocked_q, ship_blocked_reason
from orders.pricing import pricing_rule_choices, pricing_rule_name
from orders.selectors import after_sale_progress
from orders.services.after_sale_lines import after_sale_split_preview
from orders.services.returns import return_terms
from orders.shipping import CSV_MAX_BYTES, orders_ship_from_csv
from orders.views import MultipleImageField
from shop.admin_base import OnePerShopAdmin, ShopScopedAdmin, ShopScopedInline, is_operator, user_shop_ids
from shop.admin_scale import LargeTablePaginator, ProbedDatesChangeList
from shop.models import Shop


class ShipForm(forms.Form):
    carrier = forms.ChoiceField(label=gettext_lazy("快递公司"), choices=Carrier.choices)
    carrier_name = forms.CharField(
        label=gettext_lazy("快递公司名称（选择“其他”时）"), max_length=32, required=False
    )
    tracking_no = forms.CharField(label=gettext_lazy("运单号"), max_length=40)


class TrackingForm(forms.Form):
    occurred_at = forms.DateTimeField(label=gettext_lazy("时间"), initial=timezone.now)
    description = forms.CharField(label=gettext_lazy("物流信息"), max_length=255)
    location = forms.CharField(label=gettext_lazy("地点"), max_length=64, required=False)
    is_signed = forms.BooleanField(label=gettext_lazy("已签收"), required=False)


class ShipCsvForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV 文件"),
        help_text=gettext_lazy(
            "每行：订单号,快递公司,运单号（快递公司可写 顺丰/中通/圆通/申通/韵达/京东/EMS 或 sf/zto/…）；第一行可为表头。"
        ),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("拒绝原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReceiveForm(forms.Form):
    """Confirming a return arrived: per returned line, how many units may be sold again (they go
    back into stock; the rest do not). 0 by default: nothing is restocked unless the merchant says so."""

    def __init__(self, *args: Any, after_sale: AfterSale, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows: list[tuple[str, AfterSaleLine]] = []
        for row in after_sale.lines.all():
            if not row.quantity:
                continue
            item = f"{row.order_line.title} {row.order_line.spec_text}".strip()
            name = f"restock_{row.order_line_id}"
            self.fields[name] = AsciiIntegerFormField(
                label=_("“%(item)s”退回 %(n)d 件，其中可再次销售") % {"item": item, "n": row.quantity},
                min_value=0, max_value=row.quantity, initial=0, required=False,
                help_text=_("填写的件数会加回该规格的库存；损坏、不能再卖的不要计入。"),
            )  # fmt: skip
            self.rows.append((name, row))

    def restock(self) -> dict[int, int]:
        """``{order line id: units}`` (after ``is_valid``)."""
        return {row.order_line_id: self.cleaned_data.get(name) or 0 for name, row in self.rows}


class RejectGoodsForm(forms.Form):
    """Refusing returned goods: a reason the shopper reads, and photos of what arrived (each under
    the upload rule, core.uploads; the service checks them again, and their number)."""

    reason = forms.CharField(
        label=gettext_lazy("拒绝原因（顾客可见）"), max_length=200, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleImageField(
        label=gettext_lazy("验货照片（1–6 张）"),
        required=False,
        help_text=gettext_lazy("拍下收到的商品和包裹，顾客和平台都能看到。"),
    )


class ReadOnlyInline(ShopScopedInline, admin.TabularInline):
    """An order's records: shown, never edited here (services change them)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    shop_lookup = "order__shop"
    fields = ["title", "spec_text", "sku_code", "unit_price", "quantity", "line_total"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("单价"))
    def unit_price(self, line: OrderLine) -> str:
        return format_yuan(line.unit_price_fen)

    @admin.display(description=gettext_lazy("小计"))
    def line_total(self, line: OrderLine) -> str:
        return format_yuan(line.total_fen)


class DiscountColumns:
    """An order discount line as a merchant reads it: the rule's name (优惠券, not ``coupon``) and
    what it used in the shopper's words (the line's label, not ``coupon_claim:4``)."""

    @admin.display(description=gettext_lazy("规则"), ordering="code")
    def rule(self, discount: OrderDiscount) -> str:
        return pricing_rule_name(discount.code)

    @admin.display(description=gettext_lazy("使用了"), ordering="label")
    def used(self, discount: OrderDiscount) -> str:
        return discount.label or "—"

    @admin.display(description=gettext_lazy("优惠金额"))
    def amount(self, discount: OrderDiscount) -> str:
        return format_yuan(discount.amount_fen)


class OrderDiscountInline(DiscountColumns, ReadOnlyInline):
    """The discount lines the pricing rules gave at checkout (they add up to the order's 优惠)."""

    model = OrderDiscount
    fields = ["rule", "used", "amount"]
    readonly_fields = fields


class DiscountRuleFilter(admin.SimpleListFilter):
    """规则, by the rules' names (the registered pricing rules, in their order)."""

    title = gettext_lazy("规则")
    parameter_name = "code"

    def lookups(self, request, model_admin):
        return pricing_rule_choices()

    def queryset(self, request, queryset):
        return queryset.filter(code=self.value()) if self.value() else queryset


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    shop_lookup = "order__shop"
    fields = ["created_at", "type", "actor_kind", "actor", "message", "from_status", "to_status"]
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("订单动态（时间线）")


def refund_breakdown(after_sale: AfterSale) -> str:
    """What an after-sale gives back, line by line: "T恤 红 × 1 退 ¥45；运费 ¥8" (its lines loaded)."""
    parts = [str(row) for row in after_sale.lines.all()]
    if after_sale.shipping_fen:
        parts.append(_("运费 %(amount)s") % {"amount": format_yuan(after_sale.shipping_fen)})
    if parts:
        return "；".join(parts)
    if after_sale.status == AfterSale.Status.REQUESTED:
        return _("同意后按各商品实付比例分摊")
    return "—"


class AfterSaleInline(ShopScopedInline, admin.TabularInline):
    model = AfterSale
    fields = [
        "after_sale_no",
        "kind",
        "status",
        "amount",
        "breakdown",
        "reason",
        "reject_reason",
        "respond_by",
        "created_at",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True  # to the after-sale's page: photos, 同意 / 拒绝

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("lines__order_line")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("退款金额"))
    def amount(self, after_sale: AfterSale) -> str:
        return format_yuan(after_sale.amount_fen)

    @admin.display(description=gettext_lazy("退款明细"))
    def breakdown(self, after_sale: AfterSale) -> str:
        return refund_breakdown(after_sale)


# The order page's port: apps above orders add their inlines to the order change page here (payments:
# its attempts and refunds), in their own admin.py, so orders imports none of them. They are shown
# after the order lines, in the order they were registered, before the after-sales and the timeline.
_order_admin_inlines: list[type[InlineModelAdmin]] = []


def order_admin_inline_register(inline: type[InlineModelAdmin]) -> None:
    """Show ``inline`` on the order change page (registering the same class twice shows it once)."""
    if inline not in _order_admin_inlines:
        _order_admin_inlines.append(inline)


def order_admin_inlines() -> list[type[InlineModelAdmin]]:
    """The order page's inlines: its own lines and discounts, the registered ones, after-sales, the
    timeline."""
    return [OrderLineInline, OrderDiscountInline, *_order_admin_inlines, AfterSaleInline, OrderEventInline]


class ShipBlockedFilter(admin.SimpleListFilter):
    """Paid orders a ship guard holds back (orders/ports.py: a group-buy whose group has not filled),
    or the paid ones that may ship. Shown only when some app registered a guard."""

    title = gettext_lazy("发货限制")
    parameter_name = "ship_blocked"

    def lookups(self, request, model_admin):
        if ship_blocked_q() is None:
            return []
        return [("1", _("暂不能发货（如拼团未成团）")), ("0", _("待发货且可发货"))]

    def queryset(self, request, queryset):
        blocked = ship_blocked_q()
        if blocked is None or self.value() not in ("0", "1"):
            return queryset
        paid = queryset.filter(status=OrderStatus.PAID)
        return paid.filter(blocked) if self.value() == "1" else paid.exclude(blocked)


ORDER_NO_RE = re.compile(r"[0-9]{20}")  # orders.models.new_order_no
MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")  # accounts.models.MOBILE_VALIDATOR, ASCII digits


def order_search_exact_q(term: str) -> Q | None:
    """What an order-number- or phone-shaped search means, as exact (indexed) lookups; None for
    any other search. Stored phones are 11 digits (addresses are validated), so "+86 138-1234-5678"
    is the stored 13812345678."""
    if ORDER_NO_RE.fullmatch(term):
        return Q(order_no=term) | Q(phone=term)
    phone = "".join(term.split()).replace("-", "").removeprefix("+86")
    if MOBILE_RE.fullmatch(phone):
        return Q(phone=phone)
    return None


@admin.register(Order)
class OrderAdmin(ShopScopedAdmin):
    list_display = ["order_no", "created_at", "status", "total", "recipient", "masked_phone", "shipping_info"]
    list_filter = ["status", ShipBlockedFilter, "shop", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["=order_no", "phone", "recipient"]
    date_hierarchy = "created_at"  # probed, not a DISTINCT over every order (shop/admin_scale.py)
    list_select_related = ["shipment"]
    # a million orders: counted up to 5,000, estimated above; the unfiltered list is not counted again
    paginator = LargeTablePaginator
    show_full_result_count = False
    # and the registered ones: get_inlines
    inlines = [OrderLineInline, OrderDiscountInline, AfterSaleInline, OrderEventInline]
    actions = ["export_csv", "print_packing_slips"]
    fieldsets = [
        (None, {"fields": ["order_no", "shop", "status", "created_at", "pay_deadline", "paid_at", "shipped_at",
                           "completed_at", "remark"]}),
        (gettext_lazy("金额"), {"fields": ["goods", "shipping", "discount", "total", "paid", "refunded"]}),
        (gettext_lazy("收货地址"), {"fields": ["recipient", "phone", "full_address"]}),
        (gettext_lazy("物流"), {"fields": ["shipping_info", "actions_links", "packing_slip_link"]}),
        (gettext_lazy("来源"), {"fields": ["channel", "referrer", "attributed_at"]}),
    ]  # fmt: skip
    readonly_fields = [
        "order_no", "shop", "status", "created_at", "pay_deadline", "paid_at", "shipped_at", "completed_at", "remark",
        "goods", "shipping", "discount", "total", "paid", "refunded", "recipient", "phone", "full_address",
        "shipping_info", "actions_links", "packing_slip_link", "channel", "referrer", "attributed_at",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # shoppers place orders

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # orders are records; they are cancelled or closed, never deleted

    def get_inlines(self, request: HttpRequest, obj: Order | None) -> list[type[InlineModelAdmin]]:
        return order_admin_inlines()

    def get_changelist(self, request: HttpRequest, **kwargs: Any):
        return ProbedDatesChangeList

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)
        blocked = ship_blocked_q()  # the list's "暂不能发货" in one query, whatever the page size
        if blocked is not None:
            queryset = queryset.annotate(ship_blocked=ExpressionWrapper(blocked, output_field=BooleanField()))
        return queryset

    def get_search_results(self, request, queryset, search_term):
        """An order number or a whole phone number (as typed: "138 1234-5678", "+86…") is looked
        up exactly, through its index; anything else (a name, part of a number) as Django does."""
        term = search_term.strip()
        if exact := order_search_exact_q(term):
            return queryset.filter(exact), False
        return super().get_search_results(request, queryset, term)

    # -- columns ---------------------------------------------------------------------------------------

    def _money(name: str, label: str):
        @admin.display(description=label)
        def column(self, order: Order) -> str:
            return format_yuan(getattr(order, name))

        return column

    goods = _money("goods_fen", gettext_lazy("商品金额"))
    shipping = _money("shipping_fen", gettext_lazy("运费"))
    discount = _money("discount_fen", gettext_lazy("优惠"))
    total = _money("total_fen", gettext_lazy("应付金额"))
    paid = _money("paid_fen", gettext_lazy("实付金额"))
    refunded = _money("refunded_fen", gettext_lazy("已退款"))

    @admin.display(description=gettext_lazy("手机号"))
    def masked_phone(self, order: Order) -> str:
        return mask_phone(order.phone)

    @admin.display(description=gettext_lazy("地址"))
    def full_address(self, order: Order) -> str:
        return order.full_address

    @admin.display(description=gettext_lazy("来源渠道"))
    def channel(self, order: Order) -> str:
        """The channel's name and code, "宝妈群（mama-group）" (orders.ports.channel_label)."""
        return channel_label(shop_id=order.shop_id, code=order.channel_code) or "—"

    @admin.display(description=gettext_lazy("推荐人"))
    def referrer(self, order: Order) -> str:
        """The sharer (``referrer_code`` is their user id: wechat/share.py) by the name they go by."""
        code = order.referrer_code
        if not code:
            return "—"
        user = User.objects.filter(pk=int(code)).first() if code.isdigit() and len(code) < 19 else None
        if user is None:
            return code
        return _("%(name)s（用户 ID %(id)s）") % {"name": user.display_name, "id": user.pk}

    @admin.display(description=gettext_lazy("物流"))
    def shipping_info(self, order: Order) -> str:
        shipment = getattr(order, "shipment", None)
        if shipment is None and order.status == OrderStatus.PAID and getattr(order, "ship_blocked", False):
            return _("暂不能发货")
        return f"{shipment.carrier_label} {shipment.tracking_no}" if shipment else "—"

    @admin.display(description=gettext_lazy("操作"))
    def actions_links(self, order: Order) -> str:
        if order.status == OrderStatus.PAID and (blocked := ship_blocked_reason(order=order)):
            return blocked
        if order.status == OrderStatus.PAID:
            return format_html(
                '<a class="button" href="{}">{}</a>',
                reverse("admin:orders_order_ship", args=[order.pk]),
                _("发货"),
            )
        if hasattr(order, "shipment") and order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
            return format_html(
                '<a class="button" href="{}">{}</a>',
                reverse("admin:orders_order_tracking", args=[order.pk]),
                _("添加物流轨迹"),
            )
        return "—"

    @admin.display(description=gettext_lazy("发货单"))
    def packing_slip_link(self, order: Order) -> str:
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:orders_order_packing_slip", args=[order.pk]),
            _("打印发货单"),
        )

    # -- custom pages ----------------------------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/ship/", wrap(self.ship_view), name="orders_order_ship"),
            path("<int:pk>/tracking/", wrap(self.tracking_view), name="orders_order_tracking"),
            path("<int:pk>/packing-slip/", wrap(self.packing_slip_view), name="orders_order_packing_slip"),
            path("ship-csv/", wrap(self.ship_csv_view), name="orders_order_ship_csv"),
            *super().get_urls(),
        ]

    def _order(self, request: HttpRequest, pk: int) -> Order:
        return get_object_or_404(self.get_queryset(request), pk=pk)  # scoped: another shop's order is a 404

    def _page(self, request, title: str, form, **extra) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "opts": self.model._meta,
            **extra,
        }
        return TemplateResponse(request, "admin/orders/order/form_page.html", context)

    def ship_view(self, request: HttpRequest, pk: int):
        order = self._order(request, pk)
        form = ShipForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.order_ship(
                    shop=order.shop, order_no=order.order_no, actor=request.user, **form.cleaned_data
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request, _("订单 %(no)s 已发货。") % {"no": order.order_no}, messages.SUCCESS
                )
                return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))
        return self._page(request, _("发货 · 订单 %(no)s") % {"no": order.order_no}, form, order=order)

    def tracking_view(self, request: HttpRequest, pk: int):
        order = self._order(request, pk)
        shipment = getattr(order, "shipment", None)
        if shipment is None:
            self.message_user(request, _("该订单还没有发货。"), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))
        form = TrackingForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                added = services.tracking_event_add(
                    shipment=shipment, actor=request.user, source="manual", **form.cleaned_data
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                text = _("已添加物流轨迹。") if added else _("这条物流轨迹已经存在。")
                self.message_user(request, text, messages.SUCCESS if added else messages.WARNING)
                return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))
        return self._page(
            request, _("添加物流轨迹 · 订单 %(no)s") % {"no": order.order_no}, form, order=order
        )

    def packing_slip_view(self, request: HttpRequest, pk: int):
        return self._packing_slips(request, [self._order(request, pk)])

    def _packing_slips(self, request: HttpRequest, orders: list[Order]) -> TemplateResponse:
        """Printable packing slips (发货单): the receiver's full name, phone and address, the lines
        and the remark — what goes into or onto the parcel, so nothing is masked here."""
        context = {
            **self.admin_site.each_context(request),
            "title": _("发货单"),
            "opts": self.model._meta,
            "orders": orders,
        }
        return TemplateResponse(request, "admin/orders/order/packing_slip.html", context)

    def ship_csv_view(self, request: HttpRequest):
        shops = (
            Shop.objects.all() if is_operator(request) else Shop.objects.filter(pk__in=user_shop_ids(request))
        )
        form = ShipCsvForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > CSV_MAX_BYTES:  # refused before it is read
                    raise ValueError(
                        _("文件太大：最多 %(mb)d MB，请分批上传。") % {"mb": CSV_MAX_BYTES // 1024 // 1024}
                    )
                report = orders_ship_from_csv(shops=shops, raw=upload.read(), actor=request.user)
            except ValueError as exc:  # refused whole, before any order ships
                form.add_error("file", str(exc))
            else:
                if report is None:
                    form.add_error("file", _("无法读取文件：请上传 UTF-8 或 GBK 编码的 CSV。"))
        return self._page(request, _("批量发货（上传 CSV）"), form, report=report, multipart=True)

    # -- export ----------------------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("打印所选订单的发货单"))
    def print_packing_slips(self, request: HttpRequest, queryset) -> HttpResponse:
        orders = list(
            queryset.select_related("shipment").prefetch_related("lines").order_by("-created_at", "-id")
        )
        return self._packing_slips(request, orders)

    @admin.action(description=gettext_lazy("导出所选订单（CSV，手机号和地址已脱敏）"))
    def export_csv(self, request: HttpRequest, queryset) -> HttpResponse:
        header = [
            _("订单号"), _("下单时间"), _("状态"), _("商品"), _("应付(元)"), _("实付(元)"), _("已退款(元)"),
            _("收货人"), _("手机号"), _("地址"), _("买家留言"), _("物流"),
        ]  # fmt: skip
        orders = queryset.select_related("shipment").prefetch_related("lines").order_by("-created_at")
        rows = (
            [
                order.order_no, timezone.localtime(order.created_at).strftime("%Y-%m-%d %H:%M"), order.get_status_display(),
                "；".join(f"{line.title} {line.spec_text} ×{line.quantity}".strip() for line in order.lines.all()),
                fen_to_yuan(order.total_fen), fen_to_yuan(order.paid_fen), fen_to_yuan(order.refunded_fen),
                order.recipient, mask_phone(order.phone),
                mask_address(province=order.province, city=order.city, rest=f"{order.district}{order.address_detail}"),
                order.remark, self.shipping_info(order),
            ]
            for order in orders
        )  # fmt: skip
        return csv_response(filename=f"orders-{timezone.localdate():%Y%m%d}.csv", header=header, rows=rows)


class AfterSaleEventInline(ReadOnlyInline):
    """The after-sale's own history (written by orders.after_sale_state), read-only."""

    model = AfterSaleEvent
    fields = ["created_at", "from_status", "to_status", "actor_kind", "actor", "message"]
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("售后记录")


class AfterSaleLineInline(ReadOnlyInline):
    """What the after-sale gives back of each order line (split when the refund is reserved)."""

    model = AfterSaleLine
    fields = ["item", "quantity", "amount", "discount"]
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("售后商品（每件商品退多少）")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order_line")

    @admin.display(description=gettext_lazy("商品"))
    def item(self, row: AfterSaleLine) -> str:
        return f"{row.order_line.title} {row.order_line.spec_text}".strip()

    @admin.display(description=gettext_lazy("退款金额"))
    def amount(self, row: AfterSaleLine) -> str:
        return format_yuan(row.amount_fen)

    @admin.display(description=gettext_lazy("分摊优惠"))
    def discount(self, row: AfterSaleLine) -> str:
        return format_yuan(row.discount_fen)


AS = AfterSale.Status
# the deadline field of each step that has one, and what the system does when it passes
STEP_DEADLINES: dict[str, tuple[str, Any]] = {
    AS.REQUESTED: ("respond_by", gettext_lazy("到期自动同意")),
    AS.AWAITING_RETURN: ("ship_back_by", gettext_lazy("未寄回则关闭")),
    AS.RETURNING: ("receive_by", gettext_lazy("到期自动退款")),
}


def _deadline_q(*, before=None, after=None) -> Q:
    """After-sales whose current step's deadline lies in [after, before)."""
    q = Q(pk__in=[])
    for status, (field, _said) in STEP_DEADLINES.items():
        part = Q(status=status, **{f"{field}__isnull": False})
        if before is not None:
            part &= Q(**{f"{field}__lt": before})
        if after is not None:
            part &= Q(**{f"{field}__gte": after})
        q |= part
    return q


class AfterSaleStepFilter(admin.SimpleListFilter):
    """步骤: where each request stands, the merchant's own to-do first."""

    title = gettext_lazy("步骤")
    parameter_name = "step"
    STEPS = {
        "mine": (AS.REQUESTED, AS.RETURNING),
        AS.REQUESTED: (AS.REQUESTED,),
        AS.AWAITING_RETURN: (AS.AWAITING_RETURN,),
        AS.RETURNING: (AS.RETURNING,),
        AS.REFUNDING: (AS.REFUNDING,),
        "ended": (AS.REFUNDED, AS.REJECTED, AS.RETURN_REJECTED, AS.WITHDRAWN, AS.CLOSED, AS.FAILED),
    }

    def lookups(self, request, model_admin):
        return [
            ("mine", _("待我处理（待处理、待商家收货）")),
            (AS.REQUESTED, _("待处理")),
            (AS.AWAITING_RETURN, _("待顾客寄回")),
            (AS.RETURNING, _("待商家收货")),
            (AS.REFUNDING, _("退款中")),
            ("ended", _("已结束")),
        ]

    def queryset(self, request, queryset):
        statuses = self.STEPS.get(self.value() or "")
        return queryset.filter(status__in=statuses) if statuses else queryset


class AfterSaleDeadlineFilter(admin.SimpleListFilter):
    """截止时间: the current step's deadline (商家处理截止 / 寄回截止 / 商家收货截止)."""

    title = gettext_lazy("截止时间")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("已过期（等待系统自动处理）")),
            ("24h", _("24 小时内到期")),
            ("3d", _("3 天内到期")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.filter(_deadline_q(before=now))
        if self.value() == "24h":
            return queryset.filter(_deadline_q(after=now, before=now + timedelta(hours=24)))
        if self.value() == "3d":
            return queryset.filter(_deadline_q(after=now, before=now + timedelta(days=3)))
        return queryset


@admin.register(AfterSale)
class AfterSaleAdmin(ShopScopedAdmin):
    """The after-sales queue. 仅退款: approve (refund through the payment provider) or reject with a
    reason. 退货退款: approve (the shop's return address is shown to the shopper), reject; once the
    shopper has sent the parcel, confirm it arrived (the units marked resellable go back into stock,
    and the refund is sent) or refuse the goods with a reason and photos. Every step of a request
    has a deadline the system acts on (docs/after-sales.md)."""

    list_display = [
        "after_sale_no",
        "order_link",
        "kind",
        "step",
        "amount",
        "deadline",
        "return_parcel",
        "created_at",
    ]
    list_filter = [AfterSaleStepFilter, AfterSaleDeadlineFilter, "kind", "shop"]
    search_fields = ["=after_sale_no", "=order__order_no", "=return_tracking_no"]
    list_select_related = ["order"]
    actions = ["approve", "reject"]
    inlines = [AfterSaleLineInline, AfterSaleEventInline]
    fieldsets = [
        (None, {"fields": ["after_sale_no", "order_link", "kind", "status", "step_progress", "amount", "shipping",
                           "reason", "photo_gallery", "reject_reason", "merchant_photo_gallery", "respond_by",
                           "handled_at", "refunded_at", "created_at"]}),
        (gettext_lazy("退货"), {"fields": ["return_to", "ship_back_by", "return_parcel", "returned_at", "receive_by",
                                          "received_at", "closed_at"]}),
    ]  # fmt: skip
    readonly_fields = ["after_sale_no", "order_link", "kind", "status", "step_progress", "amount", "shipping",
                       "reason", "photo_gallery", "reject_reason", "merchant_photo_gallery", "respond_by",
                       "handled_at", "refunded_at", "created_at", "return_to", "ship_back_by", "return_parcel",
                       "returned_at", "receive_by", "received_at", "closed_at"]  # fmt: skip
    change_form_template = "admin/orders/aftersale/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order").prefetch_related("photos")

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not obj.is_return:
            return self.fieldsets[:1]  # a 仅退款 has no parcel
        return self.fieldsets

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("订单"))
    def order_link(self, after_sale: AfterSale) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:orders_order_change", args=[after_sale.order_id]),
            after_sale.order.order_no,
        )

    @admin.display(description=gettext_lazy("退款金额"))
    def amount(self, after_sale: AfterSale) -> str:
        return format_yuan(after_sale.amount_fen)

    @admin.display(description=gettext_lazy("其中运费"))
    def shipping(self, after_sale: AfterSale) -> str:
        return format_yuan(after_sale.shipping_fen)

    @admin.display(description=gettext_lazy("步骤"), ordering="status")
    def step(self, after_sale: AfterSale) -> str:
        return format_html('<span class="weishop-short">{}</span>', after_sale.get_status_display())

    @admin.display(description=gettext_lazy("进度"))
    def step_progress(self, after_sale: AfterSale) -> str:
        """提交申请 ✓ → 商家同意 ✓ → 【寄回商品】 → 商家收货 → 退款."""
        parts = []
        for step in after_sale_progress(after_sale).steps:
            if step.state == "done":
                parts.append(format_html("{} ✓", step.label))
            elif step.state in ("current", "ended"):
                parts.append(format_html("<strong>【{}】</strong>", step.label))
            else:
                parts.append(format_html('<span class="quiet">{}</span>', step.label))
        return format_html_join(" → ", "{}", ((p,) for p in parts))

    @admin.display(description=gettext_lazy("截止"))
    def deadline(self, after_sale: AfterSale) -> str:
        """The current step's deadline and what the system does at it."""
        found = STEP_DEADLINES.get(after_sale.status)
        moment = getattr(after_sale, found[0]) if found else None
        if moment is None:
            return "—"
        late = moment <= timezone.now()
        return format_html(
            '<span class="weishop-short {}">{}</span><br><small class="weishop-short">{}</small>',
            "as-overdue" if late else "", timezone.localtime(moment).strftime("%m-%d %H:%M"),
            _("已过期，待系统处理") if late else found[1],
        )  # fmt: skip

    @admin.display(description=gettext_lazy("退货地址"))
    def return_to(self, after_sale: AfterSale) -> str:
        if after_sale.return_address:
            return f"{after_sale.return_name} {after_sale.return_phone} {after_sale.return_address}"
        if after_sale.status == AS.AWAITING_RETURN:
            return _("（未提供：请在“退货设置”中填写退货地址，顾客才能寄回）")
        return "—"

    @admin.display(description=gettext_lazy("退货物流"))
    def return_parcel(self, after_sale: AfterSale) -> str:
        if not after_sale.return_tracking_no:
            return "—"
        return f"{after_sale.return_carrier_label} {after_sale.return_tracking_no}"

    def _gallery(self, photos, alt: str) -> str:
        return format_html_join(
            " ",
            '<a href="{}" target="_blank" rel="noopener noreferrer"><img src="{}" alt="{}" height="120" loading="lazy"></a>',
            ((p.image.url, p.image.url, alt) for p in photos),
        )

    @admin.display(description=gettext_lazy("买家图片"))
    def photo_gallery(self, after_sale: AfterSale) -> str:
        """Thumbnails, each opening the full image in a new tab."""
        photos = [p for p in after_sale.photos.all() if p.by == AfterSalePhoto.By.SHOPPER]
        return self._gallery(photos, _("买家图片")) if photos else _("（未上传图片）")

    @admin.display(description=gettext_lazy("验货照片"))
    def merchant_photo_gallery(self, after_sale: AfterSale) -> str:
        photos = [p for p in after_sale.photos.all() if p.by == AfterSalePhoto.By.MERCHANT]
        return self._gallery(photos, _("验货照片")) if photos else "—"

    # -- deciding one request from its page -------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/approve/", wrap(self.approve_view), name="orders_aftersale_approve"),
            path("<int:pk>/reject/", wrap(self.reject_view), name="orders_aftersale_reject"),
            path("<int:pk>/receive/", wrap(self.receive_view), name="orders_aftersale_receive"),
            path(
                "<int:pk>/reject-goods/", wrap(self.reject_goods_view), name="orders_aftersale_reject_goods"
            ),
            *super().get_urls(),
        ]

    def _decidable(self, request: HttpRequest, pk: int) -> AfterSale:
        after_sale = get_object_or_404(self.get_queryset(request).select_related("shop"), pk=pk)  # scoped
        if not self.has_change_permission(request, after_sale):
            raise PermissionDenied
        return after_sale

    def _back(self, after_sale: AfterSale) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:orders_aftersale_change", args=[after_sale.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        after_sale = (
            self.get_queryset(request).prefetch_related("lines__order_line").filter(pk=object_id).first()
            if str(object_id).isdigit()
            else None
        )
        decision = None
        if after_sale is not None and self.has_change_permission(request, after_sale):
            approvable = after_sale_can_transition(
                after_sale.status, AS.AWAITING_RETURN if after_sale.is_return else AS.REFUNDING,
                kind=after_sale.kind,
            )  # fmt: skip
            receivable = after_sale.status == AS.RETURNING
            decision = {
                "is_return": after_sale.is_return,
                "approve_url": reverse("admin:orders_aftersale_approve", args=[after_sale.pk]) if approvable else "",
                "reject_url": reverse("admin:orders_aftersale_reject", args=[after_sale.pk])
                if after_sale_can_transition(after_sale.status, AS.REJECTED)
                else "",
                "receive_url": reverse("admin:orders_aftersale_receive", args=[after_sale.pk]) if receivable else "",
                "reject_goods_url": reverse("admin:orders_aftersale_reject_goods", args=[after_sale.pk])
                if receivable
                else "",
                "amount": format_yuan(after_sale.amount_fen),
                "reject_form": RejectForm(),
                "receive_form": ReceiveForm(after_sale=after_sale) if receivable else None,
                "reject_goods_form": RejectGoodsForm() if receivable else None,
                "split_preview": after_sale_split_preview(after_sale=after_sale) if approvable and not after_sale.is_return else None,
                "return_terms": return_terms(shop=after_sale.shop) if approvable and after_sale.is_return else None,
                "settings_url": reverse("admin:orders_returnsettings_changelist"),
                "progress": after_sale_progress(after_sale),
            }  # fmt: skip
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "decision": decision}
        )

    def approve_view(self, request: HttpRequest, pk: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        after_sale = self._decidable(request, pk)
        try:
            result = services.after_sale_approve(
                shop=after_sale.shop, after_sale_no=after_sale.after_sale_no, actor=request.user
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return self._back(after_sale)
        self.message_user(request, *self._approved_message(result))
        return self._back(after_sale)

    def _approved_message(self, result: AfterSale) -> tuple[str, int]:
        no, amount = result.after_sale_no, format_yuan(result.amount_fen)
        if result.status == AS.AWAITING_RETURN:
            return _("售后 %(no)s 已同意退货，已向顾客显示退货地址；收到退货并确认后才会退款。") % {
                "no": no
            }, messages.SUCCESS
        if result.status == AS.REFUNDED:
            return _("售后 %(no)s 已同意，已退款 %(amount)s。") % {
                "no": no,
                "amount": amount,
            }, messages.SUCCESS
        if result.status == AS.FAILED:
            return _("售后 %(no)s 已同意，但退款失败，请查看退款记录。") % {"no": no}, messages.WARNING
        return _("售后 %(no)s 已同意，退款 %(amount)s 处理中。") % {
            "no": no,
            "amount": amount,
        }, messages.SUCCESS

    def reject_view(self, request: HttpRequest, pk: int):
        after_sale = self._decidable(request, pk)
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.after_sale_reject(shop=after_sale.shop, after_sale_no=after_sale.after_sale_no,
                                           actor=request.user, reason=form.cleaned_data["reason"])  # fmt: skip
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(
                    request, _("售后 %(no)s 已拒绝。") % {"no": after_sale.after_sale_no}, messages.SUCCESS
                )
            return self._back(after_sale)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
            "order": after_sale.order, "title": _("拒绝售后申请 · %(no)s") % {"no": after_sale.after_sale_no},
        }  # fmt: skip
        return TemplateResponse(request, "admin/orders/order/form_page.html", context)

    def receive_view(self, request: HttpRequest, pk: int):
        """确认收货: the returned goods arrived; the refund is sent now."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        after_sale = self._decidable(request, pk)
        form = ReceiveForm(request.POST, after_sale=after_sale)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    self.message_user(request, error, messages.ERROR)
            return self._back(after_sale)
        try:
            result = services.after_sale_return_receive(
                shop=after_sale.shop, after_sale_no=after_sale.after_sale_no, actor=request.user,
                restock=form.restock(),
            )  # fmt: skip
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return self._back(after_sale)
        restocked = sum(form.restock().values())
        said = _("售后 %(no)s 已确认收货") % {"no": result.after_sale_no}
        said += _("，%(n)d 件已加回库存") % {"n": restocked} if restocked else _("，未加回库存")
        if result.status == AS.REFUNDED:
            said += _("；已退款 %(amount)s。") % {"amount": format_yuan(result.amount_fen)}
            self.message_user(request, said, messages.SUCCESS)
        elif result.status == AS.FAILED:
            self.message_user(request, said + _("；但退款失败，请查看退款记录。"), messages.WARNING)
        else:
            self.message_user(request, said + _("；退款 %(amount)s 处理中。") % {"amount": format_yuan(result.amount_fen)},
                              messages.SUCCESS)  # fmt: skip
        return self._back(after_sale)

    def reject_goods_view(self, request: HttpRequest, pk: int):
        """拒绝收货: the goods that came back are not what may be refunded (a reason and photos)."""
        after_sale = self._decidable(request, pk)
        form = RejectGoodsForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.after_sale_return_reject(
                    shop=after_sale.shop, after_sale_no=after_sale.after_sale_no, actor=request.user,
                    reason=form.cleaned_data["reason"], photos=form.cleaned_data["photos"],
                )  # fmt: skip
            except ApplicationError as exc:
                form.add_error("photos" if "photos" in exc.fields else None, exc.message)
            else:
                self.message_user(
                    request,
                    _("售后 %(no)s 已拒绝收货，未退款。") % {"no": after_sale.after_sale_no},
                    messages.SUCCESS,
                )
                return self._back(after_sale)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "multipart": True,
            "order": after_sale.order, "title": _("拒绝收货 · %(no)s") % {"no": after_sale.after_sale_no},
        }  # fmt: skip
        return TemplateResponse(request, "admin/orders/order/form_page.html", context)

    @admin.action(description=gettext_lazy("同意申请（仅退款即退款，退货退款显示退货地址）"))
    def approve(self, request, queryset) -> None:
        for after_sale in queryset.select_related("shop").order_by("pk"):
            try:
                result = services.after_sale_approve(
                    shop=after_sale.shop, after_sale_no=after_sale.after_sale_no, actor=request.user
                )
            except ApplicationError as exc:
                self.message_user(request, f"{after_sale.after_sale_no}：{exc.message}", messages.ERROR)
                continue
            self.message_user(request, *self._approved_message(result))

    @admin.action(description=gettext_lazy("拒绝（需填写原因）"))
    def reject(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            for after_sale in queryset.select_related("shop").order_by("pk"):
                try:
                    services.after_sale_reject(shop=after_sale.shop, after_sale_no=after_sale.after_sale_no,
                                               actor=request.user, reason=form.cleaned_data["reason"])  # fmt: skip
                    self.message_user(
                        request, _("%(no)s 已拒绝。") % {"no": after_sale.after_sale_no}, messages.SUCCESS
                    )
                except ApplicationError as exc:
                    self.message_user(request, f"{after_sale.after_sale_no}：{exc.message}", messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request), "title": _("拒绝售后申请"), "form": form, "opts": self.model._meta,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME), "action": "reject",
            "items": queryset,
        }  # fmt: skip
        return TemplateResponse(request, "admin/orders/aftersale/reject.html", context)


class ReturnSettingsForm(forms.ModelForm):
    class Meta:
        model = ReturnSettings
        fields = ["shop", "recipient", "phone", "address", "ship_back_days", "receive_days"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"})}
        help_texts = {
            "recipient": gettext_lazy("留空则写店铺名称。"),
            "phone": gettext_lazy("留空则用店铺的客服电话。"),
        }


@admin.register(ReturnSettings)
class ReturnSettingsAdmin(OnePerShopAdmin):
    """退货设置: where returned parcels go (shown to the shopper once a return is approved) and how
    long the shopper has to send them and the merchant to check them. Without it the shop's
    经营地址 is the return address and the periods are 7 and 10 days."""

    form = ReturnSettingsForm
    list_display = ["shop", "recipient", "address", "ship_back_days", "receive_days"]
    list_filter = ["shop"]
    readonly_fields = ["response_hours"]
    fields = ["shop", "recipient", "phone", "address", "ship_back_days", "receive_days", "response_hours"]

    @admin.display(description=gettext_lazy("售后处理时限"))
    def response_hours(self, settings: ReturnSettings) -> str:
        if not settings.shop_id:
            return _("在“店铺 › 订单设置”中设置（默认 48 小时）")
        return _("%(n)d 小时：超时未处理的申请系统自动同意（在“店铺 › 订单设置”中修改）") % {
            "n": settings.shop.after_sale_response_hours
        }

    def save_model(self, request, obj, form, change: bool) -> None:
        if not is_operator(request):
            shop_ids = user_shop_ids(request)
            if obj.shop_id not in shop_ids:
                obj.shop_id = shop_ids[0]
        try:
            services.return_settings_save(settings=obj)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)


class RegionFeeForm(forms.ModelForm):
    fee_fen = YuanFormField(label=gettext_lazy("运费（元）"))

    class Meta:
        model = ShippingRegionFee
        fields = ["shop", "province_code", "fee_fen", "free_shipping_applies"]
        help_texts = {"province_code": gettext_lazy("收货地址在该省份的订单按此运费计算。")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province_code"].required = True  # blank only on rows migrated from an unknown name


@admin.register(ShippingRegionFee)
class ShippingRegionFeeAdmin(ShopScopedAdmin):
    """Per-province shipping fees (e.g. 新疆、西藏) that override the shop's flat fee; the merchant
    picks the province from the standard list."""

    form = RegionFeeForm
    list_display = ["province_label", "fee", "free_shipping_applies"]
    list_filter = ["shop"]

    @admin.display(description=gettext_lazy("省份"), ordering="province_code")
    def province_label(self, region: ShippingRegionFee) -> str:
        if region.province_code:
            return region.province
        return _("%(name)s（未匹配到省份，请重新选择）") % {"name": region.province}

    @admin.display(description=gettext_lazy("运费"))
    def fee(self, region: ShippingRegionFee) -> str:
        return format_yuan(region.fee_fen)


@admin.register(OrderDiscount)
class OrderDiscountAdmin(DiscountColumns, ShopScopedAdmin):
    """Every discount line of the shop's orders (which coupon or sale paid for what): a record,
    read only; the pricing rules write it at checkout."""

    list_display = ["order", "rule", "used", "amount"]
    list_filter = [DiscountRuleFilter, "shop"]
    search_fields = ["=order__order_no", "label", "ref"]
    list_select_related = ["order"]
    fields = ["order", "rule", "used", "amount", "data", "allocation"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("优惠金额"))
    def amount(self, discount: OrderDiscount) -> str:
        return format_yuan(discount.amount_fen)
