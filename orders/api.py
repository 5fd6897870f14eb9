"""The shopper's side of orders for the mini-program: cart, checkout, orders, after-sales.

All endpoints need a logged-in shopper (session or ``Authorization: Token …``); every query is
filtered by that shopper (and the shop in the URL), so another shopper's order is a 404.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import services as account_services
from core.api.fields import StrictIntegerField
from core.api.schema import ERRORS, FEN, ORDER_PARAM, SHOP_PARAM, media_url
from orders import selectors, services
from orders.models import AfterSale, Order, OrderEvent
from orders.selectors import TAB_NAMES
from shop.models import Shop
from shop.selectors import shop_get_public

# ---------------------------------------------------------------- serializers


class OrderAddressSerializer(serializers.Serializer):
    """The delivery address as copied onto the order (no id: later edits never change it)."""

    recipient = serializers.CharField()
    phone = serializers.CharField()
    province = serializers.CharField()
    city = serializers.CharField()
    district = serializers.CharField()
    detail = serializers.CharField()


class ItemListSerializer(serializers.ListSerializer):
    """At most ``MAX_LINES`` lines, counted before any line is parsed: ``too_many_lines``, as the
    service says it."""

    def to_internal_value(self, data: Any) -> list[dict[str, Any]]:
        if isinstance(data, list) and len(data) > services.MAX_LINES:
            raise services.too_many_lines_error()
        return super().to_internal_value(data)


class ItemInSerializer(serializers.Serializer):
    sku_id = StrictIntegerField(min_value=1)
    quantity = StrictIntegerField(min_value=1, max_value=services.MAX_QUANTITY, default=1)

    class Meta:
        list_serializer_class = ItemListSerializer


class QuantitySerializer(serializers.Serializer):
    quantity = StrictIntegerField(min_value=1, max_value=services.MAX_QUANTITY)


class CartItemSerializer(serializers.Serializer):
    """One line of ``selectors.cart_summary``."""

    id = serializers.IntegerField(source="item.pk")
    sku_id = serializers.IntegerField(source="item.sku_id")
    product_id = serializers.IntegerField(source="item.sku.product_id")
    title = serializers.CharField(source="item.sku.product.title")
    spec_text = serializers.CharField(source="item.sku.spec_text")
    price_fen = serializers.IntegerField(source="item.sku.price_fen", help_text=FEN)
    quantity = serializers.IntegerField(source="item.quantity")
    stock = serializers.IntegerField(source="item.sku.stock")
    available = serializers.BooleanField(
        source="ok", help_text="False when sold out, off shelf, the spec is retired or stock is short."
    )
    problem = serializers.CharField(help_text="Why this line cannot be bought now (empty if it can).")
    image = serializers.SerializerMethodField()

    def get_image(self, line) -> str | None:
        image = line.item.sku.image or line.item.sku.product.cover
        return self.context["request"].build_absolute_uri(image.list_url) if image else None


class CartSerializer(serializers.Serializer):
    items = CartItemSerializer(many=True, source="lines")
    goods_fen = serializers.IntegerField(
        help_text=f"Sum over available items: what checkout from the cart buys. {FEN}"
    )


class CheckoutInSerializer(serializers.Serializer):
    items = ItemInSerializer(
        many=True, required=False, max_length=services.MAX_LINES,
        help_text=f"What to buy (at most {services.MAX_LINES} lines; a repeated SKU is added up); "
        "default: the cart's available items.",
    )  # fmt: skip
    address_id = StrictIntegerField(required=False, min_value=1)
    remark = serializers.CharField(required=False, allow_blank=True, max_length=200)


class PreviewLineSerializer(serializers.Serializer):
    sku_id = serializers.IntegerField(source="sku.pk")
    title = serializers.CharField(source="sku.product.title")
    spec_text = serializers.CharField(source="sku.spec_text")
    unit_price_fen = serializers.IntegerField()
    quantity = serializers.IntegerField()
    total_fen = serializers.IntegerField()
    problem = serializers.CharField(help_text="Why this line cannot be bought now (empty if it can).")


class PreviewSerializer(serializers.Serializer):
    lines = PreviewLineSerializer(many=True)
    goods_fen = serializers.IntegerField()
    shipping_fen = serializers.IntegerField()
    discount_fen = serializers.IntegerField()
    total_fen = serializers.IntegerField()
    problems = serializers.ListField(child=serializers.CharField())


class OrderLineSerializer(serializers.Serializer):
    sku_id = serializers.IntegerField()
    product_id = serializers.IntegerField(source="product_id_snapshot")
    title = serializers.CharField()
    spec_text = serializers.CharField()
    image = serializers.SerializerMethodField()
    unit_price_fen = serializers.IntegerField()
    quantity = serializers.IntegerField()
    total_fen = serializers.IntegerField()

    def get_image(self, line) -> str | None:
        return media_url(self.context["request"], line.image)


class OrderSummarySerializer(serializers.Serializer):
    order_no = serializers.CharField()
    status = serializers.CharField()
    status_text = serializers.CharField(source="get_status_display")
    total_fen = serializers.IntegerField(help_text=FEN)
    created_at = serializers.DateTimeField()
    pay_deadline = serializers.DateTimeField()
    lines = OrderLineSerializer(many=True)


class EventSerializer(serializers.Serializer):
    type = serializers.CharField()
    text = serializers.CharField(source="get_type_display")
    message = serializers.CharField()
    actor = serializers.CharField(source="actor_kind")
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    created_at = serializers.DateTimeField()


class TrackingSerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    description = serializers.CharField()
    location = serializers.CharField()
    is_signed = serializers.BooleanField()


class ShipmentSerializer(serializers.Serializer):
    carrier = serializers.CharField()
    carrier_name = serializers.CharField(source="carrier_label")
    tracking_no = serializers.CharField()
    shipped_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    tracking = TrackingSerializer(many=True, source="tracking_events.all")


class AfterSaleSerializer(serializers.Serializer):
    after_sale_no = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    status_text = serializers.CharField(source="get_status_display")
    reason = serializers.CharField()
    amount_fen = serializers.IntegerField()
    reject_reason = serializers.CharField()
    respond_by = serializers.DateTimeField(allow_null=True, help_text="The merchant answers by then.")
    created_at = serializers.DateTimeField()


class OrderDetailSerializer(OrderSummarySerializer):
    goods_fen = serializers.IntegerField()
    shipping_fen = serializers.IntegerField()
    discount_fen = serializers.IntegerField()
    paid_fen = serializers.IntegerField()
    refunded_fen = serializers.IntegerField()
    remark = serializers.CharField()
    address = serializers.SerializerMethodField()
    timeline = EventSerializer(many=True, source="events.all")
    shipment = serializers.SerializerMethodField()
    after_sales = AfterSaleSerializer(many=True, source="after_sales.all")

    @extend_schema_field(OrderAddressSerializer)
    def get_address(self, order: Order) -> dict[str, str]:
        return {
            "recipient": order.recipient, "phone": order.phone, "province": order.province, "city": order.city,
            "district": order.district, "detail": order.address_detail,
        }  # fmt: skip

    @extend_schema_field(ShipmentSerializer(allow_null=True))
    def get_shipment(self, order: Order) -> dict[str, Any] | None:
        shipment = getattr(order, "shipment", None)
        return ShipmentSerializer(shipment, context=self.context).data if shipment else None


class AfterSaleInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AfterSale.Kind.choices)
    reason = serializers.CharField(max_length=200)
    amount_fen = StrictIntegerField(
        min_value=1, help_text=f"At most what was paid and not yet refunded. {FEN}"
    )


# ---------------------------------------------------------------- views


class ShopperView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    queryset = Order.objects.none()  # for the schema generator only

    def get_shop(self) -> Shop:
        if not hasattr(self, "_shop"):
            self._shop = shop_get_public(slug=self.kwargs["shop_slug"])
        return self._shop

    def cart(self, create: bool = False):
        return services.cart_get(shop=self.get_shop(), user=self.request.user, create=create)

    def cart_response(self) -> Response:
        summary = selectors.cart_summary(cart=self.cart())
        return Response(CartSerializer(summary, context={"request": self.request}).data)


def _items(data: dict[str, Any]) -> list[tuple[int, int]] | None:
    """The lines asked for, or None for "the cart" (read by the service, after the
    Idempotency-Key)."""
    if data.get("items"):
        return [(item["sku_id"], item["quantity"]) for item in data["items"]]
    return None


@extend_schema_view(
    get=extend_schema(
        tags=["cart"],
        operation_id="cart_retrieve",
        parameters=[SHOP_PARAM],
        responses={200: CartSerializer, **ERRORS},
    )
)
class CartView(ShopperView):
    """The shopper's cart in this shop."""

    serializer_class = CartSerializer

    def get(self, request: Request, shop_slug: str) -> Response:
        return self.cart_response()


@extend_schema_view(
    post=extend_schema(
        tags=["cart"],
        operation_id="cart_items_add",
        parameters=[SHOP_PARAM],
        request=ItemInSerializer,
        responses={200: CartSerializer, **ERRORS},
    )
)
class CartItemsView(ShopperView):
    """Add a SKU (adds to the quantity already in the cart; never above stock)."""

    serializer_class = ItemInSerializer

    def post(self, request: Request, shop_slug: str) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cart_add(
            cart=self.cart(create=True),
            sku_id=data.validated_data["sku_id"],
            quantity=data.validated_data["quantity"],
        )
        return self.cart_response()


@extend_schema_view(
    patch=extend_schema(
        tags=["cart"],
        operation_id="cart_items_update",
        parameters=[SHOP_PARAM],
        request=QuantitySerializer,
        responses={200: CartSerializer, **ERRORS},
    ),
    delete=extend_schema(
        tags=["cart"],
        operation_id="cart_items_remove",
        parameters=[SHOP_PARAM],
        request=None,
        responses={200: CartSerializer, **ERRORS},
    ),
)
class CartItemView(ShopperView):
    serializer_class = QuantitySerializer

    def patch(self, request: Request, shop_slug: str, item_id: int) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cart_set_quantity(
            cart=self.cart(create=True), item_id=item_id, quantity=data.validated_data["quantity"]
        )
        return self.cart_response()

    def delete(self, request: Request, shop_slug: str, item_id: int) -> Response:
        services.cart_remove(cart=self.cart(create=True), item_id=item_id)
        return self.cart_response()


@extend_schema_view(
    post=extend_schema(
        tags=["orders"],
        operation_id="checkout_preview",
        parameters=[SHOP_PARAM],
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
                user=request.user, address_id=data.validated_data["address_id"]
            )
        items = _items(data.validated_data)
        if items is None:
            items = services.cart_checkout_items(shop=self.get_shop(), user=request.user)
        preview = services.checkout_preview(
            shop=self.get_shop(), user=request.user, items=items, address=address
        )
        return Response(PreviewSerializer(preview).data)


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
        parameters=[SHOP_PARAM, OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, description="Retry-safe: the same key returns the same order; the same key with another request is a 409.")],
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
        return selectors.order_list_for_user(user=self.request.user, shop=self.get_shop(), tab=tab)

    def post(self, request: Request, shop_slug: str) -> Response:
        data = CheckoutInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "")
        existed = bool(key) and Order.objects.filter(user=request.user, idempotency_key=key).exists()
        order = services.order_place(
            shop=self.get_shop(), user=request.user, items=_items(data.validated_data),
            address_id=data.validated_data.get("address_id"), remark=data.validated_data.get("remark", ""),
            idempotency_key=key,
        )  # fmt: skip
        detail = selectors.order_detail_for_user(
            user=request.user, shop=self.get_shop(), order_no=order.order_no
        )
        body = OrderDetailSerializer(detail, context={"request": request}).data
        return Response(body, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


def _detail(view: ShopperView, order_no: str) -> Response:
    order = selectors.order_detail_for_user(user=view.request.user, shop=view.get_shop(), order_no=order_no)
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
        return _detail(self, order_no)


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
        order = services.order_get_for_user(user=request.user, shop=self.get_shop(), order_no=order_no)
        services.order_cancel(
            order=order, actor=request.user, actor_kind=OrderEvent.Actor.SHOPPER, reason=gettext("顾客取消")
        )
        return _detail(self, order_no)


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
        order = services.order_get_for_user(user=request.user, shop=self.get_shop(), order_no=order_no)
        services.order_confirm_receipt(order=order, user=request.user)
        return _detail(self, order_no)


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
        order = services.order_get_for_user(user=request.user, shop=self.get_shop(), order_no=order_no)
        services.after_sale_request(order=order, user=request.user, **data.validated_data)
        response = _detail(self, order_no)
        response.status_code = status.HTTP_201_CREATED
        return response
