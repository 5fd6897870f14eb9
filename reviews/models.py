"""Verified-buyer reviews (issue 14; docs/after-sales.md#reviews).

- ``ReviewSettings``: the shop's review window (days after an order is completed). No row: the
  default window (``DEFAULT_WINDOW_DAYS``).
- ``Review``: one buyer's review of one completed order line (``order_line`` is unique: once per
  line), written only by ``reviews.services.review_create``. Nobody edits its rating, text or
  photos afterwards; the merchant may add one public reply and may hide it with a reason (which
  the platform operator sees); only the operator restores a hidden review.
- ``ReviewPhoto``: up to ``MAX_PHOTOS`` pictures of a review, stored under the upload rule
  (core.uploads) with a list thumbnail and a page-sized copy made once, when it is stored.
- ``ProductRating``: a product's rolled-up figures (shown reviews only: count, sum of stars, with
  photos, good and low ratings), moved in the same transaction as the review that changes them,
  so the product page reads one row however many reviews there are.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from core.models import TimeStampedModel
from core.uploads import ImageUploadField
from orders.models import Order, OrderLine
from shop.models import Shop

DEFAULT_WINDOW_DAYS = 15
MAX_WINDOW_DAYS = 180
MAX_PHOTOS = 6
TEXT_MIN = 5
TEXT_MAX = 500
REPLY_MAX = 500
HIDE_REASON_MIN = 2
HIDE_REASON_MAX = 200
GOOD_FROM = 4  # 4–5 stars: 好评
LOW_UP_TO = 2  # 1–2 stars: 差评

RATING_CHOICES = [
    (1, _("1 星（很差）")),
    (2, _("2 星（较差）")),
    (3, _("3 星（一般）")),
    (4, _("4 星（满意）")),
    (5, _("5 星（非常满意）")),
]


class ReviewSettings(TimeStampedModel):
    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, related_name="review_settings", verbose_name=_("店铺")
    )
    window_days = models.PositiveSmallIntegerField(
        _("评价期限（天）"),
        default=DEFAULT_WINDOW_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_WINDOW_DAYS)],
        help_text=_("订单完成（确认收货）后多少天内可以评价，1–180 天；修改后对所有已完成的订单生效。"),
    )

    class Meta:
        verbose_name = _("评价设置")
        verbose_name_plural = _("评价设置")

    def __str__(self) -> str:
        return gettext("%(shop)s 的评价设置") % {"shop": self.shop}


class Review(TimeStampedModel):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("商品"))
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+", verbose_name=_("订单"))
    # One review per line, whatever happens at once (the constraint; the service says it in words).
    order_line = models.OneToOneField(
        OrderLine, on_delete=models.PROTECT, related_name="review", verbose_name=_("订单商品")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("顾客")
    )
    rating = models.PositiveSmallIntegerField(_("评分"), choices=RATING_CHOICES)
    text = models.TextField(_("评价内容"), max_length=TEXT_MAX)
    is_anonymous = models.BooleanField(_("匿名评价"), default=False)
    # What shoppers see, fixed when the review is written: the buyer's nickname, or masked (张**).
    author_name = models.CharField(_("显示名"), max_length=64)
    # What was bought, from the order line (已购 颜色:黑 尺码:M).
    spec_text = models.CharField(_("已购规格"), max_length=255, blank=True)
    photo_count = models.PositiveSmallIntegerField(_("图片数"), default=0)

    reply = models.TextField(_("商家回复"), max_length=REPLY_MAX, blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("回复人"),
    )  # fmt: skip

    is_hidden = models.BooleanField(_("已隐藏"), default=False)
    hidden_reason = models.CharField(_("隐藏原因"), max_length=HIDE_REASON_MAX, blank=True)
    hidden_at = models.DateTimeField(_("隐藏时间"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("隐藏操作人"),
    )  # fmt: skip
    restored_at = models.DateTimeField(_("平台恢复时间"), null=True, blank=True)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("恢复操作人"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("商品评价")
        verbose_name_plural = _("商品评价")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["product", "is_hidden", "-created_at"], name="review_product_latest"),
            models.Index(fields=["user", "shop", "-created_at"], name="review_shopper_list"),
            models.Index(fields=["shop", "-created_at"], name="review_merchant_list"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"),
            models.CheckConstraint(
                condition=Q(photo_count__lte=MAX_PHOTOS), name="review_photo_count_within_max"
            ),
            models.CheckConstraint(
                condition=Q(is_hidden=False) | ~Q(hidden_reason=""), name="review_hidden_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(name)s 对“%(title)s”的评价（%(n)d 星）") % {
            "name": self.author_name, "title": self.order_line.title if self.order_line_id else "",
            "n": self.rating,
        }  # fmt: skip

    @property
    def stars(self) -> str:
        return "★" * self.rating + "☆" * (5 - self.rating)


class ReviewPhoto(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="photos", verbose_name=_("评价")
    )
    image = ImageUploadField(_("图片"), upload_to="reviews/%Y/%m/")
    # Made once when the photo is stored (reviews/images.py): pages serve these, never the upload.
    thumb = models.ImageField(_("缩略图"), upload_to="thumbs/reviews/", blank=True, editable=False)
    large = models.ImageField(_("大图"), upload_to="thumbs/reviews/", blank=True, editable=False)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评价图片")
        verbose_name_plural = _("评价图片")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return gettext("评价图片 %(n)d") % {"n": self.position + 1}

    @property
    def thumb_url(self) -> str:
        return (self.thumb or self.image).url

    @property
    def large_url(self) -> str:
        return (self.large or self.image).url


class ProductRating(models.Model):
    """A product's figures over its shown reviews (hidden ones left out), kept by the services."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    product = models.OneToOneField(
        Product, on_delete=models.CASCADE, related_name="+", verbose_name=_("商品")
    )
    review_count = models.PositiveIntegerField(_("评价数"), default=0)
    rating_total = models.PositiveIntegerField(_("星数合计"), default=0)
    photo_count = models.PositiveIntegerField(_("有图评价数"), default=0)
    good_count = models.PositiveIntegerField(_("好评数"), default=0)
    low_count = models.PositiveIntegerField(_("差评数"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("商品评分")
        verbose_name_plural = _("商品评分")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating_total__lte=models.F("review_count") * 5)
                & Q(rating_total__gte=models.F("review_count"))
                & Q(photo_count__lte=models.F("review_count"))
                & Q(good_count__lte=models.F("review_count"))
                & Q(low_count__lte=models.F("review_count")),
                name="product_rating_consistent",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(title)s：%(n)d 条评价") % {"title": self.product, "n": self.review_count}

    @staticmethod
    def _percent(part: int, whole: int) -> int:
        return (part * 200 + whole) // (2 * whole) if whole else 0  # rounded half up

    @property
    def average_tenths(self) -> int:
        """The average rating in tenths of a star, rounded half up (47: 4.7)."""
        count = self.review_count
        return (self.rating_total * 20 + count) // (2 * count) if count else 0

    @property
    def average(self) -> str:
        tenths = self.average_tenths
        return f"{tenths // 10}.{tenths % 10}"

    @property
    def good_percent(self) -> int:
        return self._percent(self.good_count, self.review_count)

    @property
    def photo_percent(self) -> int:
        return self._percent(self.photo_count, self.review_count)
