"""Shopper sign-in for H5 pages.

WeChat login (OAuth from the official-account menu) and phone-code login arrive with the WeChat
platform work. Until then ``/accounts/login/`` offers a development login that exists only when
``DEBUG`` is on: it is a 404 in production.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.auth import safe_next, shopper_login_complete
from accounts.models import User


class DevLoginForm(forms.Form):
    username = forms.RegexField(
        label=gettext_lazy("顾客名（仅开发环境）"), regex=r"^[A-Za-z0-9_]{2,30}$", initial="shopper",
        error_messages={"invalid": gettext_lazy("2–30 位字母、数字或下划线。")},
    )  # fmt: skip


def shopper_login(request: HttpRequest) -> HttpResponse:
    if not settings.DEBUG:
        # Production sign-in is WeChat OAuth (in WeChat) or phone + code: not built yet.
        return render(request, "accounts/login_unavailable.html", {"next": safe_next(request)}, status=200)
    form = DevLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user, _created = User.objects.get_or_create(
            username=form.cleaned_data["username"], defaults={"nickname": form.cleaned_data["username"]}
        )
        if user.is_staff or user.is_superuser:
            form.add_error("username", gettext_lazy("开发登录只能用于顾客账号。"))
        else:
            shopper_login_complete(request, user)
            return redirect(safe_next(request))
    return render(request, "accounts/dev_login.html", {"form": form, "next": safe_next(request)})


@require_POST
def shopper_logout(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect(safe_next(request))
