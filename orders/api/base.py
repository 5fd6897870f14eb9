"""The base view of the shopper's order endpoints: a logged-in shopper in the URL's shop."""

from __future__ import annotations

from rest_framework import permissions
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from orders import selectors
from orders.api.serializers import CartSerializer
from orders.models import Order
from orders.services.cart import cart_get
from shop.models import Shop
from shop.selectors import shop_get_public


class ShopperView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    queryset = Order.objects.none()  # for the schema generator only

    def get_shop(self) -> Shop:
        if not hasattr(self, "_shop"):
            self._shop = shop_get_public(slug=self.kwargs["shop_slug"])
        return self._shop

    def cart(self, create: bool = False):
        return cart_get(shop=self.get_shop(), user=self.request.user, create=create)

    def cart_response(self) -> Response:
        summary = selectors.cart_summary(cart=self.cart())
        return Response(CartSerializer(summary, context={"request": self.request}).data)
