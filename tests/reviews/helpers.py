"""Review test helpers: a completed order bought through the real services (placed, paid,
shipped, received), a review written through the service, and photo uploads."""

from __future__ import annotations

from itertools import count

from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.images import make_demo_image
from orders import services as order_services
from orders.models import Order
from reviews import services
from tests.factories import AddressFactory, ShopperFactory

_numbers = count(1)


def buyer(nickname: str = "张三丰"):
    user = ShopperFactory(username=f"rv{next(_numbers)}", nickname=nickname)
    user.address_id = AddressFactory(user=user).pk
    return user


def completed_order(*, shop, user, skus, quantity: int = 1, complete: bool = True) -> Order:
    """An order of ``quantity`` of each SKU, paid, shipped and (``complete``) received."""
    order = order_services.order_place(
        shop=shop, user=user, items=[(sku.pk, quantity) for sku in skus], address_id=user.address_id,
        options={"coupon_claim_id": "none"},
    )  # fmt: skip
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    order_services.order_ship(
        shop=shop, order_no=order.order_no, carrier="sf", tracking_no=f"SF{order.pk:09d}", actor=None
    )
    if complete:
        order_services.order_confirm_receipt(order=order, user=user)
    return Order.objects.get(pk=order.pk)


def photo(name: str = "晒图.jpg", *, color=(200, 120, 80), size: int = 400) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, make_demo_image("review", color=color, size=size), content_type="image/jpeg"
    )


def review(
    order: Order,
    *,
    line=None,
    rating: int = 5,
    text: str = "质量很好，尺码标准。",
    photos=(),
    anonymous=False,
):
    line = line or order.lines.order_by("pk").first()
    return services.review_create(
        shop=order.shop, user=order.user, order_no=order.order_no, line_id=line.pk, rating=rating, text=text,
        is_anonymous=anonymous, photos=list(photos),
    )  # fmt: skip
