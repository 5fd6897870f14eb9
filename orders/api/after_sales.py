"""Asking for an after-sale (refund, or return and refund) on an order."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.schema import ERRORS, ORDER_PARAM, SHOP_PARAM
from orders.api.base import ShopperView
from orders.api.orders import order_detail_response
from orders.api.serializers import AfterSaleInSerializer, OrderDetailSerializer
from orders.services.after_sales import after_sale_request
from orders.services.lifecycle import order_get_for_user


@extend_schema_view(
    post=extend_schema(
        tags=["orders"],
        operation_id="orders_after_sale_request",
        parameters=[SHOP_PARAM, ORDER_PARAM],
        request=AfterSaleInSerializer,
        responses={201: OrderDetailSerializer, **ERRORS},
    )
)
class AfterSaleRequestView(ShopperView):
    """Ask for a refund (仅退款) or a return and refund (退货退款), up to what was paid."""

    serializer_class = AfterSaleInSerializer

    def post(self, request: Request, shop_slug: str, order_no: str) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = order_get_for_user(user=self.shopper, shop=self.get_shop(), order_no=order_no)
        after_sale_request(order=order, user=self.shopper, **data.validated_data)
        response = order_detail_response(self, order_no)
        response.status_code = status.HTTP_201_CREATED
        return response
