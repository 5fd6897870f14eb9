"""After-sales on an order: asking for one (refund, or return and refund), reading one (its step,
deadline and return address), and a return's parcel."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.errors import ErrorSerializer
from core.api.schema import ERRORS, ORDER_PARAM, SHOP_PARAM
from orders.api.base import ShopperView
from orders.api.orders import order_detail_response
from orders.api.serializers import (
    AfterSaleInSerializer,
    AfterSaleSerializer,
    OrderDetailSerializer,
    ReturnShipmentInSerializer,
)
from orders.selectors import after_sale_detail_for_user
from orders.services.after_sales import after_sale_request
from orders.services.lifecycle import order_get_for_user
from orders.services.returns import after_sale_return_ship


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
                "left), `return_lines_required` (a return must choose the goods sent back: `lines`), "
                "`too_many_lines`, `too_many_photos` (more than 3 `photo_ids`), `photo_upload_invalid` (a `photo_ids` "
                "entry that is not an unused, unexpired upload of yours in this shop)."
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
    an amount, split over the lines in proportion to what each has left when the merchant approves.
    Up to 3 photos: upload each first (`POST …/uploads/photos/`), then send their `photo_ids`."""

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


AFTER_SALE_PARAM = OpenApiParameter(
    "after_sale_no", str, OpenApiParameter.PATH, description="The after-sale number (`after_sale_no`)."
)


def after_sale_detail_response(view: ShopperView, order_no: str, after_sale_no: str) -> Response:
    after_sale = after_sale_detail_for_user(
        user=view.shopper, shop=view.get_shop(), order_no=order_no, after_sale_no=after_sale_no
    )
    return Response(AfterSaleSerializer(after_sale, context={"request": view.request}).data)


@extend_schema_view(
    get=extend_schema(
        tags=["orders"],
        operation_id="orders_after_sale_retrieve",
        parameters=[SHOP_PARAM, ORDER_PARAM, AFTER_SALE_PARAM],
        responses={
            200: AfterSaleSerializer,
            **ERRORS,
            404: error(
                "`shop_not_found`, `after_sale_not_found` (unknown, of another order, or another shopper's)."
            ),
        },
    )
)
class AfterSaleDetailView(ShopperView):
    """One of my after-sales: its step (`status`, `steps`), the current deadline and what happens
    when it passes (`deadline`, `deadline_action`), a return's address once approved
    (`return_address`), its parcel (`return_shipment`) and the merchant's answer."""

    serializer_class = AfterSaleSerializer

    def get(self, request: Request, shop_slug: str, order_no: str, after_sale_no: str) -> Response:
        return after_sale_detail_response(self, order_no, after_sale_no)


@extend_schema_view(
    post=extend_schema(
        tags=["orders"],
        operation_id="orders_after_sale_return_shipment",
        parameters=[SHOP_PARAM, ORDER_PARAM, AFTER_SALE_PARAM],
        request=ReturnShipmentInSerializer,
        responses={
            200: AfterSaleSerializer,
            **ERRORS,
            400: error(
                "`invalid` (a malformed field, a carrier not in the list), `return_carrier_invalid` (`other` "
                "without `carrier_name`), `return_tracking_invalid` (not 6–40 letters, digits or `-`)."
            ),
            404: error(
                "`shop_not_found`, `order_not_found`, `after_sale_not_found` (unknown, or another shopper's)."
            ),
            409: error(
                "`after_sale_not_pending` (not an approved return waiting for its parcel: not approved yet, "
                "already sent, closed, …), `return_address_missing` (the shop has given no return address yet), "
                "`return_ship_overdue` (past `ship_back_by`)."
            ),
        },
    )
)
class AfterSaleReturnShipmentView(ShopperView):
    """I have sent the goods of an approved return (退货退款) back: the carrier and tracking number.
    The merchant then has until `receive_by` to confirm receipt (the refund is sent) or refuse the
    goods; after it the system confirms receipt and refunds."""

    serializer_class = ReturnShipmentInSerializer

    def post(self, request: Request, shop_slug: str, order_no: str, after_sale_no: str) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = order_get_for_user(user=self.shopper, shop=self.get_shop(), order_no=order_no)
        after_sale_return_ship(
            order=order, user=self.shopper, after_sale_no=after_sale_no, **data.validated_data
        )
        return after_sale_detail_response(self, order_no, after_sale_no)
