"""Open a shop in minutes: /merchant/signup/ creates the owner account and the (unverified) shop,
logs the merchant in and lands them in admin with the first-steps checklist."""

from __future__ import annotations

from django import forms
from django.contrib.auth import login
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from shop import services
from shop.errors import ApplicationError
from shop.h5 import client_ip

SIGNUPS_PER_IP_PER_HOUR = 5


class SignupForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("店铺名称"), max_length=64)
    slug = forms.CharField(
        label=gettext_lazy("店铺地址"),
        max_length=32,
        help_text=gettext_lazy("小写字母、数字或连字符，3–32 位，例如 xiaoman：店铺链接为 /s/xiaoman/"),
    )
    username = forms.CharField(label=gettext_lazy("登录用户名"), max_length=150)
    phone = forms.RegexField(
        label=gettext_lazy("手机号"), regex=r"^1[3-9]\d{9}$", required=False,
        error_messages={"invalid": gettext_lazy("请输入有效的 11 位手机号码。")},
    )  # fmt: skip
    password = forms.CharField(label=gettext_lazy("密码"), widget=forms.PasswordInput, min_length=8)
    password2 = forms.CharField(label=gettext_lazy("确认密码"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


@never_cache
@csrf_protect
def merchant_signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = f"signup-ip:{client_ip(request)}"
        if cache.get(key, 0) >= SIGNUPS_PER_IP_PER_HOUR:
            form.add_error(None, _("注册太频繁，请一小时后再试。"))
        else:
            data = form.cleaned_data
            try:
                shop = services.shop_create_with_owner(
                    name=data["name"], slug=data["slug"], username=data["username"], password=data["password"],
                    phone=data.get("phone") or "",
                )  # fmt: skip
            except ApplicationError as exc:
                field = next((name for name in exc.fields if name in form.fields), None)
                form.add_error(field, exc.message)
            else:
                cache.add(key, 0, timeout=3600)
                cache.incr(key)
                owner = shop.memberships.get().user
                login(request, owner, backend="django.contrib.auth.backends.ModelBackend")
                return redirect("admin:index")
    return render(request, "shop/signup.html", {"form": form})
