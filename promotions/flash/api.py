"""The shopper's flash sales in the API: the running and the next session with their items
(docs/api.md). Buying is the ordinary checkout: the flash price applies by itself while a session
runs, and its refusals are the checkout's errors (``flash_sold_out``, ``flash_limit_reached``,
``flash_not_started``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.errors import ErrorSerializer
from core.api.schema import FEN, SHOP_PARAM
from promotions.flash import selectors, services
from promotions.flash.models import FlashItem, FlashSession
from shop.api import ShopAPIView


class FlashItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    sku_id = serializers.IntegerField()
    title = serializers.CharField(help_text="The product's title.")
    spec_text = serializers.CharField(help_text="The SKU's specs (颜色:红 尺码:M), empty without specs.")
    price_fen = serializers.IntegerField(help_text=f"The SKU's own price. {FEN}")
    flash_price_fen = serializers.IntegerField(help_text=f"The price while the session runs. {FEN}")
    quantity = serializers.IntegerField(help_text="Units put on flash sale.")
    remaining = serializers.IntegerField(
        help_text="Units left now (a session not started yet: its `quantity`)."
    )
    per_user_limit = serializers.IntegerField(help_text="Units one shopper may buy across all orders.")


class FlashSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    state = serializers.ChoiceField(choices=FlashSession.State.choices)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    seconds_left = serializers.IntegerField(
        help_text="Seconds to the end (running) or to the start (upcoming), for a countdown."
    )
    items = FlashItemSerializer(many=True)


class FlashBoardSerializer(serializers.Serializer):
    current = FlashSessionSerializer(allow_null=True, help_text="The session running now, or null.")
    upcoming = FlashSessionSerializer(allow_null=True, help_text="The next session, or null.")
    server_time = serializers.DateTimeField()


def _item(item: FlashItem, *, running: bool) -> dict[str, Any]:
    sku = item.sku
    return {
        "id": item.pk, "product_id": sku.product_id, "sku_id": sku.pk, "title": sku.product.title,
        "spec_text": sku.spec_text, "price_fen": sku.price_fen, "flash_price_fen": item.flash_price_fen,
        "quantity": item.quantity, "remaining": item.remaining if running else item.quantity,
        "per_user_limit": item.per_user_limit,
    }  # fmt: skip


def _session(session: FlashSession | None, *, now: Any) -> dict[str, Any] | None:
    if session is None:
        return None
    running = session.starts_at <= now
    target = session.ends_at if running else session.starts_at
    return {
        "id": session.pk, "name": session.name,
        "state": FlashSession.State.RUNNING if running else FlashSession.State.SCHEDULED,
        "starts_at": session.starts_at, "ends_at": session.ends_at,
        "seconds_left": max(int((target - now).total_seconds()), 0),
        "items": [_item(item, running=running) for item in session.items.all()],
    }  # fmt: skip


@extend_schema_view(
    get=extend_schema(
        tags=["flash-sales"],
        operation_id="flash_sales",
        parameters=[SHOP_PARAM],
        responses={
            200: FlashBoardSerializer,
            404: OpenApiResponse(
                ErrorSerializer, description="`shop_not_found`: no open shop has this handle."
            ),
        },
        description=(
            "The running flash-sale session and the next one, with their items. Checkout refuses a "
            "flash line with `flash_sold_out` (409), `flash_limit_reached` (409) or `flash_not_started` "
            "(400)."
        ),
    )
)
class FlashSalesView(ShopAPIView):
    """The same for every visitor: what is left is counted for all shoppers."""

    authentication_classes: list = []
    permission_classes: list = []
    pagination_class = None
    serializer_class = FlashBoardSerializer
    queryset = FlashSession.objects.none()  # for the schema generator only

    def get(self, request: Request, shop_slug: str) -> Response:
        shop = self.get_shop()
        services.flash_sessions_sync(shop=shop)  # if the job is late
        board = selectors.flash_board(shop=shop)
        return Response(
            {
                "current": _session(board.current, now=board.now),
                "upcoming": _session(board.upcoming, now=board.now),
                "server_time": board.now,
            }
        )
