"""Reviews in the back office (docs/after-sales.md#reviews).

A merchant lists and opens their shop's reviews (filters: rating, with photos, replied, hidden),
replies once (public, under the review) and hides one with a reason; they never add, change or
delete a review — the admin has no add or delete, and every field is read-only (a change POST is
refused). The platform operator (a superuser) sees every shop's reviews, hidden ones with their
reasons, and may hide or restore one. Every step goes through ``reviews.services``, which moves the
product's figures and rebuilds that product's page only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.errors import ApplicationError
from reviews import services
from reviews.models import HIDE_REASON_MAX, REPLY_MAX, Review, ReviewPhoto, ReviewSettings
from shop.admin_base import OnePerShopAdmin, ReadOnlyShopAdmin, ShopScopedInline, is_operator


@admin.register(ReviewSettings)
class ReviewSettingsAdmin(OnePerShopAdmin):
    list_display = ["__str__", "window_days"]
    fields = ["shop", "window_days"]

    def _storefront_changed(self, obj: Any) -> None:
        """The window changes nothing a shopper sees on a cached page."""


class PhotosFilter(admin.SimpleListFilter):
    title = gettext_lazy("有图")
    parameter_name = "photos"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", _("有图")), ("no", _("无图"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Review]) -> QuerySet[Review]:
        if self.value() == "yes":
            return queryset.filter(photo_count__gt=0)
        if self.value() == "no":
            return queryset.filter(photo_count=0)
        return queryset


class RepliedFilter(admin.SimpleListFilter):
    title = gettext_lazy("回复")
    parameter_name = "replied"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", _("已回复")), ("no", _("未回复"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Review]) -> QuerySet[Review]:
        if self.value() == "yes":
            return queryset.exclude(reply="")
        if self.value() == "no":
            return queryset.filter(reply="")
        return queryset


class ReviewPhotoInline(ShopScopedInline, admin.TabularInline):  # type: ignore[misc]  # formset: a subclass
    model = ReviewPhoto
    extra = 0
    fields = ["preview", "position"]
    readonly_fields = ["preview", "position"]
    verbose_name = gettext_lazy("晒图")
    verbose_name_plural = gettext_lazy("晒图")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("图片"))
    def preview(self, photo: ReviewPhoto) -> str:
        if not photo.pk:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" width="96" height="96" alt=""></a>',
            photo.large_url, photo.thumb_url,
        )  # fmt: skip


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=gettext_lazy("回复内容"), max_length=REPLY_MAX, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy("公开显示在评价下方，所有顾客都能看到；只能回复一次，回复后不能修改。"),
        error_messages={"required": gettext_lazy("请填写回复内容。"),
                        "max_length": gettext_lazy("回复最多 %(limit_value)d 个字（现在 %(show_value)d 个）。")},
    )  # fmt: skip


class HideForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("隐藏原因"), max_length=HIDE_REASON_MAX,
        help_text=gettext_lazy("必填，平台运营会看到，评价者本人也能看到。例如：广告、辱骂、泄露他人隐私、与商品无关。"),
        error_messages={"required": gettext_lazy("请填写隐藏原因。"),
                        "max_length": gettext_lazy("隐藏原因最多 %(limit_value)d 个字。")},
    )  # fmt: skip


def _actor(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


@admin.register(Review)
class ReviewAdmin(ReadOnlyShopAdmin):
    """Read-only for everyone (no add, no delete, no field a form can change); the reply, the
    hiding and the operator's restoring are buttons of the review's page, each one service."""

    list_display = ["when", "product_title", "rating_stars", "excerpt", "photo_count", "author",
                    "replied", "state", "hidden_reason"]  # fmt: skip
    list_filter = ["rating", PhotosFilter, RepliedFilter, "is_hidden", "shop"]
    search_fields = ["text", "order_line__title", "=order__order_no", "author_name"]
    list_select_related = ["order_line", "order", "shop"]
    date_hierarchy = "created_at"
    inlines = [ReviewPhotoInline]
    change_form_template = "reviews/admin/review_change_form.html"
    fieldsets = [
        (None, {"fields": ["shop", "product_title", "order_link", "buyer", "author_name", "is_anonymous",
                           "spec_text", "rating_stars", "text", "created_at"]}),
        (gettext_lazy("商家回复"), {"fields": ["reply", "replied_at", "replied_by"]}),
        (gettext_lazy("隐藏"), {"fields": ["is_hidden", "hidden_reason", "hidden_at", "hidden_by", "restored_at",
                                          "restored_by"]}),
    ]  # fmt: skip
    readonly_fields = [
        "shop", "product_title", "order_link", "buyer", "author_name", "is_anonymous", "spec_text", "rating_stars",
        "text", "created_at", "reply", "replied_at", "replied_by", "is_hidden", "hidden_reason", "hidden_at",
        "hidden_by", "restored_at", "restored_by",
    ]  # fmt: skip

    def get_list_display(self, request: HttpRequest) -> Any:
        columns: list[Any] = list(super().get_list_display(request))
        return [*columns[:1], "shop", *columns[1:]] if is_operator(request) else columns

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return list(self.inlines) if obj is not None and obj.photo_count else []

    @admin.display(description=gettext_lazy("评价时间"), ordering="created_at")
    def when(self, review: Review) -> str:
        return date_format(timezone.localtime(review.created_at), "Y-m-d H:i")

    @admin.display(description=gettext_lazy("商品"), ordering="order_line__title")
    def product_title(self, review: Review) -> str:
        return review.order_line.title

    @admin.display(description=gettext_lazy("评分"), ordering="rating")
    def rating_stars(self, review: Review) -> str:
        return format_html('<span title="{}">{}</span>', review.get_rating_display(), review.stars)

    @admin.display(description=gettext_lazy("评价内容"))
    def excerpt(self, review: Review) -> str:
        return Truncator(review.text).chars(40)

    @admin.display(description=gettext_lazy("显示名"), ordering="author_name")
    def author(self, review: Review) -> str:
        return (
            _("%(name)s（匿名）") % {"name": review.author_name}
            if review.is_anonymous
            else review.author_name
        )

    @admin.display(description=gettext_lazy("已回复"), boolean=True)
    def replied(self, review: Review) -> bool:
        return bool(review.reply)

    @admin.display(description=gettext_lazy("状态"), ordering="is_hidden")
    def state(self, review: Review) -> str:
        if review.is_hidden:
            return _("已隐藏")
        return _("平台已恢复") if review.restored_at else _("展示中")

    @admin.display(description=gettext_lazy("顾客"))
    def buyer(self, review: Review) -> str:
        return str(review.user)

    @admin.display(description=gettext_lazy("订单"))
    def order_link(self, review: Review) -> str:
        url = reverse("admin:orders_order_change", args=[review.order_id])
        return format_html('<a href="{}">{}</a>', url, review.order.order_no)

    # -- the review page's buttons -----------------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/reply/", wrap(self.reply_view), name="reviews_review_reply"),
            path("<int:pk>/hide/", wrap(self.hide_view), name="reviews_review_hide"),
            path("<int:pk>/restore/", wrap(self.restore_view), name="reviews_review_restore"),
            *super().get_urls(),
        ]

    def _review(self, request: HttpRequest, pk: int) -> Review:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request).select_related("shop"), pk=pk)  # scoped

    def _back(self, review: Review) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:reviews_review_change", args=[review.pk]))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        review = self.get_queryset(request).filter(pk=object_id).first() if str(object_id).isdigit() else None
        actions = None
        if review is not None:
            operator = is_operator(request)
            actions = {
                "reply_url": reverse("admin:reviews_review_reply", args=[review.pk]) if not review.reply else "",
                "reply_form": ReplyForm(),
                "hide_url": reverse("admin:reviews_review_hide", args=[review.pk])
                if not review.is_hidden and (operator or review.restored_at is None)
                else "",
                "hide_form": HideForm(),
                "restore_url": reverse("admin:reviews_review_restore", args=[review.pk])
                if review.is_hidden and operator
                else "",
                "hidden_note": review.is_hidden and not operator,
                "restored_note": not review.is_hidden and review.restored_at is not None and not operator,
            }  # fmt: skip
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "review_actions": actions}
        )

    def _post_only(self, request: HttpRequest) -> HttpResponseNotAllowed | None:
        return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])

    def reply_view(self, request: HttpRequest, pk: int) -> Any:
        if refused := self._post_only(request):
            return refused
        review = self._review(request, pk)
        form = ReplyForm(request.POST)
        try:
            if not form.is_valid():
                raise ApplicationError("invalid", " ".join(str(e) for e in form.errors["reply"]))
            services.review_reply(
                shop=review.shop, review_id=review.pk, text=form.cleaned_data["reply"], actor=_actor(request)
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, _("已回复，回复显示在这条评价下方。"), messages.SUCCESS)
        return self._back(review)

    def hide_view(self, request: HttpRequest, pk: int) -> Any:
        if refused := self._post_only(request):
            return refused
        review = self._review(request, pk)
        form = HideForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            services.review_hide(shop=review.shop, review_id=review.pk, reason=reason, actor=_actor(request))
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(
                request,
                _("已隐藏：这条评价不再显示在商品页，也不计入商品评分；原因平台可以看到。"),
                messages.SUCCESS,
            )
        return self._back(review)

    def restore_view(self, request: HttpRequest, pk: int) -> Any:
        if refused := self._post_only(request):
            return refused
        if not is_operator(request):
            raise PermissionDenied
        review = self._review(request, pk)
        try:
            services.review_restore(shop=review.shop, review_id=review.pk, actor=_actor(request))
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, _("已恢复：这条评价重新显示在商品页并计入评分。"), messages.SUCCESS)
        return self._back(review)
