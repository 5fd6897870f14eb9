"""The shopper's side of orders for the mini-program: cart, checkout, orders, after-sales.

All endpoints need a logged-in shopper (session or ``Authorization: Token …``); every query is
filtered by that shopper (and the shop in the URL), so another shopper's order is a 404.

One module per use case (``cart``, ``checkout``, ``orders``, ``after_sales``) on one base view
(``base.ShopperView``) and one set of serializers (``serializers``). The url list
(config/urls_api.py) and apps above orders (payments) import the views from here.
"""

from orders.api.after_sales import AfterSaleDetailView, AfterSaleRequestView, AfterSaleReturnShipmentView
from orders.api.base import ShopperView
from orders.api.cart import CartItemsView, CartItemView, CartView
from orders.api.checkout import CheckoutPreviewView
from orders.api.orders import (
    OrderCancelView,
    OrderConfirmView,
    OrderCountsView,
    OrderDetailView,
    OrderListView,
)

__all__ = [
    "AfterSaleDetailView",
    "AfterSaleRequestView",
    "AfterSaleReturnShipmentView",
    "CartItemView",
    "CartItemsView",
    "CartView",
    "CheckoutPreviewView",
    "OrderCancelView",
    "OrderConfirmView",
    "OrderCountsView",
    "OrderDetailView",
    "OrderListView",
    "ShopperView",
]
