"""My orders: list, place (with an Idempotency-Key), detail, cancel, confirm receipt."""

from __future__ import annotations

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.schema import ERRORS, ORDER_PARAM, SHOP_PARAM
from orders import selectors
from orders.api.base import ShopperView
from orders.api.checkout import ATTRIBUTION_PARAM, checkout_items, checkout_options
from orders.api.serializers import CheckoutInSerializer, OrderDetailSerializer, OrderSummarySerializer
from orders.middleware import attribution_of
from orders.models import Order, OrderEvent
from orders.selectors import TAB_NAMES
from orders.services.checkout import order_place
from orders.services.lifecycle import order_cancel, order_confirm_receipt, order_get_for_user

TAB_HELP = (
    "Which orders: `pending_payment` (待付款), `to_ship` (待发货), `to_receive` (待收货), "
    "`completed` (已完成) or `after_sale` (售后); all orders without it."
)


@extend_schema_view(
    get=extend_schema(
        tags=["orders"], operation_id="orders_list",
        parameters=[SHOP_PARAM, OpenApiParameter("tab", str, enum=list(TAB_NAMES), description=TAB_HELP)],
        responses={200: OrderSummarySerializer(many=True), **ERRORS},
    ),
    post=extend_schema(
        tags=["orders"], operation_id="orders_create",
        parameters=[SHOP_PARAM, OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, description="Retry-safe: the same key returns the same order; the same key with another request is a 409."), ATTRIBUTION_PARAM],
        request=CheckoutInSerializer, responses={201: OrderDetailSerializer, 200: OrderDetailSerializer, **ERRORS},
    ),
)  # fmt: skip
class OrderListView(ShopperView, ListAPIView):
    """My orders in this shop (newest first), and placing an order."""

    serializer_class = OrderSummarySerializer

    def get_queryset(self):
        tab = self.request.query_params.get("tab")
        if tab is not None and tab not in TAB_NAMES:  # "" too: the schema lists the tabs only
            raise ValidationError({"tab": [f"must be one of: {', '.join(TAB_NAMES)}"]})
        return selectors.order_list_for_user(user=self.shopper, shop=self.get_shop(), tab=tab)

    def list(self, request: Request, *args, **kwargs) -> Response:
        """A page of my orders, cached for me until one of my orders changes."""
        return Response(
            self.shopper_cached(lambda: super(OrderListView, self).list(request, *args, **kwargs).data)
        )

    def post(self, request: Request, shop_slug: str) -> Response:
        data = CheckoutInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "")
        existed = bool(key) and Order.objects.filter(user=self.shopper, idempotency_key=key).exists()
        order = order_place(
            shop=self.get_shop(), user=self.shopper, items=checkout_items(data.validated_data),
            address_id=data.validated_data.get("address_id"), remark=data.validated_data.get("remark", ""),
            idempotency_key=key, attribution=attribution_of(request), options=checkout_options(data.validated_data),
        )  # fmt: skip
        detail = selectors.order_detail_for_user(
            user=self.shopper, shop=self.get_shop(), order_no=order.order_no
        )
        body = OrderDetailSerializer(detail, context={"request": request}).data
        return Response(body, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


class OrderCountsSerializer(serializers.Serializer):
    pending_payment = serializers.IntegerField(help_text="待付款: unpaid orders.")
    to_ship = serializers.IntegerField(help_text="待发货: paid, not shipped yet.")
    to_receive = serializers.IntegerField(help_text="待收货: shipped, not yet confirmed.")
    after_sale = serializers.IntegerField(
        help_text="售后: orders with an after-sale still open (requested, returning or refunding)."
    )


@extend_schema_view(
    get=extend_schema(
        tags=["orders"], operation_id="orders_counts", parameters=[SHOP_PARAM],
        responses={200: OrderCountsSerializer, **ERRORS},
    )
)  # fmt: skip
class OrderCountsView(ShopperView):
    """The badges of 我的订单 (个人中心): how many of my orders in this shop wait in each tab, in
    one query. 已完成 has no badge; 待评价 is the reviews' `reviews/pending/`."""

    serializer_class = OrderCountsSerializer

    def get(self, request: Request, shop_slug: str) -> Response:
        counts = selectors.order_counts_for_user(user=self.shopper, shop=self.get_shop())
        return Response(OrderCountsSerializer(counts).data)


def order_detail_response(view: ShopperView, order_no: str) -> Response:
    order = selectors.order_detail_for_user(user=view.shopper, shop=view.get_shop(), order_no=order_no)
    return Response(OrderDetailSerializer(order, context={"request": view.request}).data)


@extend_schema_view(
    get=extend_schema(
        tags=["orders"],
        operation_id="orders_retrieve",
        parameters=[SHOP_PARAM, ORDER_PARAM],
        responses={200: OrderDetailSerializer, **ERRORS},
    )
)
class OrderDetailView(ShopperView):
    """One order: lines as bought, address, amounts, the full timeline, shipment and after-sales."""

    serializer_class = OrderDetailSerializer

    def get(self, request: Request, shop_slug: str, order_no: str) -> Response:
        return order_detail_response(self, order_no)


@extend_schema_view(
    post=extend_schema(
        tags=["orders"],
        operation_id="orders_cancel",
        parameters=[SHOP_PARAM, ORDER_PARAM],
        request=None,
        responses={200: OrderDetailSerializer, **ERRORS},
    )
)
class OrderCancelView(ShopperView):
    """Cancel an unpaid order (its stock goes back on sale)."""

    serializer_class = OrderDetailSerializer

    def post(self, request: Request, shop_slug: str, order_no: str) -> Response:
        order = order_get_for_user(user=self.shopper, shop=self.get_shop(), order_no=order_no)
        order_cancel(
            order=order, actor=self.shopper, actor_kind=OrderEvent.Actor.SHOPPER, reason=gettext("顾客取消")
        )
        return order_detail_response(self, order_no)


@extend_schema_view(
    post=extend_schema(
        tags=["orders"],
        operation_id="orders_confirm_receipt",
        parameters=[SHOP_PARAM, ORDER_PARAM],
        request=None,
        responses={200: OrderDetailSerializer, **ERRORS},
    )
)
class OrderConfirmView(ShopperView):
    """Confirm receipt of a shipped order."""

    serializer_class = OrderDetailSerializer

    def post(self, request: Request, shop_slug: str, order_no: str) -> Response:
        order = order_get_for_user(user=self.shopper, shop=self.get_shop(), order_no=order_no)
        order_confirm_receipt(order=order, user=self.shopper)
        return order_detail_response(self, order_no)
