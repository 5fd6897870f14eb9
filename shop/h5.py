"""What every H5 page of a shop starts with: the open shop of its URL."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.http import HttpRequest, HttpResponse

from core.h5 import not_found_as_404
from shop.models import Shop
from shop.selectors import shop_get_public

P = ParamSpec("P")


def shop_page(
    view: Callable[Concatenate[HttpRequest, Shop, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, str, P], HttpResponse]:
    """An H5 view of one shop: the URL's ``shop_slug`` becomes the open ``Shop`` (a closed or
    unknown shop, like any ``NotFoundError`` the view raises, is the shop's 404 page), passed as
    the view's second argument."""

    @not_found_as_404
    @wraps(view)
    def page(request: HttpRequest, shop_slug: str, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        return view(request, shop_get_public(slug=shop_slug), *args, **kwargs)

    return page
