"""Shared set-up of the complaints tests: a shopper with a paid order in shop A, a photo."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from complaints import services
from tests.factories import ShopperFactory, make_paid_order


def photo(name: str = "proof.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (30, 120, 200)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def reporter(username: str = "reporter", phone: str = "13812345678"):
    return ShopperFactory(username=username, phone=phone, nickname="爱买的顾客")


def complaint_with_order(shop, user, **fields):
    order = make_paid_order(shop=shop, user=user)
    return services.complaint_create(
        shop=shop, user=user, kind=fields.pop("kind", "not_shipped"), text=fields.pop("text", "付款三天了还没发货，客服不回复。"),
        order_no=order.order_no, **fields,
    )  # fmt: skip
