"""推广中心 (H5, ``/s/<shop>/promoter/``): becoming a promoter, the signed link (copy it; the
poster), what is pending and settled, the balance and withdrawals (with WeChat's 确认收款 while a
transfer waits for the promoter), the promoter's own customers (masked) and ledger. And the
个人中心 entry (``member_centre_context``, on accounts' member-centre port)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.errors import ApplicationError
from core.h5 import is_wechat
from core.integers import parse_int
from core.money import YuanFormField
from distribution import payouts, selectors, services
from distribution.models import Promoter, Withdrawal
from distribution.posters import promoter_poster_png
from shop.h5 import shop_page
from shop.models import Shop

PAGE_SIZE = 20


class WithdrawForm(forms.Form):
    amount = YuanFormField(label=gettext_lazy("提现金额（元）"))


def _shopper(request: HttpRequest) -> User:
    return cast(User, request.user)


def _login(request: HttpRequest) -> HttpResponse | None:
    if request.user.is_authenticated:
        return None
    return redirect_to_login(request.get_full_path(), login_url=reverse("shopper-login"))


def member_centre_context(request: HttpRequest, shop: Any) -> dict[str, Any]:
    """个人中心 shows 推广中心 when the shop runs distribution or the shopper is its promoter."""
    if not request.user.is_authenticated:
        return {}
    found = selectors.terms(shop=shop)
    if not found.enabled and services.promoter_of(shop=shop, user=_shopper(request)) is None:
        return {}
    return {"me_links": [{"url": reverse("h5:promoter", args=[shop.slug]), "label": _("推广中心")}]}


def _withdrawal_rows(promoter: Promoter) -> list[dict[str, Any]]:
    return [
        {"withdrawal": withdrawal, "confirm": payouts.confirm_params(withdrawal=withdrawal)}
        for withdrawal in selectors.promoter_withdrawals(promoter=promoter)[:10]
    ]


def _handle_post(request: HttpRequest, shop: Shop) -> HttpResponse:
    user = _shopper(request)
    action = request.POST.get("action", "")
    here = reverse("h5:promoter", args=[shop.slug])
    try:
        if action == "apply":
            promoter = services.promoter_apply(shop=shop, user=user)
            if promoter.is_approved:
                messages.success(request, _("你已成为本店推广员，快去分享你的专属链接吧。"))
            else:
                messages.success(request, _("申请已提交，请等待商家审核。"))
        elif action == "withdraw":
            form = WithdrawForm(request.POST)
            if not form.is_valid():
                messages.error(request, " ".join(str(e) for e in form.errors["amount"]))
                return redirect(here)
            services.withdrawal_request(
                shop=shop, user=user, amount_fen=form.cleaned_data["amount"], client="h5"
            )
            messages.success(request, _("提现申请已提交，商家审核后转到你的微信零钱。"))
        elif action == "cancel":
            withdrawal_id = parse_int(
                request.POST.get("withdrawal_id"), field="withdrawal_id", label=_("提现")
            )
            services.withdrawal_cancel(shop=shop, user=user, withdrawal_id=withdrawal_id)
            messages.success(request, _("已撤销提现申请，金额已退回余额。"))
        elif action == "check":
            withdrawal_id = parse_int(
                request.POST.get("withdrawal_id"), field="withdrawal_id", label=_("提现")
            )
            mine = services.promoter_of(shop=shop, user=user)
            found = (
                Withdrawal.objects.select_related("transfer").filter(promoter=mine, pk=withdrawal_id).first()
                if mine is not None
                else None
            )
            if found is not None:
                payouts.transfer_check(withdrawal=found)
        else:
            return HttpResponse(status=400)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(here)


@shop_page
def promoter_centre(request: HttpRequest, shop: Shop) -> HttpResponse:
    if denied := _login(request):
        return denied
    if request.method == "POST":
        return _handle_post(request, shop)
    user = _shopper(request)
    found = selectors.terms(shop=shop)
    promoter = services.promoter_of(shop=shop, user=user)
    context: dict[str, Any] = {
        "shop": shop, "is_wechat": is_wechat(request), "tab": "me", "terms": found,
        "rule_text": selectors.terms_text(found)["rule"], "promoter": promoter,
    }  # fmt: skip
    if promoter is not None and promoter.is_approved:
        link = selectors.promoter_link(shop=shop, promoter=promoter)
        context.update(
            link=request.build_absolute_uri(link.path),
            balances=services.promoter_balances(promoter=promoter),
            withdrawals=_withdrawal_rows(promoter),
            customers=selectors.promoter_customers(promoter=promoter, limit=5),
            customer_count=selectors.promoter_customer_count(promoter=promoter),
            ledger=list(selectors.promoter_ledger(promoter=promoter)[:10]),
            form=WithdrawForm(),
            poster_url=reverse("h5:promoter-poster", args=[shop.slug]),
        )
    return render(request, "distribution/centre.html", context)


def _approved(request: HttpRequest, shop: Shop) -> Promoter:
    promoter = services.promoter_of(shop=shop, user=_shopper(request))
    if promoter is None or not promoter.is_approved:
        raise Http404
    return promoter


def _page(request: HttpRequest) -> int:
    """``?page=`` is ASCII digits from 1; anything else is the 404 page, as on the catalog's lists."""
    try:
        return parse_int(request.GET.get("page"), field="page", label=_("页码"), default=1)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc


@shop_page
def promoter_poster(request: HttpRequest, shop: Shop) -> HttpResponse:
    """The promoter's poster (PNG): their link as a QR code, to save and share."""
    if denied := _login(request):
        return denied
    promoter = _approved(request, shop)
    link = request.build_absolute_uri(selectors.promoter_link(shop=shop, promoter=promoter).path)
    response = HttpResponse(
        promoter_poster_png(shop=shop, promoter=promoter, link=link), content_type="image/png"
    )
    response["Content-Disposition"] = 'inline; filename="promoter-poster.png"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@shop_page
def promoter_customers(request: HttpRequest, shop: Shop) -> HttpResponse:
    if denied := _login(request):
        return denied
    promoter = _approved(request, shop)
    page = _page(request)
    total = selectors.promoter_customer_count(promoter=promoter)
    if page < 1 or (page - 1) * PAGE_SIZE >= max(total, 1):
        raise Http404
    rows = selectors.promoter_customers(promoter=promoter, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    context = {
        "shop": shop, "tab": "me", "customers": rows, "total": total, "page": page,
        "next_page": page + 1 if page * PAGE_SIZE < total else None, "prev_page": page - 1 or None,
    }  # fmt: skip
    return render(request, "distribution/customers.html", context)


@shop_page
def promoter_ledger(request: HttpRequest, shop: Shop) -> HttpResponse:
    if denied := _login(request):
        return denied
    promoter = _approved(request, shop)
    paginator = Paginator(
        selectors.promoter_ledger(promoter=promoter), PAGE_SIZE, allow_empty_first_page=True
    )
    page_number = _page(request)
    if page_number < 1 or page_number > paginator.num_pages:
        raise Http404
    page = paginator.page(page_number)
    context = {
        "shop": shop,
        "tab": "me",
        "page": page,
        "balances": services.promoter_balances(promoter=promoter),
    }
    return render(request, "distribution/ledger.html", context)
