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

from accounts import services as account_services
from accounts.models import Address
from catalog.selectors import product_get_public, shop_get_public
from orders import selectors, services
from orders.models import AfterSale, OrderEvent, OrderStatus
from orders.selectors import TAB_NAMES
from shop.errors import ApplicationError, NotFoundError
from shop.h5 import is_wechat, not_found_as_404
from shop.money import YuanFormField

TAB_LABELS = [("", gettext_lazy("全部")), ("pending_payment", gettext_lazy("待付款")), ("to_ship", gettext_lazy("待发货")),
              ("to_receive", gettext_lazy("待收货")), ("completed", gettext_lazy("已完成")), ("after_sale", gettext_lazy("售后"))]  # fmt: skip


def _login_required(request: HttpRequest) -> HttpResponse | None:
    if request.user.is_authenticated:
        return None
    return redirect_to_login(request.get_full_path(), login_url=reverse("shopper-login"))


def _cart(request: HttpRequest, shop, *, create: bool = False):
    if request.user.is_authenticated:
        return services.cart_get(shop=shop, user=request.user, create=create)
    if not request.session.session_key:
        if not create:
            return None
        request.session.save()
    return services.cart_get(shop=shop, session_key=request.session.session_key, create=create)


def _context(request, shop, **extra):
    return {"shop": shop, "is_wechat": is_wechat(request), **extra}


def _int(value, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# ---------------------------------------------------------------- cart


@not_found_as_404
def cart(request: HttpRequest, shop_slug: str) -> HttpResponse:
    shop = shop_get_public(slug=shop_slug)
    items = selectors.cart_items(cart=_cart(request, shop))
    rows = [
        {"item": i, "ok": i.sku.is_active and i.sku.product.status == "on_sale" and i.sku.stock >= i.quantity}
        for i in items
    ]
    total = sum(r["item"].sku.price_fen * r["item"].quantity for r in rows if r["ok"])
    return render(request, "orders/cart.html", _context(request, shop, rows=rows, total=total, tab="cart"))


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
@not_found_as_404
def cart_add(request: HttpRequest, shop_slug: str) -> HttpResponse:
    shop = shop_get_public(slug=shop_slug)
    sku_id, quantity = _int(request.POST.get("sku_id")), _int(request.POST.get("quantity"), 1)
    if sku_id <= 0:  # the spec buttons (or the select, without JavaScript) were left unchosen
        messages.error(request, _choose_spec_message(shop, _int(request.POST.get("product"))))
        return _back_to_product(request, shop)
    try:
        services.cart_add(cart=_cart(request, shop, create=True), sku_id=sku_id, quantity=quantity)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _back_to_product(request, shop, sku=sku_id, qty=quantity if quantity > 0 else None)
    if request.POST.get("buy_now"):
        return redirect(
            reverse("h5:checkout", args=[shop.slug]) + "?" + urlencode({"sku": sku_id, "qty": quantity})
        )
    messages.success(request, _("已加入购物车。"))
    return redirect("h5:cart", shop.slug)


@require_POST
@not_found_as_404
def cart_item(request: HttpRequest, shop_slug: str, item_id: int) -> HttpResponse:
    shop = shop_get_public(slug=shop_slug)
    current = _cart(request, shop)
    if current is None:
        raise Http404
    try:
        if request.POST.get("remove"):
            services.cart_remove(cart=current, item_id=item_id)
        else:
            services.cart_set_quantity(
                cart=current, item_id=item_id, quantity=_int(request.POST.get("quantity"))
            )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("h5:cart", shop.slug)


# ---------------------------------------------------------------- checkout


def _checkout_items(request: HttpRequest, shop) -> list[tuple[int, int]]:
    source = request.POST if request.method == "POST" else request.GET
    if source.get("sku"):  # "buy now": one SKU, not the cart
        return [(_int(source.get("sku")), _int(source.get("qty"), 1))]
    return [(i.sku_id, i.quantity) for i in selectors.cart_items(cart=_cart(request, shop))]


@not_found_as_404
def checkout(request: HttpRequest, shop_slug: str) -> HttpResponse:
    if denied := _login_required(request):
        return denied
    shop = shop_get_public(slug=shop_slug)
    items = _checkout_items(request, shop)
    if not items:
        messages.info(request, _("购物车是空的。"))
        return redirect("h5:cart", shop.slug)
    addresses = list(Address.objects.filter(user=request.user))
    chosen_id = _int(request.POST.get("address_id") or request.GET.get("address"), 0)
    address = next((a for a in addresses if a.pk == chosen_id), None) or next(iter(addresses), None)
    payment_error = _payment_error(shop)
    if request.method == "POST":
        try:
            order = services.order_place(
                shop=shop, user=request.user, items=items, address_id=address.pk if address else None,
                remark=request.POST.get("remark", ""), idempotency_key=request.POST.get("token", "")[:64],
            )  # fmt: skip
        except ApplicationError as exc:
            if exc.code != "payment_not_configured":  # that one is said on the page itself
                messages.error(request, exc.message)
        else:
            return redirect("h5:order", shop.slug, order.order_no)
    try:
        preview = services.checkout_preview(shop=shop, user=request.user, items=items, address=address)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("h5:cart", shop.slug)
    context = _context(
        request, shop, preview=preview, addresses=addresses, address=address, token=uuid.uuid4().hex,
        buy_now=request.GET.get("sku") or request.POST.get("sku"), qty=request.GET.get("qty") or request.POST.get("qty"),
        remark=request.POST.get("remark", ""), payment_error=payment_error,
    )  # fmt: skip
    return render(request, "orders/checkout.html", context)


def _payment_error(shop) -> str:
    """Why the shop cannot take an order now (no WeChat Pay yet), said before the shopper submits."""
    from payments.services import payment_require_configured

    try:
        payment_require_configured(shop=shop)
    except ApplicationError as exc:
        return exc.message
    return ""


# ---------------------------------------------------------------- addresses


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = ["recipient", "phone", "province", "city", "district", "detail", "is_default"]


@not_found_as_404
def addresses(request: HttpRequest, shop_slug: str) -> HttpResponse:
    if denied := _login_required(request):
        return denied
    shop = shop_get_public(slug=shop_slug)
    form = AddressForm(request.POST or None)
    back = request.GET.get("next") or request.POST.get("next") or ""
    back = back if back.startswith(f"/s/{shop.slug}/") else ""
    if request.method == "POST":
        action, address_id = request.POST.get("action", "add"), _int(request.POST.get("address_id"))
        try:
            if action == "delete":
                account_services.address_delete(user=request.user, address_id=address_id)
                return redirect(request.get_full_path())
            if action == "default":
                address = account_services.address_get(user=request.user, address_id=address_id)
                account_services.address_save(user=request.user, address_id=address.pk, is_default=True)
                return redirect(request.get_full_path())
            if form.is_valid():
                data = {k: v for k, v in form.cleaned_data.items() if k != "is_default"}
                address = account_services.address_save(
                    user=request.user, is_default=form.cleaned_data["is_default"], **data
                )
                if back:
                    return redirect(f"{back}{'&' if '?' in back else '?'}address={address.pk}")
                return redirect(request.get_full_path())
        except ApplicationError as exc:
            form.add_error(None, exc.message)
    context = _context(
        request,
        shop,
        form=form,
        addresses=list(Address.objects.filter(user=request.user)),
        next=back,
        tab="me",
    )
    return render(request, "orders/addresses.html", context)


# ---------------------------------------------------------------- orders


@not_found_as_404
def order_list(request: HttpRequest, shop_slug: str) -> HttpResponse:
    if denied := _login_required(request):
        return denied
    shop = shop_get_public(slug=shop_slug)
    tab = request.GET.get("tab", "")
    tab = tab if tab in TAB_NAMES else ""
    orders = list(selectors.order_list_for_user(user=request.user, shop=shop, tab=tab or None)[:50])
    return render(
        request,
        "orders/order_list.html",
        _context(request, shop, orders=orders, current=tab, tabs=TAB_LABELS, tab="orders"),
    )


@not_found_as_404
def order_detail(request: HttpRequest, shop_slug: str, order_no: str) -> HttpResponse:
    if denied := _login_required(request):
        return denied
    shop = shop_get_public(slug=shop_slug)
    order = selectors.order_detail_for_user(user=request.user, shop=shop, order_no=order_no)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "cancel":
                services.order_cancel(
                    order=order, actor=request.user, actor_kind=OrderEvent.Actor.SHOPPER, reason=_("顾客取消")
                )
                messages.success(request, _("订单已取消。"))
            elif action == "confirm":
                services.order_confirm_receipt(order=order, user=request.user)
                messages.success(request, _("已确认收货，感谢您的购买！"))
            elif action == "withdraw":
                services.after_sale_withdraw(
                    order=order, user=request.user, after_sale_no=request.POST.get("after_sale_no", "")
                )
                messages.success(request, _("售后申请已撤销。"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("h5:order", shop.slug, order.order_no)
    events = list(order.events.all())
    return render(
        request,
        "orders/order_detail.html",
        _context(
            request,
            shop,
            order=order,
            events=events[::-1],
            tab="orders",
            **selectors.order_after_sale_state(order),
        ),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Up to three photos; each is checked again by the service (real image, size limits)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


class AfterSaleForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("售后类型"), choices=AfterSale.Kind.choices, widget=forms.RadioSelect
    )
    amount_fen = YuanFormField(label=gettext_lazy("退款金额（元）"))
    reason = forms.CharField(
        label=gettext_lazy("原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleImageField(label=gettext_lazy("图片（可选，最多 3 张）"), required=False)


@not_found_as_404
def after_sale_new(request: HttpRequest, shop_slug: str, order_no: str) -> HttpResponse:
    if denied := _login_required(request):
        return denied
    shop = shop_get_public(slug=shop_slug)
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
        initial={"kind": "refund_only", "amount_fen": order.refundable_fen},
    )
    if order.status == OrderStatus.PAID:  # not shipped yet: only a refund (as after_sale_request rules)
        form.fields["kind"].choices = [(AfterSale.Kind.REFUND_ONLY, AfterSale.Kind.REFUND_ONLY.label)]
    if request.method == "POST" and form.is_valid():
        photos = form.cleaned_data["photos"]
        try:
            services.after_sale_request(
                order=order, user=request.user, kind=form.cleaned_data["kind"], reason=form.cleaned_data["reason"],
                amount_fen=form.cleaned_data["amount_fen"], photos=photos,
            )  # fmt: skip
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("售后申请已提交，商家会尽快处理。"))
            return redirect("h5:order", shop.slug, order.order_no)
    return render(
        request, "orders/after_sale.html", _context(request, shop, order=order, form=form, tab="orders")
    )
