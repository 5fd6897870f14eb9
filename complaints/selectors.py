"""Complaints' reads: the shopper's own complaints (我的投诉) and the shop a complaint page is about."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from complaints.models import Complaint, ComplaintEvent
from core.errors import NotFoundError
from orders.models import Order, OrderStatus
from shop.models import Shop
from shop.selectors import shop_get_public


def shop_for_complaints(*, slug: str) -> Shop:
    """The shop of a complaint page: open, or suspended (a shopper still reads and files complaints
    about a suspended shop; every other page of it shows the suspension notice)."""
    try:
        return shop_get_public(slug=slug)
    except NotFoundError:
        shop = Shop.objects.filter(slug=slug).first()
        if shop is None:
            raise
        return shop


def complaints_of_user(*, shop: Shop, user: User) -> QuerySet[Complaint]:
    """我的投诉: the shopper's complaints against ``shop``, newest first (one query, plus one for
    the page's count when paginated)."""
    return (
        Complaint.objects.filter(shop=shop, user=user)
        .select_related("order", "shop")
        .order_by("-created_at", "-id")
    )


def complaint_of_user(*, shop: Shop, user: User, complaint_no: str) -> Complaint:
    """One of the shopper's complaints with its photos and history (three queries); another
    shopper's is "not found", like a missing one."""
    complaint = (
        complaints_of_user(shop=shop, user=user)
        .prefetch_related(
            "photos", Prefetch("events", queryset=ComplaintEvent.objects.order_by("created_at", "id"))
        )
        .filter(complaint_no=complaint_no)
        .first()
    )
    if complaint is None:
        raise NotFoundError("complaint_not_found", _("投诉不存在。"))
    return complaint


def complaint_order_choices(*, shop: Shop, user: User, limit: int = 30) -> list[Order]:
    """The shopper's recent orders in ``shop`` a complaint may name (paid or later, or cancelled)."""
    return list(
        Order.objects.filter(shop=shop, user=user)
        .exclude(status=OrderStatus.PENDING_PAYMENT)
        .prefetch_related("lines")
        .order_by("-created_at")[:limit]
    )
