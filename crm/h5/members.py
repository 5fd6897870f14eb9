"""crm's members H5 pages (under /s/<shop_slug>/, namespace "h5"): 会员中心 — the shopper's level,
progress to the next one, points (available, frozen with when they unfreeze, soon expiring), their
history (paginated) and the shop's rules. Linked from 个人中心 (accounts' member-centre port) and
opened by the official account menu's 会员中心 (wechat's menu port)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ApplicationError
from core.integers import parse_int
from crm.selectors import members as selectors
from shop.h5 import shop_page
from shop.models import Shop

PAGE_SIZE = 20


def _page(request: HttpRequest) -> int:
    """``?page=`` is ASCII digits from 1; anything else is the 404 page, as on the other lists."""
    try:
        return parse_int(request.GET.get("page"), field="page", label=_("页码"), default=1)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc


@shop_page
def member_centre(request: HttpRequest, shop: Shop) -> HttpResponse:
    if not request.user.is_authenticated or not isinstance(request.user, User):
        return redirect_to_login(request.get_full_path(), login_url=reverse("shopper-login"))
    summary = selectors.member_summary(shop=shop, user=request.user)
    paginator = Paginator(
        selectors.points_history(shop=shop, user=request.user), PAGE_SIZE, allow_empty_first_page=True
    )
    number = _page(request)
    if number < 1 or number > paginator.num_pages:
        raise Http404
    context = {"shop": shop, "tab": "me", "summary": summary, "page": paginator.page(number)}
    return render(request, "crm/member_centre.html", context)


def member_centre_context(request: HttpRequest, shop: Any) -> dict[str, Any]:
    """个人中心 (accounts' port): the 会员中心 link, its label saying the level and points."""
    if not request.user.is_authenticated or not isinstance(request.user, User):
        return {}
    badge = selectors.member_badge(shop=shop, user=request.user)
    if badge is None:
        return {}  # the shop runs no membership: nothing to show
    parts = [_("会员中心")]
    if badge.level_name:
        parts.append(badge.level_name)
    if badge.points or badge.points_enabled:
        parts.append(_("%(n)s 积分") % {"n": badge.points})
    return {"me_links": [{"url": reverse("h5:member", args=[shop.slug]), "label": " · ".join(parts)}]}


def menu_member_page(*, shop: Any) -> tuple[str, str]:
    """The official account menu's 会员中心 (wechat's menu port): this page."""
    return _("会员中心"), reverse("h5:member", args=[shop.slug])


urlpatterns = [path("member/", member_centre, name="member")]
