"""Reviews on H5 (docs/after-sales.md#reviews): the product page's panel (figures and the latest
reviews, on catalog's product-panel port), the product's review list (全部 / 有图 / 差评 / 好评,
paginated), 待评价 and 我的评价, and the review form of one order line. Plus the order page's 去评价
link (orders' order-page-link port) and 个人中心's entry (accounts' member-centre port)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from catalog.models import Product
from core.errors import ApplicationError, NotFoundError
from core.h5 import is_wechat
from core.integers import parse_int
from core.uploads import ImageUploadFormField
from orders.models import Order, OrderStatus
from reviews import selectors, services
from reviews.models import MAX_PHOTOS, RATING_CHOICES, TEXT_MAX, TEXT_MIN
from shop.cache import cached_value
from shop.h5 import shop_page
from shop.models import Shop

PAGE_SIZE = 10
FILTER_LABELS = [("all", gettext_lazy("全部")), ("photos", gettext_lazy("有图")), ("low", gettext_lazy("差评")),
                 ("good", gettext_lazy("好评"))]  # fmt: skip


def _shopper(request: HttpRequest) -> User:
    return cast(User, request.user)


def _login(request: HttpRequest) -> HttpResponse | None:
    if request.user.is_authenticated:
        return None
    return redirect_to_login(request.get_full_path(), login_url=reverse("shopper-login"))


# ---------------------------------------------------------------- the product page's panel


def product_panel(*, shop: Shop, product: Any) -> str:
    """The product page's 商品评价 (catalog's product-panel port): average, count, good rate, the
    share with photos and the three latest reviews with what each buyer bought. The same for
    everyone (the page is cached): fresh after a review, a reply or a hide (product_page_changed)."""
    summary = selectors.product_review_summary(product_id=product.pk)
    return render_to_string("reviews/panel.html", {"shop": shop, "product": product, "summary": summary})


# ---------------------------------------------------------------- the product's review list


def _filter_counts(rating: Any) -> dict[str, int]:
    if rating is None:
        return {"all": 0, "photos": 0, "low": 0, "good": 0}
    return {"all": rating.review_count, "photos": rating.photo_count, "low": rating.low_count,
            "good": rating.good_count}  # fmt: skip


def _page_number(request: HttpRequest) -> int:
    try:
        return parse_int(request.GET.get("page"), field="page", label=_("页码"), default=1)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc


@shop_page
def product_reviews(request: HttpRequest, shop: Shop, product_id: int) -> HttpResponse:
    """The product's reviews (any visitor): the figures, the filters with their counts, ten a page.
    Cached for anonymous visitors under the product's page version."""
    kind = request.GET.get("f", "all")
    kind = kind if kind in selectors.FILTERS else "all"
    number = _page_number(request)
    wechat = is_wechat(request)

    def build() -> str:  # raises NotFoundError (the 404 page, nothing cached) for a product not on sale
        product = Product.objects.filter(shop=shop, pk=product_id, status=Product.Status.ON_SALE).first()
        if product is None:
            raise NotFoundError("product_not_found", _("商品不存在或已下架。"))
        rating = selectors.product_rating(product_id=product.pk)
        page: Page[Any] = Paginator(
            selectors.product_reviews(product_id=product.pk, kind=kind), PAGE_SIZE
        ).get_page(number)
        counts = _filter_counts(rating)
        context = {
            "shop": shop, "is_wechat": wechat, "product": product, "rating": rating, "page": page, "kind": kind,
            "filters": [(key, label, counts[key]) for key, label in FILTER_LABELS],
        }  # fmt: skip
        return render_to_string("reviews/list.html", context, request)

    if request.user.is_authenticated:
        return HttpResponse(build())
    parts = ("reviews-page", str(product_id), kind, str(number), "wx" if wechat else "web")
    return HttpResponse(cached_value(shop.slug, parts, build, product_id=product_id))


# ---------------------------------------------------------------- 待评价 and 我的评价


@shop_page
def my_reviews(request: HttpRequest, shop: Shop) -> HttpResponse:
    """待评价 (the lines the shopper may still review, each with its deadline) and 我的评价 (their
    reviews, hidden ones with the reason they were hidden)."""
    if denied := _login(request):
        return denied
    user = _shopper(request)
    tab = "done" if request.GET.get("tab") == "done" else "pending"
    pending = selectors.pending_lines(shop=shop, user=user)
    context: dict[str, Any] = {
        "shop": shop, "is_wechat": is_wechat(request), "tab": "me", "current": tab, "pending": pending,
    }  # fmt: skip
    if tab == "done":
        context["page"] = Paginator(selectors.reviews_of_user(shop=shop, user=user), PAGE_SIZE).get_page(
            _page_number(request)
        )
    return render(request, "reviews/mine.html", context)


# ---------------------------------------------------------------- the review form


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(ImageUploadFormField):
    """Up to six photos, each under the project's upload rule (the service checks them again)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("最多上传 %(n)d 张图片。") % {"n": MAX_PHOTOS})
        return [super(PhotosField, self).clean(f, initial) for f in files]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=gettext_lazy("评分"), choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择 1–5 星评分。"),
                        "invalid_choice": gettext_lazy("请选择 1–5 星评分。")},
    )  # fmt: skip
    text = forms.CharField(
        label=gettext_lazy("评价内容"), min_length=TEXT_MIN, max_length=TEXT_MAX, strip=True,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": gettext_lazy("说说商品的质量、尺码、做工，给其他买家参考（5–500 字）")}),
        error_messages={
            "required": gettext_lazy("请填写评价内容（至少 5 个字）。"),
            "min_length": gettext_lazy("评价内容至少 %(limit_value)d 个字（现在 %(show_value)d 个）。"),
            "max_length": gettext_lazy("评价内容最多 %(limit_value)d 个字（现在 %(show_value)d 个）。"),
        },
    )  # fmt: skip
    photos = PhotosField(label=gettext_lazy("晒图（可选，最多 6 张）"), required=False)
    is_anonymous = forms.BooleanField(label=gettext_lazy("匿名评价"), required=False)


@shop_page
def review_new(request: HttpRequest, shop: Shop, order_no: str, line_id: int) -> HttpResponse:
    """评价 one line of the shopper's completed order. A line that may not be reviewed (another
    shopper's: 404; reviewed, refunded, too late: back to the order page with the reason)."""
    if denied := _login(request):
        return denied
    user = _shopper(request)
    try:
        order, line = services.review_line_check(shop=shop, user=user, order_no=order_no, line_id=line_id)
    except NotFoundError:
        raise
    except ApplicationError as exc:
        messages.info(request, exc.message)
        return redirect("h5:order", shop.slug, order_no)
    form = ReviewForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"rating": 5},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.review_create(
                shop=shop, user=user, order_no=order.order_no, line_id=line.pk, rating=form.cleaned_data["rating"],
                text=form.cleaned_data["text"], is_anonymous=form.cleaned_data["is_anonymous"],
                photos=form.cleaned_data["photos"],
            )  # fmt: skip
        except ApplicationError as exc:
            field = next(iter(exc.fields), None)
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            left = selectors.pending_lines(shop=shop, user=user, order=order)
            if left:
                messages.success(
                    request, _("评价成功，感谢分享！这笔订单还有 %(n)d 件商品待评价。") % {"n": len(left)}
                )
                return redirect("h5:review-new", shop.slug, order.order_no, left[0].pk)
            messages.success(request, _("评价成功，感谢分享！"))
            return redirect(reverse("h5:my-reviews", args=[shop.slug]) + "?tab=done")
    days = selectors.review_window_days(shop=shop)
    context = {
        "shop": shop, "is_wechat": is_wechat(request), "tab": "orders", "order": order, "line": line, "form": form,
        "deadline": selectors.review_deadline(completed_at=order.completed_at, window_days=days),
        "masked": services.author_name(user=user, anonymous=True),
        "named": services.author_name(user=user, anonymous=False),
        "stars": [(value, label, str(form["rating"].value()) == str(value)) for value, label in reversed(RATING_CHOICES)],
    }  # fmt: skip
    return render(request, "reviews/form.html", context)


# ---------------------------------------------------------------- hooks on pages of other apps


def order_links(order: Order) -> list[tuple[str, str]]:
    """The order page's 去评价 (orders' order-page-link port): to the first line still to review."""
    if order.status != OrderStatus.COMPLETED:
        return []
    left = selectors.pending_lines(shop=order.shop, user=order.user, order=order)
    if not left:
        return []
    label = _("去评价") if len(left) == 1 else _("去评价（%(n)d 件）") % {"n": len(left)}
    return [(label, reverse("h5:review-new", args=[order.shop.slug, order.order_no, left[0].pk]))]


def member_centre_context(request: HttpRequest, shop: Any) -> dict[str, Any]:
    """个人中心's 我的评价, with the number of lines waiting for a review."""
    if not request.user.is_authenticated:
        return {}
    waiting = len(selectors.pending_lines(shop=shop, user=_shopper(request)))
    label = _("我的评价（%(n)d 件待评价）") % {"n": waiting} if waiting else _("我的评价")
    return {"me_links": [{"url": reverse("h5:my-reviews", args=[shop.slug]), "label": label}]}
