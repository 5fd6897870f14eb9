"""Shopper sign-in for H5 pages.

``/accounts/login/`` is the phone login in every environment: the shopper asks for a code
("获取验证码" posts to ``/accounts/login/code/``, which texts it and shows the page again), types it
and logs in. Inside WeChat the page also offers one-tap WeChat sign-in. Under ``DEBUG`` only, the page
also offers the development login (any shopper name, no code); without ``DEBUG`` that form is
ignored, so it can never log anyone in in production.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import services
from accounts.auth import safe_next, shopper_login_complete
from accounts.models import User
from accounts.ports import login_link
from core.errors import ApplicationError
from core.h5 import client_ip

#: which field of the page an ``ApplicationError`` from the phone-login services is shown next to
ERROR_FIELDS = {
    "phone_invalid": "phone",
    "code_too_soon": "phone",
    "rate_limited": "phone",
    "sms_failed": "phone",
    "phone_staff": "phone",
    "code_invalid": "code",
    "code_expired": "code",
}
RESEND_SECONDS = int(services.PHONE_CODE_INTERVAL.total_seconds())


class DevLoginForm(forms.Form):
    username = forms.RegexField(
        label=gettext_lazy("顾客名（仅开发环境）"), regex=r"^[A-Za-z0-9_]{2,30}$", initial="shopper",
        error_messages={"invalid": gettext_lazy("2–30 位字母、数字或下划线。")},
    )  # fmt: skip


class PhoneLoginForm(forms.Form):
    """One form, two buttons: "获取验证码" (needs the phone only) and "登录" (phone and code)."""

    phone = forms.CharField(
        label=gettext_lazy("手机号"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": gettext_lazy("11 位手机号码")}),
    )  # fmt: skip
    code = forms.CharField(
        label=gettext_lazy("验证码"), max_length=6, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "placeholder": gettext_lazy("6 位数字")}),
    )  # fmt: skip

    def add_service_error(self, exc: ApplicationError) -> None:
        self.add_error(ERROR_FIELDS.get(exc.code), exc.message)


def _page(
    request: HttpRequest,
    form: PhoneLoginForm,
    *,
    dev_form: DevLoginForm | None = None,
    sent: bool = False,
) -> HttpResponse:
    if settings.DEBUG and dev_form is None:
        dev_form = DevLoginForm()
    next_path = safe_next(request)
    context = {
        "form": form,
        "dev_form": dev_form if settings.DEBUG else None,
        "next": next_path,
        # inside WeChat, on the way back to a shop with an official account: one-tap WeChat sign-in
        "wechat_login_url": login_link(request, next_path),
        "sent": sent,
        "resend_seconds": RESEND_SECONDS if sent else 0,
    }
    return render(request, "accounts/login.html", context)


@never_cache
def shopper_login(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, PhoneLoginForm())
    if "username" in request.POST:  # the development login form
        if not settings.DEBUG:
            # There is no development login without DEBUG: the POST logs nobody in.
            return _page(request, PhoneLoginForm())
        dev_form = DevLoginForm(request.POST)
        if dev_form.is_valid():
            user, _created = User.objects.get_or_create(
                username=dev_form.cleaned_data["username"],
                defaults={"nickname": dev_form.cleaned_data["username"]},
            )
            if user.is_staff or user.is_superuser:
                dev_form.add_error("username", _("开发登录只能用于顾客账号。"))
            else:
                shopper_login_complete(request, user)
                return redirect(safe_next(request))
        return _page(request, PhoneLoginForm(), dev_form=dev_form)
    form = PhoneLoginForm(request.POST)
    if form.is_valid():
        if not form.cleaned_data["code"]:
            form.add_error("code", _("请输入短信验证码。"))
        else:
            try:
                user = services.phone_code_login(
                    phone=form.cleaned_data["phone"], code=form.cleaned_data["code"]
                )
            except ApplicationError as exc:
                form.add_service_error(exc)
            else:
                shopper_login_complete(request, user)
                return redirect(safe_next(request))
    return _page(request, form)


@never_cache
def shopper_login_code(request: HttpRequest) -> HttpResponse:
    """The "获取验证码" button: text a login code to the number and show the login page again."""
    if request.method != "POST":
        nxt = safe_next(request, default="")
        return redirect(reverse("shopper-login") + (f"?{urlencode({'next': nxt})}" if nxt else ""))
    form = PhoneLoginForm(request.POST)
    sent = False
    if form.is_valid():
        try:
            services.phone_code_send(phone=form.cleaned_data["phone"], ip=client_ip(request))
        except ApplicationError as exc:
            form.add_service_error(exc)
        else:
            sent = True
    return _page(request, form, sent=sent)


@require_POST
def shopper_logout(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect(safe_next(request))


@never_cache
def account_erased(request: HttpRequest) -> HttpResponse:
    """Where a shopper lands after deleting their account: outside every shop, so that WeChat's
    silent sign-in does not at once make them a new account; the link back to the shop does (a new
    one, as for anyone new)."""
    return render(request, "accounts/erased.html", {"next": safe_next(request, default="")})
