"""Reads of promotions for the pages and the API: a fixed number of queries whatever the number
of coupons (tests/promotions/test_queries.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from promotions.models import Coupon, CouponClaim
from promotions.rules import CouponScope, coupon_off_fen, coupon_scopes, line_in_scope
from shop.cache import cached_value

MY_TABS = ("usable", "used", "expired")


def claimable_coupons(*, shop: Any) -> list[Coupon]:
    """The coupons shown on the shop's pages: claimable by anyone now, not all claimed (one query)."""
    now = timezone.now()
    return list(
        Coupon.objects.filter(
            shop=shop, distribution=Coupon.Distribution.PUBLIC, is_active=True,
            claim_starts_at__lte=now, claim_ends_at__gt=now, claimed_count__lt=F("total_quantity"),
        ).order_by("-pk")[:50]
    )  # fmt: skip


@dataclass(frozen=True)
class ShownCoupon:
    coupon: Coupon
    scope: CouponScope
    saving_fen: int | None = None  # on a product page: what buying one at its lowest price saves


def claimable_with_scopes(*, shop: Any) -> list[ShownCoupon]:
    """The claimable coupons and their scopes, cached under the shop's storefront version (no
    query on a warm page). Nothing in it depends on who looks."""

    def build() -> list[ShownCoupon]:
        coupons = claimable_coupons(shop=shop)
        scopes = coupon_scopes(coupons)
        return [ShownCoupon(coupon=c, scope=scopes[c.pk]) for c in coupons]

    shown: list[ShownCoupon] = cached_value(shop.slug, ("claimable-coupons",), build)
    return shown


def claimable_for_product(*, shop: Any, product: Any) -> list[ShownCoupon]:
    """The claimable coupons that apply to ``product``, each with what one unit at its lowest price
    would save (None below the threshold)."""
    category = getattr(product, "category", None)
    parents = {category.pk: category.parent_id} if category is not None else {}
    shown = []
    for item in claimable_with_scopes(shop=shop):
        if not line_in_scope(
            item.scope, product_id=product.pk, category_id=product.category_id, parents=parents
        ):
            continue
        price = product.price_min_fen or 0
        saving = (
            coupon_off_fen(item.coupon, eligible_fen=price)
            if price and price >= item.coupon.threshold_fen
            else None
        )
        shown.append(ShownCoupon(coupon=item.coupon, scope=item.scope, saving_fen=saving or None))
    return shown


def my_claims(*, shop: Any, user: Any, tab: str = "usable") -> QuerySet[CouponClaim]:
    """The shopper's claims of one tab of 我的优惠券 (one query, coupons joined)."""
    now = timezone.now()
    claims = CouponClaim.objects.select_related("coupon").filter(shop=shop, user=user)
    if tab == "used":
        return claims.filter(status=CouponClaim.Status.USED).order_by("-used_at", "-pk")
    usable = claims.filter(status__in=CouponClaim.USABLE_STATUSES)
    if tab == "expired":
        return usable.filter(valid_until__lte=now).order_by("-valid_until", "-pk")
    return usable.filter(valid_until__gt=now).order_by("valid_until", "pk")
