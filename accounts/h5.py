"""The shopper's member centre (个人中心) inside a shop: who they are, how WeChat knows them, links to
orders and addresses, and the choice to show their WeChat nickname and avatar."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from accounts.ports import me_context
from core.masking import mask_phone
from shop.h5 import shop_page
from shop.models import Shop


@shop_page
def me(request: HttpRequest, shop: Shop) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url=reverse("shopper-login"))
    context = {
        "shop": shop,
        "tab": "me",
        "phone": mask_phone(request.user.phone),
        "identity": None,
        "show_profile_url": "",
    }
    context.update(me_context(request, shop))  # wechat: the WeChat identity and the profile link
    return render(request, "accounts/me.html", context)
