"""Every GET endpoint of /api/v1/ answers as /api/schema/ says it does: schemathesis generates
requests from the schema, sends them to the WSGI app, and runs all its checks on each answer (no
5xx; status code, content type, headers and body conform to the schema; valid requests are not
refused with a 400, invalid ones are).

A small real shop is behind it (a product with a colour × size matrix and pictures, one without
specs, two categories, a shopper with an address, a cart and an order), and most generated ids are
swapped for real ones, so the answers checked are full ones, not just 404s. Bounded: 25 examples
per operation and mode."""

from __future__ import annotations

import zlib
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from catalog.models import Category, Product
from orders import services as order_services
from tests.factories import (
    AddressFactory,
    ShopFactory,
    ShopperFactory,
    add_image,
    make_product,
    product_with_matrix,
)

EXAMPLES = 25
TOKEN = "fuzz" * 10  # the shopper's API token (Token.key is 40 characters)


class ShopperToken:
    """Authenticates every request as the real shop's shopper, the way schemathesis expects (so its
    `ignored_auth` check can also prove the shopper endpoints refuse a missing or bad token)."""

    def get(self, case, ctx) -> str:
        return TOKEN

    def set(self, case, data: str, ctx) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}


def load_schema(mode: GenerationMode):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application()).include(method="GET")
    schema.config.generation.update(modes=[mode])
    schema.auth()(ShopperToken)
    return schema


positive = load_schema(GenerationMode.POSITIVE)
negative = load_schema(GenerationMode.NEGATIVE)


@pytest.fixture
def real_shop(db) -> dict[str, Any]:
    """A small real shop, and the WSGI app kept from closing the test's database connection at the
    end of each request (Django's test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield make_real_shop()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def make_real_shop() -> dict[str, Any]:
    """Two categories, a 颜色 × 尺码 product with a picture, one without specs, and a shopper with an
    address, an order and a cart line; returns the real values of each id parameter."""
    shop = ShopFactory(slug="demo", name="演示店")
    clothes = Category.objects.create(shop=shop, name="服装")
    tees = Category.objects.create(shop=shop, name="T恤", parent=clothes)
    tee = product_with_matrix(shop=shop, title="纯棉T恤", colors=("红", "蓝"), sizes=("S", "M"))
    Product.objects.filter(pk=tee.pk).update(category=tees, description="<p>新疆<strong>长绒棉</strong></p>")
    add_image(tee)
    nuts = make_product(shop=shop, title="坚果", category=clothes, image=True)
    shopper = ShopperFactory(username="fuzz-buyer")
    Token.objects.create(user=shopper, key=TOKEN)
    address = AddressFactory(user=shopper)
    sku = tee.skus.order_by("pk").first()
    order = order_services.order_place(shop=shop, user=shopper, items=[(sku.pk, 1)], address_id=address.pk)
    order_services.cart_add(cart=order_services.cart_get(shop=shop, user=shopper, create=True), sku_id=sku.pk)
    review_a_completed_order(shop=shop, user=shopper, address=address, skus=list(tee.skus.order_by("pk")[:2]))
    return {
        "shop_slug": [shop.slug],
        "product_id": [tee.pk, tee.pk, nuts.pk],  # the SKU lookup needs the one with specs
        "category": [clothes.pk, tees.pk],
        "spec_values": [",".join(map(str, s.spec_value_ids)) for s in tee.skus.all()],
        "order_no": [order.order_no],
        "address_id": [address.pk],
    }


def review_a_completed_order(*, shop, user, address, skus) -> None:
    """reviews: a completed order of two lines, one reviewed with a photo and a reply, one waiting."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from catalog.images import make_demo_image
    from reviews.services import review_create, review_reply

    done = order_services.order_place(
        shop=shop, user=user, items=[(s.pk, 1) for s in skus], address_id=address.pk
    )
    order_services.order_mark_paid(order=done, amount_fen=done.total_fen)
    order_services.order_ship(
        shop=shop, order_no=done.order_no, carrier="sf", tracking_no="SF2000000001", actor=None
    )
    order_services.order_confirm_receipt(order=done, user=user)
    picture = SimpleUploadedFile("r.jpg", make_demo_image("r", color=(90, 90, 90), size=200), "image/jpeg")
    made = review_create(shop=shop, user=user, order_no=done.order_no, line_id=done.lines.order_by("pk").first().pk,
                         rating=4, text="面料舒服，尺码标准。", photos=[picture])  # fmt: skip
    review_reply(shop=shop, review_id=made.pk, text="谢谢支持", actor=None)


def pick(generated: Any, real: list) -> Any:
    """Mostly a real value (chosen by the generated one, so a failing example replays), sometimes
    the generated value itself, so unknown ids are exercised too."""
    digest = zlib.crc32(repr(generated).encode())
    return generated if digest % 5 == 0 else real[digest % len(real)]


def aim_at_real_data(case, real: dict[str, Any]) -> None:
    """Swap generated ids for real ones, in the parts of the request generated as valid only (a
    negative case must stay invalid)."""
    components = case.meta.components if case.meta else {}

    def valid(location: str) -> bool:
        return all(str(loc.value) != location or info.mode.is_positive for loc, info in components.items())

    if case.path_parameters and valid("path"):
        for name, value in case.path_parameters.items():
            if name in real:
                case.path_parameters[name] = real[name][0] if name == "shop_slug" else pick(value, real[name])
    if case.query and valid("query"):
        for name in ("category", "spec_values"):
            if name in case.query:
                case.query[name] = pick(case.query[name], real[name])


FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@positive.parametrize()
@FUZZ
def test_valid_requests_get_answers_that_conform_to_the_schema(case, real_shop):
    aim_at_real_data(case, real_shop)
    excluded = []
    if case.operation.definition.raw.get("operationId") == "products_sku_lookup":
        # `spec_values` must hold one id per spec of *this* product, which a schema cannot say: a
        # well-formed list of the wrong length is a documented 400, not a schema violation.
        excluded.append(positive_data_acceptance)
    case.call_and_validate(excluded_checks=excluded)


@negative.parametrize()
@FUZZ
def test_invalid_requests_are_refused_in_the_documented_shape(case, real_shop):
    aim_at_real_data(case, real_shop)
    case.call_and_validate()
