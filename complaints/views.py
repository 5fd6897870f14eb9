"""Complaints' H5 pages (under /s/<shop>/): report the shop, 我的投诉, one complaint's state.

They stay open while the shop is suspended (every other page of it shows the suspension notice),
so a shopper can still read the platform's answer and report it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
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
from complaints import selectors, services
from complaints.models import MAX_PHOTOS, MAX_TEXT, Complaint
from core.errors import ApplicationError, NotFoundError
from core.h5 import is_wechat
from core.integers import parse_int
from orders.views import MultipleImageField
from shop.models import Shop


def complaint_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A signed-in shopper's complaint page of a shop, open or suspended (a guest is sent to the
    phone login and comes back here): the view gets the shop and the shopper."""

    @wraps(view)
    def page(request: HttpRequest, shop_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            shop = selectors.shop_for_complaints(slug=shop_slug)
        except NotFoundError as exc:
            raise Http404(exc.message) from exc
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url=reverse("shopper-login"))
        try:
            return view(request, shop, cast(User, request.user), *args, **kwargs)
        except NotFoundError as exc:
            raise Http404(exc.message) from exc

    return page


class ComplaintForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("投诉类型"), choices=Complaint.Kind.choices, widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择投诉类型。"), "invalid_choice": gettext_lazy("请选择投诉类型。")},
    )  # fmt: skip
    text = forms.CharField(
        label=gettext_lazy("问题描述"), max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": gettext_lazy("请写下发生了什么、何时发生，平台会据此核实。")}),
        error_messages={"required": gettext_lazy("请描述遇到的问题。"),
                        "max_length": gettext_lazy("问题描述最多 %(limit_value)d 个字。")},
    )  # fmt: skip
    order_no = forms.ChoiceField(label=gettext_lazy("相关订单（可选）"), required=False)
    photos = MultipleImageField(label=gettext_lazy("图片凭证（可选，最多 6 张）"), required=False)

    def __init__(self, *args: Any, orders: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field = cast(forms.ChoiceField, self.fields["order_no"])
        choice_field.choices = [("", _("不关联订单"))] + [
            (o.order_no, _("%(no)s · %(title)s") % {"no": o.order_no, "title": _first_title(o)})
            for o in orders
        ]

    def clean_photos(self) -> list[Any]:
        photos = self.cleaned_data["photos"]
        if len(photos) > MAX_PHOTOS:
            raise forms.ValidationError(_("最多上传 %(n)d 张图片。") % {"n": MAX_PHOTOS})
        return photos


def _first_title(order: Any) -> str:
    lines = list(order.lines.all())
    if not lines:
        return ""
    more = _("等 %(n)d 件") % {"n": len(lines)} if len(lines) > 1 else ""
    return f"{lines[0].title}{more}"


def _context(request: HttpRequest, shop: Shop, **extra: Any) -> dict[str, Any]:
    return {
        "shop": shop,
        "is_wechat": is_wechat(request),
        "tab": "me",
        "suspended": not shop.is_active,
        **extra,
    }


@complaint_page
def complaint_new(request: HttpRequest, shop: Shop, user: User) -> HttpResponse:
    orders = selectors.complaint_order_choices(shop=shop, user=user)
    data = request.POST if request.method == "POST" else None
    initial = {"order_no": request.GET.get("order", "")}
    form = ComplaintForm(data, request.FILES if data is not None else None, orders=orders, initial=initial)
    if data is not None and form.is_valid():
        try:
            complaint = services.complaint_create(
                shop=shop, user=user, kind=form.cleaned_data["kind"], text=form.cleaned_data["text"],
                order_no=form.cleaned_data["order_no"], photos=form.cleaned_data["photos"],
            )  # fmt: skip
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("投诉已提交，平台会尽快核实处理，结果会显示在“我的投诉”中。"))
            return redirect("h5:complaint", shop.slug, complaint.complaint_no)
    return render(request, "complaints/new.html", _context(request, shop, form=form))


@complaint_page
def complaint_list(request: HttpRequest, shop: Shop, user: User) -> HttpResponse:
    try:  # ?page= is ASCII digits from 1; anything else is the 404 page, as on the other lists
        page_number = parse_int(request.GET.get("page"), field="page", label=_("页码"), default=1)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc
    paginator = Paginator(selectors.complaints_of_user(shop=shop, user=user), 20)
    if page_number > paginator.num_pages:
        raise Http404(_("页面不存在。"))
    page = paginator.page(page_number)
    return render(request, "complaints/list.html", _context(request, shop, page=page, complaints=list(page)))


@complaint_page
def complaint_detail(request: HttpRequest, shop: Shop, user: User, complaint_no: str) -> HttpResponse:
    complaint = selectors.complaint_of_user(shop=shop, user=user, complaint_no=complaint_no)
    return render(
        request,
        "complaints/detail.html",
        _context(request, shop, complaint=complaint, events=shopper_events(complaint)),
    )


#: what the shopper reads for each step (the operator's note is shown only with the resolution)
SHOPPER_LABELS = {
    "submitted": gettext_lazy("您提交了投诉"),
    "asked_merchant": gettext_lazy("平台已请商家说明情况"),
    "merchant_answered": gettext_lazy("商家已答复平台"),
    "warned": gettext_lazy("平台已警告该店铺"),
    "suspended": gettext_lazy("平台已暂停该店铺营业"),
    "reinstated": gettext_lazy("店铺已恢复营业"),
    "resolved": gettext_lazy("平台已处理完结"),
}


def shopper_events(complaint: Complaint) -> list[dict[str, Any]]:
    return [
        {"label": SHOPPER_LABELS.get(e.kind, e.get_kind_display()), "at": e.created_at,
         "note": e.note if e.kind == "resolved" else ""}
        for e in complaint.events.all()
    ]  # fmt: skip


def member_centre_context(request: HttpRequest, shop: Shop) -> dict[str, Any]:
    """个人中心: the 我的投诉 entry (accounts' member-centre port)."""
    return {"me_links": [{"url": reverse("h5:complaints", args=[shop.slug]), "label": _("我的投诉")}]}
