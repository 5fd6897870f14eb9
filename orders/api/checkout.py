"""The checkout preview: price a would-be order, nothing reserved."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import services as account_services
from core.api.schema import ERRORS, SHOP_PARAM
from orders.api.base import ShopperView
from orders.api.serializers import CheckoutInSerializer, PreviewSerializer
from orders.middleware import HEADER, attribution_of
from orders.services.checkout import cart_checkout_items, checkout_preview

ATTRIBUTION_PARAM = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    description="Where the shopper came from: `ch=<code>&ref=<code>`, the signed channel and referrer "
    "codes of this shop from the link that opened the mini-program. Unsigned, tampered or another "
    "shop's codes are ignored.",
)


def checkout_options(data: dict[str, Any]) -> dict[str, Any] | None:
    """The shopper's pricing options as plain data for the rules: the coupon claim chosen
    (``"none"`` for null), a group-buy (``{"activity_id", "group_no"}``, which takes no coupon
    unless one is named — the group-buy rule then refuses it) and whether to use points, or None."""
    options: dict[str, Any] = {}
    if "group_buy" in data:
        group = data["group_buy"]
        options["group_buy"] = {
            "activity_id": group["activity_id"],
            "group_no": group.get("group_no") or None,
        }
        options["coupon_claim_id"] = "none"
    if "coupon_claim_id" in data:
        claim_id = data["coupon_claim_id"]
        options["coupon_claim_id"] = "none" if claim_id is None else claim_id
    if "use_points" in data:  # crm's 积分抵扣 (the rule reads True; the server works out how many)
        options["points"] = bool(data["use_points"])
    return options or None


def checkout_items(data: dict[str, Any]) -> list[tuple[int, int]] | None:
    """The lines asked for, or None for "the cart" (read by the service, after the
    Idempotency-Key)."""
    if data.get("items"):
        return [(item["sku_id"], item["quantity"]) for item in data["items"]]
    return None


@extend_schema_view(
    post=extend_schema(
        tags=["orders"],
        operation_id="checkout_preview",
        parameters=[SHOP_PARAM, ATTRIBUTION_PARAM],
        request=CheckoutInSerializer,
        responses={200: PreviewSerializer, **ERRORS},
    )
)
class CheckoutPreviewView(ShopperView):
    """Price a would-be order (the server's prices, shipping fee and total). Nothing is reserved."""

    serializer_class = CheckoutInSerializer

    def post(self, request: Request, shop_slug: str) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        address = None
        if data.validated_data.get("address_id"):
            address = account_services.address_get(
                user=self.shopper, address_id=data.validated_data["address_id"]
            )
        items = checkout_items(data.validated_data)
        if items is None:
            items = cart_checkout_items(shop=self.get_shop(), user=self.shopper)
        preview = checkout_preview(
            shop=self.get_shop(),
            user=self.shopper,
            items=items,
            address=address,
            options=checkout_options(data.validated_data),
            attribution=attribution_of(request),
        )
        return Response(PreviewSerializer(preview).data)
