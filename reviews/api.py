"""Reviews in the API (docs/after-sales.md#reviews): a product's reviews (public, with the same
filters as the H5 list) and its figures; the shopper's own reviews, writing one (JSON, or
``multipart/form-data`` with up to six ``photos``), and the lines waiting for a review (待评价)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import Product
from core.api.errors import ErrorSerializer
from core.api.fields import FormIntegerField, photo_ids_field
from core.api.schema import SHOP_PARAM, media_url
from core.errors import NotFoundError
from orders.api.base import ShopperView
from reviews import selectors, services
from reviews.models import MAX_PHOTOS, TEXT_MAX, TEXT_MIN, ProductRating, Review
from shop.api import ShopAPIView

SHOP_NOT_FOUND = "`shop_not_found`: no open shop has this handle."
PRODUCT_PARAM = OpenApiParameter("product_id", int, OpenApiParameter.PATH, description="The product.")
FILTER_PARAM = OpenApiParameter(
    "filter", str, enum=list(selectors.FILTERS),
    description="Which reviews: `all` (default), `photos` (有图: with photos), `low` (差评: 1–2 stars) or "
    "`good` (好评: 4–5 stars).",
)  # fmt: skip
AUTH = "`not_authenticated`: log in first."


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


# ---------------------------------------------------------------- serializers


class ReviewPhotoSerializer(serializers.Serializer):
    thumb = serializers.CharField(help_text="A 240×240 square thumbnail (absolute URL).")
    large = serializers.CharField(help_text="The photo fitted within 1080×1080 (absolute URL).")


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author_name = serializers.CharField(help_text="The buyer's nickname, or masked (张**) when anonymous.")
    is_anonymous = serializers.BooleanField()
    rating = serializers.IntegerField(help_text="1–5 stars.")
    text = serializers.CharField()
    spec_text = serializers.CharField(
        help_text="What the buyer bought (颜色:黑 尺码:M); empty without specs."
    )
    photos = ReviewPhotoSerializer(many=True)
    reply = serializers.CharField(help_text="The merchant's public reply (once); empty when none.")
    replied_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class MyReviewSerializer(ReviewSerializer):
    order_no = serializers.CharField()
    line_id = serializers.IntegerField()
    title = serializers.CharField(help_text="The product's title as bought.")
    is_hidden = serializers.BooleanField(
        help_text="Hidden by the merchant or the platform: not on the product page nor in its figures."
    )
    hidden_reason = serializers.CharField(help_text="Why it was hidden (empty when shown).")


class SummarySerializer(serializers.Serializer):
    review_count = serializers.IntegerField(help_text="Reviews shown (hidden ones are left out).")
    average = serializers.CharField(
        help_text='The average rating, one decimal ("4.8"; "0.0" with no review).'
    )
    average_tenths = serializers.IntegerField(help_text="The same in tenths of a star (48).")
    good_count = serializers.IntegerField(help_text="4–5 stars.")
    good_percent = serializers.IntegerField(help_text="好评率: good reviews, whole percent, rounded.")
    low_count = serializers.IntegerField(help_text="1–2 stars.")
    photo_count = serializers.IntegerField(help_text="Reviews with photos.")
    photo_percent = serializers.IntegerField(help_text="The share of reviews with photos, whole percent.")
    latest = ReviewSerializer(many=True, help_text="The three latest reviews shown.")


class PendingLineSerializer(serializers.Serializer):
    order_no = serializers.CharField()
    line_id = serializers.IntegerField()
    title = serializers.CharField()
    spec_text = serializers.CharField()
    image = serializers.CharField(allow_null=True, help_text="The line's thumbnail (absolute URL).")
    quantity = serializers.IntegerField()
    completed_at = serializers.DateTimeField(help_text="When the order was completed.")
    review_deadline = serializers.DateTimeField(help_text="The last moment the line may be reviewed.")


class ReviewInSerializer(serializers.Serializer):
    order_no = serializers.CharField(max_length=32)
    line_id = FormIntegerField(
        min_value=1, help_text="The order line to review (an `id` of the order's lines)."
    )
    rating = FormIntegerField(min_value=1, max_value=5, help_text="1–5 stars.")
    text = serializers.CharField(
        allow_blank=True, trim_whitespace=False, max_length=TEXT_MAX * 4,
        help_text=f"{TEXT_MIN}–{TEXT_MAX} characters after trimming.",
    )  # fmt: skip
    is_anonymous = serializers.BooleanField(
        default=False, help_text="Shown masked (张**) instead of the buyer's nickname."
    )
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=MAX_PHOTOS,
        help_text=f"Up to {MAX_PHOTOS} JPEG, PNG, WebP or GIF pictures (multipart/form-data only; 5 MB, "
        "100–6000 px a side each).",
    )  # fmt: skip
    photo_ids = photo_ids_field(most=MAX_PHOTOS)


# ---------------------------------------------------------------- data


def _photos(request: Request, review: Review) -> list[dict[str, Any]]:
    return [
        {"thumb": media_url(request, (p.thumb or p.image).name or ""),
         "large": media_url(request, (p.large or p.image).name or "")}
        for p in review.photos.all()
    ]  # fmt: skip


def review_data(request: Request, review: Review) -> dict[str, Any]:
    return {
        "id": review.pk, "author_name": review.author_name, "is_anonymous": review.is_anonymous,
        "rating": review.rating, "text": review.text, "spec_text": review.spec_text, "photos": _photos(request, review),
        "reply": review.reply, "replied_at": review.replied_at, "created_at": review.created_at,
    }  # fmt: skip


def my_review_data(request: Request, review: Review) -> dict[str, Any]:
    return {
        **review_data(request, review), "order_no": review.order.order_no, "line_id": review.order_line_id,
        "title": review.order_line.title, "is_hidden": review.is_hidden,
        "hidden_reason": review.hidden_reason if review.is_hidden else "",
    }  # fmt: skip


def summary_data(request: Request, rating: ProductRating | None, latest: list[Review]) -> dict[str, Any]:
    found = rating or ProductRating()
    return {
        "review_count": found.review_count, "average": found.average, "average_tenths": found.average_tenths,
        "good_count": found.good_count, "good_percent": found.good_percent, "low_count": found.low_count,
        "photo_count": found.photo_count, "photo_percent": found.photo_percent,
        "latest": [review_data(request, review) for review in latest],
    }  # fmt: skip


# ---------------------------------------------------------------- views


class ProductReviewsBase(ShopAPIView):
    authentication_classes: list = []
    permission_classes: list = []

    def product(self) -> Product:
        product = (
            Product.objects.filter(
                shop=self.get_shop(), pk=self.kwargs["product_id"], status=Product.Status.ON_SALE
            )
            .only("pk")
            .first()
        )
        if product is None:
            raise NotFoundError("product_not_found", _("商品不存在或已下架。"))
        return product


@extend_schema_view(
    get=extend_schema(
        tags=["reviews"], operation_id="product_reviews_list", parameters=[SHOP_PARAM, PRODUCT_PARAM, FILTER_PARAM],
        responses={200: ReviewSerializer(many=True),
                   400: error("`invalid`: a bad `filter`, `page` or `page_size`."),
                   404: error(f"{SHOP_NOT_FOUND} `product_not_found` (unknown, or not on sale); `not_found`: a page "
                              "past the end.")},
    )
)  # fmt: skip
class ProductReviewListView(ProductReviewsBase, ListAPIView):
    """A product's reviews (no login; the same for everyone), newest first: only buyers of a
    completed order write them; hidden reviews are left out."""

    serializer_class = ReviewSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return Review.objects.none()
        kind = self.request.query_params.get("filter", "all")
        if kind not in selectors.FILTERS:
            raise ValidationError({"filter": [f"must be one of: {', '.join(selectors.FILTERS)}"]})
        return selectors.product_reviews(product_id=self.product().pk, kind=kind)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([review_data(request, review) for review in page or []])


@extend_schema_view(
    get=extend_schema(
        tags=["reviews"], operation_id="product_reviews_summary", parameters=[SHOP_PARAM, PRODUCT_PARAM],
        responses={200: SummarySerializer,
                   404: error(f"{SHOP_NOT_FOUND} `product_not_found` (unknown, or not on sale).")},
    )
)  # fmt: skip
class ProductReviewSummaryView(ProductReviewsBase):
    """What the product page shows of its reviews: the average, the count, 好评率, the share with
    photos and the three latest (rolled-up figures: one row, whatever the number of reviews)."""

    serializer_class = SummarySerializer
    queryset = Review.objects.none()  # for the schema generator only

    def get(self, request: Request, shop_slug: str, product_id: int) -> Response:
        summary = selectors.product_review_summary(product_id=self.product().pk)
        return Response(summary_data(request, summary.rating, summary.latest))


CREATE_400 = (
    "`invalid` (a malformed field: `line_id` and `rating` are JSON integers, or ASCII digits in a form), "
    "`review_rating_invalid`, `review_text_too_short`, `review_text_too_long`, `too_many_photos`, "
    "`photo_invalid` (not a JPEG/PNG/WebP/GIF, too large or too small), `photo_upload_invalid` (a `photo_ids` "
    "entry that is not an unused, unexpired upload of yours in this shop)."
)


@extend_schema_view(
    get=extend_schema(
        tags=["reviews"], operation_id="my_reviews_list", parameters=[SHOP_PARAM],
        responses={200: MyReviewSerializer(many=True), 400: error("`invalid`: a bad `page` or `page_size`."),
                   401: error(AUTH), 403: error(AUTH),
                   404: error(f"{SHOP_NOT_FOUND} `not_found`: a page past the end.")},
    ),
    post=extend_schema(
        tags=["reviews"], operation_id="my_reviews_create", parameters=[SHOP_PARAM],
        request={"multipart/form-data": ReviewInSerializer, "application/json": ReviewInSerializer},
        responses={
            201: MyReviewSerializer, 400: error(CREATE_400), 401: error(AUTH), 403: error(AUTH),
            404: error(f"{SHOP_NOT_FOUND} `order_not_found` (unknown, or another shopper's), "
                       "`order_line_not_found` (not a line of this order)."),
            409: error("`review_not_allowed` (the order is not completed), `review_expired` (past the shop's "
                       "window after completion), `review_exists` (the line was reviewed: once per line), "
                       "`review_refunded` (every unit of the line was refunded)."),
        },
    ),
)  # fmt: skip
class MyReviewsView(ShopperView, ListAPIView):
    """My reviews in this shop (newest first; hidden ones too, with the reason), and writing one:
    a line of my completed order, once, within the shop's window (default 15 days)."""

    serializer_class = MyReviewSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Review.objects.none()
        return selectors.reviews_of_user(shop=self.get_shop(), user=self.shopper)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([my_review_data(request, review) for review in page or []])

    def post(self, request: Request, shop_slug: str) -> Response:
        data = ReviewInSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        review = services.review_create(
            shop=self.get_shop(), user=self.shopper, order_no=values["order_no"], line_id=values["line_id"],
            rating=values["rating"], text=values["text"], is_anonymous=values["is_anonymous"],
            photos=values.get("photos") or [], photo_ids=values.get("photo_ids") or [],
        )  # fmt: skip
        found = selectors.reviews_of_user(shop=self.get_shop(), user=self.shopper).get(pk=review.pk)
        return Response(my_review_data(request, found), status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        tags=["reviews"], operation_id="my_reviews_pending", parameters=[SHOP_PARAM],
        responses={200: PendingLineSerializer(many=True), 401: error(AUTH), 403: error(AUTH),
                   404: error(SHOP_NOT_FOUND)},
    )
)  # fmt: skip
class PendingReviewsView(ShopperView):
    """待评价: the lines of my completed orders I may still review (within the window, not reviewed,
    not refunded in full), the most recently completed first, each with its deadline."""

    serializer_class = PendingLineSerializer
    pagination_class = None

    def get(self, request: Request, shop_slug: str) -> Response:
        lines = selectors.pending_lines(shop=self.get_shop(), user=self.shopper)
        return Response(
            [
                {
                    "order_no": line.order.order_no, "line_id": line.pk, "title": line.title,
                    "spec_text": line.spec_text, "image": media_url(request, line.image or ""), "quantity": line.quantity,
                    "completed_at": line.order.completed_at,
                    "review_deadline": line.review_deadline,  # type: ignore[attr-defined]
                }
                for line in lines
            ]
        )  # fmt: skip
