"""Paying from the H5 order page, in every place a shopper can be.

- inside WeChat: JSAPI (``WeixinJSBridge.invoke('getBrandWCPayRequest', …)`` with server-signed
  parameters);
- a desktop browser: Native (a QR code of ``code_url``; the page moves on by itself once paid);
- a phone browser outside WeChat: H5 (a redirect to ``h5_url``, back to the order afterwards).
The page knows nothing of the local simulator: in simulator mode the simulator answers the same
protocol with its own pages (devtools/wechatpay_sim/). The payer's openid, and the WeChat login
that gets it, come through the payer-identity port (payments/ports.py).
"""

from __future__ import annotations

import re
from urllib.parse import quote

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.errors import ApplicationError
from core.h5 import client_ip, is_wechat
from orders import selectors
from payments import services
from payments.models import WeChatPayConfig
from payments.ports import payer_resolve
from payments.wechat.provider import client_invoke_params
from shop.h5 import shop_page
from shop.models import Shop

MOBILE = re.compile(r"Mobile|Android|iPhone|iPad", re.IGNORECASE)


def scene_for(request: HttpRequest) -> str:
    if is_wechat(request):
        return "jsapi"
    return "h5" if MOBILE.search(request.headers.get("User-Agent", "")) else "native"


def notify_url(request: HttpRequest, shop_slug: str) -> str:
    path = reverse("wechat-notify", args=[shop_slug])
    return f"{settings.PUBLIC_URL}{path}" if settings.PUBLIC_URL else request.build_absolute_uri(path)


@shop_page
def pay(request: HttpRequest, shop: Shop, order_no: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('shopper-login')}?next={quote(request.get_full_path())}")
    order = selectors.order_detail_for_user(user=request.user, shop=shop, order_no=order_no)
    order_url = reverse("h5:order", args=[shop.slug, order.order_no])
    scene = (
        request.GET.get("scene")
        if request.GET.get("scene") in ("jsapi", "native", "h5")
        else scene_for(request)
    )
    config = WeChatPayConfig.objects.filter(shop=shop).first()
    openid, login_url = payer_resolve(
        user=request.user, config=config, scene=scene, shop=shop, next_path=request.get_full_path()
    )
    if scene == "jsapi" and not openid and login_url:
        # Signed in without WeChat (e.g. by phone) but paying inside WeChat: get their openid first.
        return redirect(login_url)
    try:
        attempt = services.payment_start(
            order=order, scene=scene, notify_url=notify_url(request, shop.slug), openid=openid,
            client_ip=client_ip(request),
        )  # fmt: skip
    except ApplicationError as exc:  # e.g. 503 payment_provider_unavailable: a Chinese message, never a 500
        return render(
            request,
            "payments/pay.html",
            {"shop": shop, "order": order, "error": exc.message, "order_url": order_url},
            status=exc.http_status,
        )
    context = {"shop": shop, "order": order, "attempt": attempt, "scene": scene, "order_url": order_url}
    if scene == "h5":
        return redirect(f"{attempt.h5_url}&redirect_url={quote(request.build_absolute_uri(order_url))}")
    if scene == "native":
        context["qr_svg"] = segno.make(attempt.code_url, error="m").svg_inline(scale=5)
        # A code a browser can open (not WeChat's ``weixin://``) is a link as well as a QR code.
        context["code_link"] = (
            attempt.code_url if attempt.code_url.startswith(("http://", "https://")) else ""
        )
    if scene == "jsapi":
        context["invoke"] = client_invoke_params(config, appid=config.appid, prepay_id=attempt.prepay_id)
    return render(request, "payments/pay.html", context)


@shop_page
def status(request: HttpRequest, shop: Shop, order_no: str) -> JsonResponse:
    """Polled by the QR page: is the order paid yet? (Asks WeChat if no notification came.)"""
    if not request.user.is_authenticated:
        return JsonResponse({"paid": False}, status=401)
    order = selectors.order_detail_for_user(user=request.user, shop=shop, order_no=order_no)
    paid = order.paid_at is not None or services.payment_refresh(order=order)
    return JsonResponse({"paid": paid})
