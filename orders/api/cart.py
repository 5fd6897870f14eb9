"""The cart endpoints: read, add, change, remove."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.schema import ERRORS, SHOP_PARAM
from orders.api.base import ShopperView
from orders.api.serializers import CartSerializer, ItemInSerializer, QuantitySerializer
from orders.services.cart import cart_add, cart_remove, cart_set_quantity


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
        return Response(self.shopper_cached(self.cart_data, shows_stock=True))


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
        cart_add(
            cart=self.cart_for_writing(),
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
        cart_set_quantity(
            cart=self.cart_for_writing(), item_id=item_id, quantity=data.validated_data["quantity"]
        )
        return self.cart_response()

    def delete(self, request: Request, shop_slug: str, item_id: int) -> Response:
        cart_remove(cart=self.cart_for_writing(), item_id=item_id)
        return self.cart_response()
