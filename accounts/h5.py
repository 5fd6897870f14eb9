"""The shopper's member centre (个人中心) inside a shop: who they are, how WeChat knows them, links to
orders and addresses, and the choice to show their WeChat nickname and avatar."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from catalog.selectors import shop_get_public
from shop.h5 import is_wechat, not_found_as_404
from wechat.models import WeChatIdentity
from wechat.services import account_for_shop
from wechat.views import oauth_url


def masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else phone


@not_found_as_404
def me(request: HttpRequest, shop_slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url=reverse("shopper-login"))
    shop = shop_get_public(slug=shop_slug)
    account = account_for_shop(shop_slug=shop_slug)
    identity = (
        WeChatIdentity.objects.filter(user=request.user, appid=account.appid).first() if account else None
    )
    here = reverse("h5:me", args=[shop_slug])
    return render(request, "accounts/me.html", {
        "shop": shop, "tab": "me", "identity": identity, "phone": masked(request.user.phone),
        "show_profile_url": oauth_url(shop_slug, here, scope="userinfo")
        if account and is_wechat(request) and not (identity and identity.avatar_url) else "",
    })  # fmt: skip
