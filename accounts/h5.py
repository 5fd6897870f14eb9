"""The shopper's member centre (个人中心) inside a shop: who they are, how WeChat knows them, links to
orders and addresses, and the choice to show their WeChat nickname and avatar; and its 隐私与数据
page (docs/privacy.md): download what the shop holds about them, or delete the account."""

from __future__ import annotations

import json

from django import forms
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from accounts import privacy
from accounts.ports import me_context
from core.errors import ApplicationError
from core.masking import mask_phone
from shop.h5 import shop_page
from shop.models import Shop


def _login(request: HttpRequest) -> HttpResponse:
    return redirect_to_login(request.get_full_path(), login_url=reverse("shopper-login"))


@shop_page
def me(request: HttpRequest, shop: Shop) -> HttpResponse:
    if not request.user.is_authenticated:
        return _login(request)
    context = {
        "shop": shop,
        "tab": "me",
        "phone": mask_phone(request.user.phone),
        "identity": None,
        "show_profile_url": "",
    }
    context.update(me_context(request, shop))  # wechat: the WeChat identity and the profile link
    return render(request, "accounts/me.html", context)


@never_cache
@shop_page
def privacy_page(request: HttpRequest, shop: Shop) -> HttpResponse:
    """隐私与数据: the download and the way to 注销账号."""
    if not request.user.is_authenticated:
        return _login(request)
    return render(request, "accounts/privacy.html", {"shop": shop, "tab": "me"})


@never_cache
@shop_page
def privacy_data(request: HttpRequest, shop: Shop) -> HttpResponse:
    """下载我的数据: a JSON file of everything held about the shopper in this shop."""
    if not request.user.is_authenticated:
        return _login(request)
    data = privacy.account_data_export(user=request.user, shop=shop)
    inline = request.GET.get("inline") == "1"  # shown in the page: WeChat's browser cannot save files
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type=f"{'text/plain' if inline else 'application/json'}; charset=utf-8",
    )
    if not inline:
        filename = f"my-data-{shop.slug}-{timezone.localdate():%Y%m%d}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class EraseForm(forms.Form):
    confirm = forms.CharField(
        label=gettext_lazy("请输入“注销”确认"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


@never_cache
@shop_page
def privacy_erase(request: HttpRequest, shop: Shop) -> HttpResponse:
    """注销账号: what goes and what stays, what must finish first, and the typed confirmation."""
    if not request.user.is_authenticated:
        return _login(request)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.account_erase(user=request.user, confirmation=form.cleaned_data["confirm"])
        except ApplicationError as exc:
            if exc.code != "account_erase_blocked":  # the page lists what must finish first
                form.add_error("confirm" if exc.code == "account_erase_unconfirmed" else None, exc.message)
        else:
            logout(request)
            home = reverse("h5:home", args=[shop.slug])
            return redirect(f"{reverse('account-erased')}?{urlencode({'next': home})}")
    context = {
        "shop": shop,
        "tab": "me",
        "form": form,
        "blockers": privacy.account_erase_blockers(user=request.user),
        "word": privacy.ERASE_CONFIRMATION,
    }
    return render(request, "accounts/privacy_erase.html", context)
