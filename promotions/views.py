"""The shopper's coupon and red-packet pages (H5, no JavaScript needed): claim, 我的优惠券, the
checkout's coupon picker and the red-packet page of a share link; and the claimable-coupons
section of the shop home and product pages (``storefront_section``)."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.auth import safe_next
from accounts.models import User
from core.errors import ApplicationError, NotFoundError
from core.h5 import is_wechat
from core.integers import parse_int
from orders.ports import checkout_choice_options
from orders.services import checkout as checkout_services
from promotions import rules, selectors, services
from promotions.models import CouponClaim, RedPacketPool
from shop.h5 import shop_page
from shop.models import Shop

MY_TABS = [
    ("usable", gettext_lazy("可使用")),
    ("used", gettext_lazy("已使用")),
    ("expired", gettext_lazy("已过期")),
]


def _shopper(request: HttpRequest) -> User:
    """The logged-in shopper (after ``_login`` let them in)."""
    return cast(User, request.user)


def _login(request: HttpRequest, next_path: str | None = None) -> HttpResponse | None:
    if request.user.is_authenticated:
        return None
    return redirect_to_login(next_path or request.get_full_path(), login_url=reverse("shopper-login"))


def storefront_section(*, shop: Shop, product: Any = None, csrf_token: str = "") -> str:
    """The claimable coupons on the shop home or a product page (registered on catalog's port).
    The same for everyone: each button posts the claim (or, on a page cached as a whole, links to
    the claim page, which asks a visitor to log in first)."""
    if product is None:
        shown = selectors.claimable_with_scopes(shop=shop)
    else:
        shown = selectors.claimable_for_product(shop=shop, product=product)
    if not shown:
        return ""
    back = (
        reverse("h5:product", args=[shop.slug, product.pk])
        if product is not None
        else reverse("h5:home", args=[shop.slug])
    )
    return render_to_string(
        "promotions/section.html",
        {
            "shop": shop,
            "shown": shown[:10],
            "csrf_token": csrf_token,
            "back": back,
            "on_product": product is not None,
        },
    )


@shop_page
def coupon_claim(request: HttpRequest, shop: Shop, coupon_id: int) -> HttpResponse:
    """GET: the coupon and a 领取 button (where a visitor of a cached page lands, after login).
    POST: claim it and go back."""
    back = safe_next(request, default=reverse("h5:coupons", args=[shop.slug]))
    here = reverse("h5:coupon-claim", args=[shop.slug, coupon_id]) + "?" + urlencode({"next": back})
    if denied := _login(request, here):
        return denied
    try:
        coupon = services.coupon_get_for_shop(shop=shop, coupon_id=coupon_id)
        if request.method == "POST":
            services.coupon_claim(shop=shop, user=_shopper(request), coupon=coupon)
            messages.success(request, _("领取成功：%(name)s。") % {"name": coupon.name})
            return redirect(back)
    except ApplicationError as exc:
        if exc.code == "coupon_not_found":
            raise
        messages.error(request, exc.message)
        return redirect(back)
    context = {"shop": shop, "is_wechat": is_wechat(request), "coupon": coupon, "next": back}
    return render(request, "promotions/claim.html", context)


@shop_page
def my_coupons(request: HttpRequest, shop: Shop) -> HttpResponse:
    if denied := _login(request):
        return denied
    tab = request.GET.get("tab", "usable")
    tab = tab if tab in selectors.MY_TABS else "usable"
    claims = list(selectors.my_claims(shop=shop, user=_shopper(request), tab=tab)[:100])
    context = {
        "shop": shop, "is_wechat": is_wechat(request), "claims": claims, "current": tab, "tabs": MY_TABS,
        "tab": "me",
    }  # fmt: skip
    return render(request, "promotions/mine.html", context)


def _checkout_items(request: HttpRequest, shop: Shop) -> list[tuple[int, int]]:
    if request.GET.get("sku"):
        sku = parse_int(request.GET.get("sku"), field="sku", label=_("商品规格"))
        qty = parse_int(request.GET.get("qty"), field="qty", label=_("数量"), default=1)
        return [(sku, qty)]
    return checkout_services.cart_checkout_items(shop=shop, user=_shopper(request))


@shop_page
def coupon_choose(request: HttpRequest, shop: Shop) -> HttpResponse:
    """The checkout's coupon picker: the shopper's usable coupons of this shop, each with what it
    takes off this checkout (or why it cannot be used); choosing goes back to checkout with
    ``coupon=<claim id>``, 不使用优惠券 with ``coupon=none``."""
    if denied := _login(request):
        return denied
    kept = ("sku", "qty", "address", *checkout_choice_options())  # and the checkout's switches (积分抵扣)
    keep = {k: request.GET[k] for k in kept if request.GET.get(k)}
    checkout_url = reverse("h5:checkout", args=[shop.slug])
    try:
        items = _checkout_items(request, shop)
        preview = checkout_services.checkout_preview(
            shop=shop, user=_shopper(request), items=items, options={rules.OPTION: rules.NONE}
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("h5:cart", shop.slug)
    lines = preview.context.lines if preview.context is not None else ()
    evaluations = rules.claims_evaluate(rules.usable_claims(shop=shop, user=_shopper(request)), lines=lines)
    evaluations.sort(key=lambda e: (e.refusal is not None, -e.amount_fen, e.claim.valid_until))
    options = [
        {"evaluation": e, "url": checkout_url + "?" + urlencode({**keep, "coupon": e.claim.pk})}
        for e in evaluations
    ]
    context = {
        "shop": shop, "is_wechat": is_wechat(request), "options": options,
        "none_url": checkout_url + "?" + urlencode({**keep, "coupon": rules.NONE}),
        "chosen": request.GET.get("coupon", ""),
    }  # fmt: skip
    return render(request, "promotions/choose.html", context)


@shop_page
def red_packet(request: HttpRequest, shop: Shop, token: str) -> HttpResponse:
    """The page a red packet's share link opens: inside WeChat, a logged-in shopper taps 拆红包
    (POST) and gets one random packet as a coupon of this shop."""
    pool_id = services.red_packet_pool_from_token(shop=shop, token=token)  # a bad link is the 404 page
    pool = RedPacketPool.objects.select_related("coupon").filter(pk=pool_id, shop=shop).first()
    if pool is None:
        raise NotFoundError("coupon_not_found", _("没有找到这个红包。"))
    wechat = is_wechat(request)
    claim: CouponClaim | None = None
    if request.user.is_authenticated:
        claim = CouponClaim.objects.filter(coupon_id=pool.coupon_id, user=_shopper(request)).first()
    if request.method == "POST" and claim is None:
        if denied := _login(request):
            return denied
        if not wechat:
            messages.error(request, _("请在微信中打开这个红包。"))
        else:
            try:
                claim = services.red_packet_open(shop=shop, user=_shopper(request), pool_id=pool.pk)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                return redirect(request.path)
    context = {
        "shop": shop, "is_wechat": wechat, "pool": pool, "claim": claim, "coupon": pool.coupon,
        "claim_rule": rules.coupon_rule_text(pool.coupon, amount_fen=claim.amount_fen) if claim else "",
    }  # fmt: skip
    return render(request, "promotions/red_packet.html", context)
