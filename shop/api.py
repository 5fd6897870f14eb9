"""What every API endpoint of a shop starts with: the open shop of its URL."""

from __future__ import annotations

from rest_framework.generics import GenericAPIView

from shop.models import Shop
from shop.selectors import shop_get_public


class ShopAPIView(GenericAPIView):
    """An endpoint under ``/api/v1/shops/<shop_slug>/``: ``get_shop()`` is the open shop of the URL
    (404 ``shop_not_found`` otherwise), looked up once per request."""

    _shop: Shop

    def get_shop(self) -> Shop:
        if not hasattr(self, "_shop"):
            self._shop = shop_get_public(slug=self.kwargs["shop_slug"])
        return self._shop
