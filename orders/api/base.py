"""The base view of the shopper's order endpoints: a logged-in shopper in the URL's shop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from rest_framework import permissions
from rest_framework.exceptions import NotAuthenticated
from rest_framework.response import Response

from accounts.models import User
from orders import selectors
from orders.api.serializers import CartSerializer
from orders.models import Cart, Order
from orders.services.cart import cart_get
from shop.api import ShopAPIView
from shop.cache import shopper_cached


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

    def cart_data(self) -> dict:
        summary = selectors.cart_summary_for_user(shop=self.get_shop(), user=self.shopper)
        return CartSerializer(summary, context={"request": self.request}).data

    def cart_response(self) -> Response:
        return Response(self.cart_data())

    def shopper_cached(self, build: Callable[[], Any], *, shows_stock: bool = False) -> Any:
        """``build()``'s answer for this shopper and URL (host and query included: the answer holds
        absolute links), cached until their cart or orders, the shop or (``shows_stock``) its stock
        change (``shop.cache.shopper_cached``)."""
        parts = ("api", self.request.build_absolute_uri())
        return shopper_cached(
            self.kwargs["shop_slug"], self.shopper.pk, parts, build, shows_stock=shows_stock
        )
