"""Asking for an after-sale (refund, or return and refund) on an order."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.errors import ErrorSerializer
from core.api.schema import ERRORS, ORDER_PARAM, SHOP_PARAM
from orders.api.base import ShopperView
from orders.api.orders import order_detail_response
from orders.api.serializers import AfterSaleInSerializer, OrderDetailSerializer
from orders.services.after_sales import after_sale_request
from orders.services.lifecycle import order_get_for_user


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


@extend_schema_view(
    post=extend_schema(
        tags=["orders"],
        operation_id="orders_after_sale_request",
        parameters=[SHOP_PARAM, ORDER_PARAM],
        request=AfterSaleInSerializer,
        responses={
            201: OrderDetailSerializer,
            **ERRORS,
            400: error(
                "`invalid` (a malformed field), `after_sale_kind_invalid`, `after_sale_reason_required`, "
                "`refund_amount_invalid` (not positive, more than is left, or no amount and no lines), "
                "`after_sale_line_invalid` (a line not of this order, chosen twice, or more units than are "
                "left), `too_many_lines`, `too_many_photos`, `photo_invalid`."
            ),
            404: error("`shop_not_found`, `order_not_found` (unknown, or another shopper's)."),
            409: error(
                "`after_sale_not_allowed` (the order's status), `after_sale_open`, `after_sale_expired`."
            ),
        },
    )
)
class AfterSaleRequestView(ShopperView):
    """Ask for a refund (仅退款) or a return and refund (退货退款), up to what was paid: of chosen
    lines and quantities (`lines`), each giving back at most what was paid for those units, or of
    an amount, split over the lines in proportion to what each has left when the merchant approves."""

    serializer_class = AfterSaleInSerializer

    def post(self, request: Request, shop_slug: str, order_no: str) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = order_get_for_user(user=self.shopper, shop=self.get_shop(), order_no=order_no)
        values = dict(data.validated_data)
        lines = [(line["line_id"], line["quantity"]) for line in values.pop("lines", None) or []]
        after_sale_request(order=order, user=self.shopper, lines=lines or None, **values)
        response = order_detail_response(self, order_no)
        response.status_code = status.HTTP_201_CREATED
        return response
