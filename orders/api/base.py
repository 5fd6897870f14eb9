"""The base view of the shopper's order endpoints: a logged-in shopper in the URL's shop."""

from __future__ import annotations

from typing import cast

from rest_framework import permissions
from rest_framework.exceptions import NotAuthenticated
from rest_framework.response import Response

from accounts.models import User
from orders import selectors
from orders.api.serializers import CartSerializer
from orders.models import Cart, Order
from orders.services.cart import cart_get
from shop.api import ShopAPIView


class ShopperView(ShopAPIView):
    """An endpoint of the logged-in shopper in the URL's shop."""

    permission_classes = [permissions.IsAuthenticated]
    queryset = Order.objects.none()  # for the schema generator only

    @property
    def shopper(self) -> User:
        """The logged-in shopper (``IsAuthenticated`` has let only them in)."""
        user = self.request.user
        if not isinstance(user, User):
            raise NotAuthenticated()
        return user

    def cart(self) -> Cart | None:
        return cart_get(shop=self.get_shop(), user=self.shopper)

    def cart_for_writing(self) -> Cart:
        """The shopper's cart, made on first use."""
        return cast(Cart, cart_get(shop=self.get_shop(), user=self.shopper, create=True))

    def cart_response(self) -> Response:
        summary = selectors.cart_summary_for_user(shop=self.get_shop(), user=self.shopper)
        return Response(CartSerializer(summary, context={"request": self.request}).data)
