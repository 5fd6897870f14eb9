"""Open a shop in minutes: /merchant/signup/ creates the owner account and the (unverified) shop,
logs the merchant in and lands them in admin with the first-steps checklist."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, login
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from core.errors import ApplicationError
from core.h5 import client_ip
from shop import services

SIGNUPS_PER_IP_PER_HOUR = 5


def _required(message: str) -> dict:
    return {"required": message}


class SignupForm(forms.Form):
    """Every field is checked on each submit, so the merchant sees all problems at once; the service
    checks again (a slug or username taken meanwhile)."""

    name = forms.CharField(
        label=gettext_lazy("店铺名称"), max_length=64,
        error_messages={**_required(gettext_lazy("请填写店铺名称。")), "max_length": gettext_lazy("店铺名称最多 64 个字。")},
    )  # fmt: skip
    slug = forms.CharField(
        label=gettext_lazy("店铺地址"),
        max_length=32,
        help_text=gettext_lazy("小写字母、数字或连字符，3–32 位，例如 xiaoman：店铺链接为 /s/xiaoman/"),
        error_messages={
            **_required(gettext_lazy("请填写店铺地址。")),
            "max_length": gettext_lazy("店铺地址最多 32 位。"),
        },
    )
    username = forms.CharField(
        label=gettext_lazy("登录用户名"), max_length=150,
        error_messages={**_required(gettext_lazy("请填写登录用户名。")), "max_length": gettext_lazy("用户名最多 150 个字符。")},
    )  # fmt: skip
    phone = forms.RegexField(
        label=gettext_lazy("手机号"), regex=r"^1[3-9]\d{9}$", required=False,
        error_messages={"invalid": gettext_lazy("请输入有效的 11 位手机号码。")},
    )  # fmt: skip
    password = forms.CharField(
        label=gettext_lazy("密码"), widget=forms.PasswordInput, strip=False,
        help_text=gettext_lazy("至少 8 个字符，不能全是数字，不能是常见密码，也不能与用户名太相似。"),
        error_messages=_required(gettext_lazy("请设置密码。")),
    )  # fmt: skip
    password2 = forms.CharField(
        label=gettext_lazy("确认密码"), widget=forms.PasswordInput, strip=False,
        error_messages=_required(gettext_lazy("请再输入一次密码。")),
    )  # fmt: skip

    def clean_slug(self) -> str:
        try:
            return services.shop_slug_check(self.cleaned_data["slug"])
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("该用户名已被使用。"), code="username_taken")
        return username

    def clean(self):
        data = super().clean()
        password = data.get("password")
        if password:
            candidate = get_user_model()(
                username=data.get("username") or self.data.get("username", ""), phone=data.get("phone") or ""
            )
            try:
                validate_password(password, user=candidate)
            except forms.ValidationError as exc:
                for message in exc.messages:
                    self.add_error("password", message)
        if password and data.get("password2") and password != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


@never_cache
@csrf_protect
def merchant_signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST if request.method == "POST" else None)
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
