"""Review reads, each tuned for one page or endpoint (a fixed number of queries whatever the number
of reviews or lines): the product page's figures and latest reviews, the review list and its
filters, the shopper's 待评价 and 我的评价, and whether one order line may be reviewed now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from orders.models import AfterSale, AfterSaleLine, Order, OrderLine, OrderStatus
from reviews.models import (
    DEFAULT_WINDOW_DAYS,
    GOOD_FROM,
    LOW_UP_TO,
    ProductRating,
    Review,
    ReviewPhoto,
    ReviewSettings,
)
from shop.models import Shop

# The refunds that took a line's units: under way or done (a rejected, withdrawn or failed one gave
# nothing back). A line all of whose units they took may not be reviewed.
REFUNDED = (AfterSale.Status.REFUNDING, AfterSale.Status.REFUNDED)
FILTERS = ("all", "photos", "low", "good")
LATEST = 3


def review_window_days(*, shop: Shop) -> int:
    """How many days after completion a line of this shop may be reviewed (the shop's setting)."""
    days = ReviewSettings.objects.filter(shop=shop).values_list("window_days", flat=True).first()
    return int(days) if days else DEFAULT_WINDOW_DAYS


def review_deadline(*, completed_at: datetime | None, window_days: int) -> datetime | None:
    return completed_at + timedelta(days=window_days) if completed_at else None


def _refunded_quantity() -> Subquery:
    """The units of the outer ``OrderLine`` that refunds under way or done took (one subquery)."""
    taken = (
        AfterSaleLine.objects.filter(order_line=OuterRef("pk"), after_sale__status__in=REFUNDED)
        .values("order_line")
        .annotate(units=Sum("quantity"))
        .values("units")
    )
    return Subquery(taken)


def line_refunded_in_full(*, line: OrderLine) -> bool:
    taken = AfterSaleLine.objects.filter(order_line=line, after_sale__status__in=REFUNDED).aggregate(
        units=Sum("quantity")
    )["units"]
    return int(taken or 0) >= line.quantity


def pending_lines(
    *, shop: Shop, user: User, order: Order | None = None, now: datetime | None = None
) -> list[OrderLine]:
    """待评价: the lines of the shopper's completed orders in this shop that they may still review
    (within the window, not reviewed, not refunded in full), the most recently completed first;
    each with ``review_deadline``. Two queries (the window, then the lines)."""
    now = now or timezone.now()
    days = review_window_days(shop=shop)
    lines = (
        OrderLine.objects.filter(
            order__shop=shop, order__user=user, order__status=OrderStatus.COMPLETED,
            order__completed_at__gt=now - timedelta(days=days), review__isnull=True,
        )
        .annotate(refunded_units=Coalesce(_refunded_quantity(), 0))
        .filter(refunded_units__lt=F("quantity"))
        .select_related("order")
        .order_by("-order__completed_at", "order_id", "pk")
    )  # fmt: skip
    if order is not None:
        lines = lines.filter(order=order)
    found: list[OrderLine] = list(lines[:200])
    for line in found:
        line.review_deadline = review_deadline(  # type: ignore[attr-defined]
            completed_at=line.order.completed_at, window_days=days
        )
    return found


def _with_photos(queryset: QuerySet[Review]) -> QuerySet[Review]:
    return queryset.prefetch_related(
        Prefetch("photos", queryset=ReviewPhoto.objects.order_by("position", "id"))
    )


def product_rating(*, product_id: int) -> ProductRating | None:
    """The product's figures (None: no review shown yet)."""
    found = ProductRating.objects.filter(product_id=product_id, review_count__gt=0).first()
    return found


def product_reviews(*, product_id: int, kind: str = "all") -> QuerySet[Review]:
    """The product's shown reviews, newest first, for a list page: ``all``, ``photos`` (有图),
    ``low`` (差评, 1–2 stars) or ``good`` (好评, 4–5 stars); photos in one more query per page."""
    queryset = Review.objects.filter(product_id=product_id, is_hidden=False)
    if kind == "photos":
        queryset = queryset.filter(photo_count__gt=0)
    elif kind == "low":
        queryset = queryset.filter(rating__lte=LOW_UP_TO)
    elif kind == "good":
        queryset = queryset.filter(rating__gte=GOOD_FROM)
    return _with_photos(queryset.order_by("-created_at", "-id"))


@dataclass(frozen=True)
class ProductReviewSummary:
    rating: ProductRating | None
    latest: list[Review]

    @property
    def count(self) -> int:
        return self.rating.review_count if self.rating else 0


def product_review_summary(*, product_id: int, limit: int = LATEST) -> ProductReviewSummary:
    """What the product page shows: the figures and the latest reviews (three queries; one when
    the product has no review shown)."""
    rating = product_rating(product_id=product_id)
    latest = list(product_reviews(product_id=product_id)[:limit]) if rating else []
    return ProductReviewSummary(rating=rating, latest=latest)


def reviews_of_user(*, shop: Shop, user: User) -> QuerySet[Review]:
    """我的评价: the shopper's own reviews in this shop, hidden ones included (with the reason)."""
    return _with_photos(
        Review.objects.filter(shop=shop, user=user)
        .select_related("order_line", "order")
        .order_by("-created_at", "-id")
    )
