"""The shopper's H5 buying pages: cart, checkout, address book, my orders, an order and after-sales.

Thin views: resolve the shop, call one service or selector, render. Every order lookup is filtered
by the logged-in shopper, so another shopper's order is a 404.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import regions
from accounts import services as account_services
from accounts.models import Address
from catalog.selectors import product_get_public
from core.errors import ApplicationError, NotFoundError
from core.h5 import is_wechat
from core.integers import AsciiIntegerFormField, parse_int
from core.money import YuanFormField
from core.uploads import ImageUploadFormField
from orders import selectors
from orders.middleware import attribution_of
from orders.models import AfterSale, AfterSalePhoto, Carrier, OrderEvent, OrderStatus
from orders.ports import (
    checkout_check,
    checkout_choice_options,
    order_event_label,
    order_page_links,
    order_page_states,
)
from orders.selectors import TAB_NAMES
from orders.services import after_sales as after_sale_services
from orders.services import cart as cart_services
from orders.services import checkout as checkout_services
from orders.services import lifecycle as order_services
from orders.services import returns as return_services
from shop.cache import cache_shopper_page, shell_csrf_token
from shop.h5 import shop_page
from shop.models import Shop

TAB_LABELS = [("", gettext_lazy("全部")), ("pending_payment", gettext_lazy("待付款")), ("to_ship", gettext_lazy("待发货")),
              ("to_receive", gettext_lazy("待收货")), ("completed", gettext_lazy("已完成")), ("after_sale", gettext_lazy("售后"))]  # fmt: skip


def _login_required(request: HttpRequest) -> HttpResponse | None:
    if request.user.is_authenticated:
        return None
    return redirect_to_login(request.get_full_path(), login_url=reverse("shopper-login"))


def _cart(request: HttpRequest, shop, *, create: bool = False):
    if request.user.is_authenticated:
        return cart_services.cart_get(shop=shop, user=request.user, create=create)
    if not request.session.session_key:
        if not create:
            return None
        request.session.save()
    return cart_services.cart_get(shop=shop, session_key=request.session.session_key, create=create)


def _context(request, shop, **extra):
    return {"shop": shop, "is_wechat": is_wechat(request), **extra}


def _quantity(raw: str | None, *, default: int | None = None) -> int:
    return parse_int(
        raw, field="quantity", label=_("购买数量"), default=default, max_value=cart_services.MAX_QUANTITY
    )


def _id(raw: str | None, *, field: str, label: str) -> int:
    return parse_int(raw, field=field, label=label)


# ---------------------------------------------------------------- cart


@cache_shopper_page(shows_stock=True)
@shop_page
def cart(request: HttpRequest, shop: Shop) -> HttpResponse:
    """The cart; a signed-in shopper's is cached for them (its forms carry the CSRF mark, their own
    token goes in on the way out) until their cart, the shop or its stock changes."""
    if request.user.is_authenticated:
        summary = selectors.cart_summary_for_user(shop=shop, user=request.user)
    else:
        summary = selectors.cart_summary(cart=_cart(request, shop))
    context = _context(request, shop, rows=summary.lines, total=summary.goods_fen, tab="cart")
    if getattr(request, "storefront_shell", False):
        context["csrf_token"] = shell_csrf_token(request)
    return render(request, "orders/cart.html", context)


def _back_to_product(request: HttpRequest, shop, **chosen) -> HttpResponse:
    """Back to the product page the shopper came from (keeping their choice), or to the cart."""
    back = request.POST.get("back", "")
    if not back.startswith(f"/s/{shop.slug}/"):
        return redirect("h5:cart", shop.slug)
    query = urlencode({k: v for k, v in chosen.items() if v})
    return redirect(f"{back.split('?')[0]}?{query}" if query else back.split("?")[0])


def _choose_spec_message(shop, product_id: int) -> str:
    try:
        names = [spec.name for spec in product_get_public(shop=shop, product_id=product_id).specs.all()]
    except NotFoundError:
        names = []
    if names:
        return _("请先选择规格：%(specs)s。") % {"specs": " / ".join(names)}
    return _("请先选择规格。")


@require_POST
@shop_page
def cart_add(request: HttpRequest, shop: Shop) -> HttpResponse:
    if (request.POST.get("sku_id") or "").strip() in ("", "0"):  # the spec was left unchosen
        try:
            product_id = _id(request.POST.get("product"), field="product", label=_("商品"))
        except ApplicationError:
            product_id = 0
        messages.error(request, _choose_spec_message(shop, product_id))
        return _back_to_product(request, shop)
    sku_id = quantity = None
    try:
        sku_id = _id(request.POST.get("sku_id"), field="sku_id", label=_("商品规格"))
        quantity = _quantity(request.POST.get("quantity"), default=1)
        if request.POST.get("buy_now"):  # 立即购买: straight to checkout, the cart left alone
            cart_services.buy_now_check(shop=shop, sku_id=sku_id, quantity=quantity)
        else:
            cart_services.cart_add(cart=_cart(request, shop, create=True), sku_id=sku_id, quantity=quantity)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _back_to_product(request, shop, sku=sku_id, qty=quantity)
    if request.POST.get("buy_now"):
        return redirect(
            reverse("h5:checkout", args=[shop.slug]) + "?" + urlencode({"sku": sku_id, "qty": quantity})
        )
    messages.success(request, _("已加入购物车。"))
    return redirect("h5:cart", shop.slug)


@require_POST
@shop_page
def cart_item(request: HttpRequest, shop: Shop, item_id: int) -> HttpResponse:
    current = _cart(request, shop)
    if current is None:
        raise Http404
    try:
        if request.POST.get("remove"):
            cart_services.cart_remove(cart=current, item_id=item_id)
        else:
            cart_services.cart_set_quantity(
                cart=current, item_id=item_id, quantity=_quantity(request.POST.get("quantity"))
            )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("h5:cart", shop.slug)


# ---------------------------------------------------------------- checkout


def _buy_now_items(request: HttpRequest) -> list[tuple[int, int]] | None:
    """ "Buy now": one SKU, not the cart (None: the cart)."""
    source = request.POST if request.method == "POST" else request.GET
    if not source.get("sku"):
        return None
    return [
        (_id(source.get("sku"), field="sku", label=_("商品规格")), _quantity(source.get("qty"), default=1))
    ]


@shop_page
def checkout(request: HttpRequest, shop: Shop) -> HttpResponse:
    if denied := _login_required(request):
        return denied
    addresses = list(Address.objects.filter(user=request.user))
    try:
        buy_now = _buy_now_items(request)
        raw_address = (
            request.POST.get("address_id") if request.method == "POST" else request.GET.get("address")
        )
        chosen_id = _id(raw_address, field="address_id", label=_("收货地址")) if raw_address else None
        group_buy = _group_buy_choice(request) if buy_now else None
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("h5:cart", shop.slug)
    refused = ""
    payment_error = _payment_error(shop)
    coupon = _coupon_choice(request)
    if group_buy is not None:
        coupon = "none"  # a group-buy order takes no coupon (groupbuy/rules.py refuses one)
    options: dict | None = {COUPON_OPTION: coupon} if coupon is not None else None
    if group_buy is not None:
        options = {**(options or {}), GROUP_BUY_OPTION: group_buy}
    if switched := _choice_switches(request):  # the rules' switches (orders.ports: 积分抵扣)
        options = {**(options or {}), **switched}
    back = _local_back(request, shop)
    if request.method == "POST":
        try:  # the cart is read by the service, after the token: a double tap finds the first order
            order = checkout_services.order_place(
                shop=shop, user=request.user, items=buy_now, address_id=chosen_id,
                remark=request.POST.get("remark", ""), idempotency_key=request.POST.get("token", "")[:64],
                attribution=attribution_of(request), options=options,
            )  # fmt: skip
        except ApplicationError as exc:
            refused = exc.message
            if exc.code != "payment_not_configured":  # that one is said on the page itself
                messages.error(request, exc.message)
        else:
            return redirect("h5:order", shop.slug, order.order_no)
    address = next((a for a in addresses if a.pk == chosen_id), None) or next(iter(addresses), None)
    try:
        items = buy_now or checkout_services.cart_checkout_items(shop=shop, user=request.user)
        try:
            preview = checkout_services.checkout_preview(
                shop=shop, user=request.user, items=items, address=address, options=options,
                attribution=attribution_of(request),
            )  # fmt: skip
        except ApplicationError as exc:
            if not exc.code.startswith("coupon_"):
                raise
            # the chosen coupon cannot be used (any more): say why and show the order without it
            if exc.message != refused:
                messages.error(request, exc.message)
            coupon, options = "none", {**(options or {}), COUPON_OPTION: "none"}
            preview = checkout_services.checkout_preview(
                shop=shop, user=request.user, items=items, address=address, options=options,
                attribution=attribution_of(request),
            )  # fmt: skip
    except ApplicationError as exc:
        if exc.message != refused:
            messages.error(request, exc.message)
        return redirect(back) if back else redirect("h5:cart", shop.slug)
    coupon_line = next((d for d in preview.discounts if d.code == "coupon"), None)
    context = _context(
        request, shop, preview=preview, addresses=addresses, address=address, token=uuid.uuid4().hex,
        buy_now=request.GET.get("sku") or request.POST.get("sku"), qty=request.GET.get("qty") or request.POST.get("qty"),
        remark=request.POST.get("remark", ""), payment_error=payment_error,
        coupon=coupon or "", coupon_line=coupon_line,
        # left to choose, the coupon rule takes the best usable coupon: none taken, none usable (选择 hidden)
        coupon_choosable=coupon_line is not None or coupon is not None,
        coupon_query=_coupon_query(request, address=address), group_buy=group_buy, back=back,
        choices=_choice_rows(request, preview.choices, address=address, coupon=coupon),
        pay_minutes=min(shop.pay_timeout_minutes, preview.pricing.pay_within_minutes or shop.pay_timeout_minutes),
    )  # fmt: skip
    return render(request, "orders/checkout.html", context)


GROUP_BUY_OPTION = "group_buy"  # the group-buy rule's option (groupbuy/rules.py)


def _group_buy_choice(request: HttpRequest) -> dict | None:
    """A group-buy checkout (发起拼团 / 参团): ``group_buy=<activity id>`` and, to join a group,
    ``group_no=<its number>``. Plain data for the pricing rules, which check everything."""
    source = request.POST if request.method == "POST" else request.GET
    raw = source.get("group_buy", "")
    if not raw:
        return None
    activity_id = _id(raw, field="group_buy", label=_("拼团活动"))
    group_no = source.get("group_no", "").strip()
    return {"activity_id": activity_id, "group_no": group_no[:32] if group_no.isalnum() else None}


def _local_back(request: HttpRequest, shop) -> str:
    """Where a refused buy-now checkout goes back to (a page of this shop, e.g. the group's), or ""."""
    source = request.POST if request.method == "POST" else request.GET
    back = source.get("back", "")
    return back if back.startswith(f"/s/{shop.slug}/") and "//" not in back[1:] and back.isascii() else ""


COUPON_OPTION = "coupon_claim_id"  # the shop coupon rule's option (promotions/rules.py)


def _coupon_choice(request: HttpRequest) -> int | str | None:
    """The shopper's coupon choice (``coupon=<claim id>`` / ``coupon=none``), or None: the best
    usable one is pre-selected by the pricing rule. Anything else is no choice."""
    raw = (request.POST if request.method == "POST" else request.GET).get("coupon", "")
    if raw == "none":
        return "none"
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**62 else None


def _coupon_query(request: HttpRequest, *, address) -> str:
    """What the coupon picker needs to price this checkout: the buy-now line, the address and the
    rules' switches (积分抵扣)."""
    return urlencode(_checkout_keep(request, address=address))


def _checkout_keep(request: HttpRequest, *, address) -> dict[str, str]:
    source = request.POST if request.method == "POST" else request.GET
    names = ("sku", "qty", "group_buy", "group_no", "back", *checkout_choice_options())
    keep = {key: source[key] for key in names if source.get(key)}
    if address is not None:
        keep["address"] = str(address.pk)
    return keep


def _choice_switches(request: HttpRequest) -> dict[str, bool]:
    """The checkout switches the pricing rules offer (``<option>=1`` on, ``0`` off; anything else,
    or nothing, leaves the option out: the rule's default)."""
    source = request.POST if request.method == "POST" else request.GET
    return {name: source[name] == "1" for name in checkout_choice_options() if source.get(name) in ("0", "1")}


def _choice_rows(request: HttpRequest, choices, *, address, coupon) -> list[dict]:
    """Each switch with the link that flips it (the page is priced again with it) and the value
    the order form carries."""
    keep = _checkout_keep(request, address=address)
    if coupon:
        keep["coupon"] = str(coupon)
    rows = []
    for choice in choices:
        flipped = {**keep, choice.option: "0" if choice.chosen else "1"}
        rows.append(
            {"choice": choice, "value": "1" if choice.chosen else "0", "url": "?" + urlencode(flipped)}
        )
    return rows


def _payment_error(shop) -> str:
    """Why the shop cannot take an order now (no WeChat Pay yet), said before the shopper submits."""
    try:
        checkout_check(shop=shop)
    except ApplicationError as exc:
        return exc.message
    return ""


# ---------------------------------------------------------------- addresses


class AddressForm(forms.Form):
    """The H5 address form. The region is three selects (province → city → district): each is
    rendered with the children of the level chosen above, so the form works without JavaScript
    (pick, save, and the next level's options come back with "请选择城市"); static/h5/region.js
    refills them as soon as a level changes. The service checks the codes."""

    recipient = forms.CharField(label=gettext_lazy("收货人"), max_length=32)
    phone = forms.CharField(label=gettext_lazy("手机号"), max_length=20)
    province_code = forms.CharField(label=gettext_lazy("省份"), required=False, widget=forms.Select)
    city_code = forms.CharField(label=gettext_lazy("城市"), required=False, widget=forms.Select)
    district_code = forms.CharField(label=gettext_lazy("区县"), required=False, widget=forms.Select)
    detail = forms.CharField(label=gettext_lazy("详细地址"), max_length=255)
    is_default = forms.BooleanField(label=gettext_lazy("设为默认地址"), required=False)

    REGION_FIELDS = ("province_code", "city_code", "district_code")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        picked = {name: self._value(name) for name in self.REGION_FIELDS}
        parent: str | None = None
        self.no_district = False
        for level, name in enumerate(self.REGION_FIELDS):
            placeholder = (_("请选择省份"), _("请选择城市"), _("请选择区县"))[level]
            options: list[tuple[str, str]] = []
            if level == 0 or (parent and regions.get(parent)):
                options = [(r.code, r.name) for r in regions.children(parent)]
            if level and parent and regions.get(parent) and not options:
                placeholder = _("无需选择")
                self.no_district = level == 2
            self.fields[name].widget.choices = [("", placeholder), *options]
            chosen = picked[name]
            if not chosen and len(options) == 1 and level:  # a municipality's one city: no need to ask
                chosen = options[0][0]
                self._preset(name, chosen)
            parent = chosen if chosen in {code for code, _n in options} else None

    def _preset(self, name: str, value: str) -> None:
        if self.is_bound:
            self.data = self.data.copy()
            self.data[self.add_prefix(name)] = value
        else:
            self.initial[name] = value

    def _value(self, name: str) -> str:
        if self.is_bound:
            return str(self.data.get(self.add_prefix(name), "") or "")
        return str(self.initial.get(name, "") or "")

    def add_service_error(self, exc: ApplicationError) -> None:
        placed = False
        for name, messages_ in exc.fields.items():
            if name in self.fields:
                for message in messages_:
                    self.add_error(name, message)
                placed = True
        if not placed:
            self.add_error(None, exc.message)


def _address_initial(address: Address) -> dict:
    return {
        "recipient": address.recipient, "phone": address.phone, "province_code": address.province_code,
        "city_code": address.city_code, "district_code": address.district_code, "detail": address.detail,
        "is_default": address.is_default,
    }  # fmt: skip


@shop_page
def addresses(request: HttpRequest, shop: Shop) -> HttpResponse:
    if denied := _login_required(request):
        return denied
    back = request.GET.get("next") or request.POST.get("next") or ""
    back = back if back.startswith(f"/s/{shop.slug}/") else ""
    editing = None
    raw_edit = request.POST.get("address_id") if request.method == "POST" else request.GET.get("edit")
    try:
        edit_id = _id(raw_edit, field="address_id", label=_("收货地址")) if raw_edit else None
    except ApplicationError:
        edit_id = None  # a malformed ?edit= opens no address (saving one then says it does not exist)
    if edit_id and (request.method == "GET" or request.POST.get("action") == "save"):
        try:
            editing = account_services.address_get(user=request.user, address_id=edit_id)
        except ApplicationError:
            editing = None
    if request.method == "POST" and request.POST.get("action", "add") in ("add", "save"):
        form = AddressForm(request.POST)
    else:
        form = AddressForm(initial=_address_initial(editing) if editing else None)
    if request.method == "POST":
        action = request.POST.get("action", "add")
        try:
            if action in ("delete", "default"):
                address_id = _id(request.POST.get("address_id"), field="address_id", label=_("收货地址"))
            if action == "delete":
                account_services.address_delete(user=request.user, address_id=address_id)
                return redirect(request.get_full_path())
            if action == "default":
                address = account_services.address_get(user=request.user, address_id=address_id)
                account_services.address_save(user=request.user, address_id=address.pk, is_default=True)
                return redirect(request.get_full_path())
            if action == "save" and editing is None:
                raise ApplicationError("address_not_found", _("地址不存在。"))
            if form.is_valid():
                data = {k: v for k, v in form.cleaned_data.items() if k != "is_default"}
                address = account_services.address_save(
                    user=request.user,
                    address_id=editing.pk if editing else None,
                    is_default=form.cleaned_data["is_default"] or None,
                    **data,
                )
                if back:
                    return redirect(f"{back}{'&' if '?' in back else '?'}address={address.pk}")
                return redirect(request.path)
        except ApplicationError as exc:
            if form.is_bound:
                form.add_service_error(exc)
            else:  # a delete/default action: its error is not the address form's
                messages.error(request, exc.message)
    context = _context(
        request,
        shop,
        form=form,
        editing=editing,
        addresses=list(Address.objects.filter(user=request.user)),
        next=back,
        tab="me",
    )
    return render(request, "orders/addresses.html", context)


# ---------------------------------------------------------------- orders


@cache_shopper_page(params=("tab",))
@shop_page
def order_list(request: HttpRequest, shop: Shop) -> HttpResponse:
    """My orders (a tab of them), cached for the shopper until one of their orders changes."""
    if denied := _login_required(request):
        return denied
    tab = request.GET.get("tab", "")
    tab = tab if tab in TAB_NAMES else ""
    orders = list(selectors.order_list_for_user(user=request.user, shop=shop, tab=tab or None)[:50])
    return render(
        request,
        "orders/order_list.html",
        _context(request, shop, orders=orders, current=tab, tabs=TAB_LABELS, tab="orders"),
    )


@shop_page
def order_detail(request: HttpRequest, shop: Shop, order_no: str) -> HttpResponse:
    if denied := _login_required(request):
        return denied
    order = selectors.order_detail_for_user(user=request.user, shop=shop, order_no=order_no)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "cancel":
                order_services.order_cancel(
                    order=order, actor=request.user, actor_kind=OrderEvent.Actor.SHOPPER, reason=_("顾客取消")
                )
                messages.success(request, _("订单已取消。"))
            elif action == "confirm":
                order_services.order_confirm_receipt(order=order, user=request.user)
                messages.success(request, _("已确认收货，感谢您的购买！"))
            elif action == "withdraw":
                after_sale_services.after_sale_withdraw(
                    order=order, user=request.user, after_sale_no=request.POST.get("after_sale_no", "")
                )
                messages.success(request, _("售后申请已撤销。"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("h5:order", shop.slug, order.order_no)
    events = list(order.events.all())
    for event in events:
        event.timeline_label = order_event_label(event)  # type: ignore[attr-defined]
    return render(
        request,
        "orders/order_detail.html",
        _context(
            request,
            shop,
            order=order,
            events=events[::-1],
            tab="orders",
            links=order_page_links(order=order),
            states=order_page_states(order=order),
            **selectors.order_after_sale_state(order),
        ),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(ImageUploadFormField):
    """Up to three photos, each under the project's upload rule (core.uploads; the service checks
    them again)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


class AfterSaleForm(forms.Form):
    """The shopper's after-sale request: the type, which lines and how many of each (a checkbox
    and a quantity per line that has units left, all ticked at first), the amount (blank: what
    the ticked lines may give back; with no line ticked: required, and split over the lines when
    the merchant approves), the reason and photos. The service checks everything again."""

    kind = forms.ChoiceField(
        label=gettext_lazy("售后类型"), choices=AfterSale.Kind.choices, widget=forms.RadioSelect
    )
    amount_fen = YuanFormField(
        label=gettext_lazy("退款金额（元）"), required=False,
        help_text=gettext_lazy("不填则按所选商品的可退金额退款；不选商品、只退部分金额时请填写。"),
    )  # fmt: skip
    reason = forms.CharField(
        label=gettext_lazy("原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请填写售后原因。")},  # as after_sale_request says it
    )  # fmt: skip
    photos = MultipleImageField(label=gettext_lazy("图片（可选，最多 3 张）"), required=False)

    def __init__(self, *args, order_lines=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.line_rows: list[dict] = []
        for line in order_lines:  # each with ``line.refund`` (selectors.order_lines_refund_state)
            left = line.refund.refundable_quantity
            if not left:
                continue
            check, qty = f"line_{line.pk}", f"qty_{line.pk}"
            item = f"{line.title} {line.spec_text}".strip()
            self.fields[check] = forms.BooleanField(label=item, required=False, initial=True)
            self.fields[qty] = AsciiIntegerFormField(
                label=_("“%(item)s”的数量") % {"item": item}, required=False, initial=left,
                min_value=1, max_value=left,
                error_messages={"min_value": _("“%(item)s”至少退 1 件。") % {"item": item},
                                "max_value": _("“%(item)s”最多还能退 %(n)d 件。") % {"item": item, "n": left}},
                widget=forms.NumberInput(
                    attrs={"class": "qtyin", "inputmode": "numeric", "aria-label": _("%(item)s 退货数量") % {"item": item}}
                ),
            )  # fmt: skip
            self.line_rows.append({"line": line, "check": check, "qty": qty})

    def clean(self):
        cleaned = super().clean()
        for row in self.line_rows:
            if (
                cleaned.get(row["check"])
                and cleaned.get(row["qty"]) is None
                and row["qty"] not in self.errors
            ):
                self.add_error(
                    row["qty"], _("请填写“%(item)s”的数量。") % {"item": self.fields[row["check"]].label}
                )
        return cleaned

    def rows(self) -> list[dict]:
        """The line rows with their bound fields, for the template."""
        return [{**row, "check": self[row["check"]], "qty": self[row["qty"]]} for row in self.line_rows]

    def chosen_lines(self) -> list[tuple[int, int]]:
        """``[(line id, quantity), ...]`` of the ticked lines (after ``is_valid``)."""
        return [
            (row["line"].pk, self.cleaned_data[row["qty"]])
            for row in self.line_rows
            if self.cleaned_data.get(row["check"])
        ]


@shop_page
def after_sale_new(request: HttpRequest, shop: Shop, order_no: str) -> HttpResponse:
    if denied := _login_required(request):
        return denied
    order = selectors.order_detail_for_user(user=request.user, shop=shop, order_no=order_no)
    if request.method == "GET" and not (state := selectors.order_after_sale_state(order))["can_after_sale"]:
        # Say why on the order page instead of showing a form that can only be refused.
        if state["open_after_sale"]:
            messages.info(request, _("该订单已有处理中的售后申请，请等待商家处理。"))
        else:
            messages.info(request, _("该订单当前不能申请售后。"))
        return redirect("h5:order", shop.slug, order.order_no)
    form = AfterSaleForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"kind": "refund_only"},
        order_lines=order.lines.all(),
    )
    if order.status == OrderStatus.PAID:  # not shipped yet: only a refund (as after_sale_request rules)
        form.fields["kind"].choices = [(AfterSale.Kind.REFUND_ONLY, AfterSale.Kind.REFUND_ONLY.label)]
    if request.method == "POST" and form.is_valid():
        photos = form.cleaned_data["photos"]
        try:
            after_sale_services.after_sale_request(
                order=order, user=request.user, kind=form.cleaned_data["kind"], reason=form.cleaned_data["reason"],
                amount_fen=form.cleaned_data["amount_fen"], lines=form.chosen_lines() or None, photos=photos,
            )  # fmt: skip
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("售后申请已提交，商家会尽快处理。"))
            return redirect("h5:order", shop.slug, order.order_no)
    return render(
        request, "orders/after_sale.html", _context(request, shop, order=order, form=form, tab="orders")
    )


class ReturnShipmentForm(forms.Form):
    """The parcel a shopper sends back: carrier and tracking number (the service checks them again)."""

    carrier = forms.ChoiceField(
        label=gettext_lazy("快递公司"), choices=[("", gettext_lazy("请选择快递公司")), *Carrier.choices],
        error_messages={"required": gettext_lazy("请选择快递公司。")},
    )  # fmt: skip
    carrier_name = forms.CharField(
        label=gettext_lazy("快递公司名称（选择“其他”时填写）"), max_length=32, required=False
    )
    tracking_no = forms.CharField(
        label=gettext_lazy("运单号"), max_length=40,
        error_messages={"required": gettext_lazy("请填写运单号。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "latin", "spellcheck": "false"}),
    )  # fmt: skip

    def add_service_error(self, exc: ApplicationError) -> None:
        placed = False
        for name in exc.fields:
            if name in self.fields:
                self.add_error(name, exc.message)
                placed = True
        if not placed:
            self.add_error(None, exc.message)


@shop_page
def after_sale_detail(request: HttpRequest, shop: Shop, order_no: str, after_sale_no: str) -> HttpResponse:
    """One after-sale: its steps and deadline, the return address once a return is approved, the
    form for the parcel sent back, what was sent, and its history."""
    if denied := _login_required(request):
        return denied
    try:
        after_sale = selectors.after_sale_detail_for_user(
            user=request.user, shop=shop, order_no=order_no, after_sale_no=after_sale_no
        )
    except NotFoundError as exc:
        raise Http404 from exc
    form = ReturnShipmentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "ship":
                if form.is_valid():
                    return_services.after_sale_return_ship(
                        order=after_sale.order, user=request.user, after_sale_no=after_sale.after_sale_no,
                        **form.cleaned_data,
                    )  # fmt: skip
                    messages.success(request, _("退货物流已提交，等待商家收货。"))
                    return redirect("h5:after-sale-detail", shop.slug, order_no, after_sale.after_sale_no)
            elif action == "withdraw":
                after_sale_services.after_sale_withdraw(
                    order=after_sale.order, user=request.user, after_sale_no=after_sale.after_sale_no
                )
                messages.success(request, _("售后申请已撤销。"))
                return redirect("h5:after-sale-detail", shop.slug, order_no, after_sale.after_sale_no)
            else:
                return redirect("h5:after-sale-detail", shop.slug, order_no, after_sale.after_sale_no)
        except ApplicationError as exc:
            if action == "ship":
                form.add_service_error(exc)
            else:
                messages.error(request, exc.message)
                return redirect("h5:after-sale-detail", shop.slug, order_no, after_sale.after_sale_no)
    else:
        form = ReturnShipmentForm()
    photos = list(after_sale.photos.all())
    context = _context(
        request, shop, after_sale=after_sale, order=after_sale.order, form=form, tab="orders",
        progress=selectors.after_sale_progress(after_sale),
        shopper_photos=[p for p in photos if p.by == AfterSalePhoto.By.SHOPPER],
        merchant_photos=[p for p in photos if p.by == AfterSalePhoto.By.MERCHANT],
        events=list(after_sale.events.all()),
    )  # fmt: skip
    return render(request, "orders/after_sale_detail.html", context)
