"""What every API module's schema declarations share: the error responses, the money note, the
shop and order path parameters, and absolute media URLs."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

from core.api.errors import ErrorSerializer

FEN = "Integer number of fen (CNY cents)."
ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
}
SHOP_PARAM = OpenApiParameter("shop_slug", str, OpenApiParameter.PATH, description="The shop's handle.")
ORDER_PARAM = OpenApiParameter("order_no", str, OpenApiParameter.PATH, description="The order number.")


def media_url(request: Request, name: str) -> str | None:
    from django.core.files.storage import default_storage

    return request.build_absolute_uri(default_storage.url(name)) if name else None
