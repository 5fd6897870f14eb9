"""crm's members API (under /api/v1/, docs/api.md "Members and points"): my 会员中心 in a shop
(level, progress, points, the rules) and my points history. Every endpoint is the logged-in
shopper's own, in the URL's shop."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.errors import ErrorSerializer
from core.api.schema import FEN, SHOP_PARAM
from crm.models.members import PointsEntry
from crm.selectors import members as selectors
from orders.api.base import ShopperView

TAGS = ["member"]
SHOP_NOT_FOUND = "`shop_not_found`: no open shop has this handle."


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


AUTH = error("`not_authenticated`: log in first.")


class MemberLevelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    threshold_fen = serializers.IntegerField(
        help_text=f"Total spend (paid less refunded) that reaches it. {FEN}"
    )
    discount_percent = serializers.IntegerField(
        help_text="What a member pays of the price: 95 is 9.5 折, 100 none."
    )
    discount_label = serializers.CharField(help_text="E.g. 9.5 折 / 无折扣.")


class FrozenPointsSerializer(serializers.Serializer):
    points = serializers.IntegerField(help_text="Still frozen of what this order earned.")
    unfreeze_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the shop's after-sales window closes (the job then makes them available).",
    )
    order_no = serializers.CharField()


class ExpiringPointsSerializer(serializers.Serializer):
    points = serializers.IntegerField()
    at = serializers.DateTimeField(help_text="When these points expire unless used before.")


class PointsRulesSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(help_text="Whether the shop runs points now.")
    earn_per_yuan = serializers.IntegerField(help_text="Points per whole yuan paid (less refunds).")
    points_per_yuan = serializers.IntegerField(help_text="How many points take ¥1 off at checkout.")
    max_percent = serializers.IntegerField(help_text="At most this % of the goods after other discounts.")
    expire_days = serializers.IntegerField(
        help_text="Days points stay usable once available (0: never expire)."
    )


class MemberSummarySerializer(serializers.Serializer):
    level = MemberLevelSerializer(allow_null=True, help_text="null: no level reached (or the shop has none).")
    next_level = MemberLevelSerializer(allow_null=True, help_text="null: the top level (or no levels).")
    spent_fen = serializers.IntegerField(help_text=f"My total spend in this shop (paid less refunded). {FEN}")
    to_next_fen = serializers.IntegerField(
        help_text=f"What is left to spend to reach `next_level` (0 at the top). {FEN}"
    )
    progress_percent = serializers.IntegerField(
        help_text="0–100: the way from my level's threshold to the next's."
    )
    points_available = serializers.IntegerField(
        source="available", help_text="Usable at checkout (`use_points`)."
    )
    points_frozen = serializers.IntegerField(
        source="frozen", help_text="Earned, waiting for the after-sales window."
    )
    frozen = FrozenPointsSerializer(
        many=True, source="frozen_batches", help_text="Frozen points by order, soonest first."
    )
    expiring = ExpiringPointsSerializer(allow_null=True, help_text="The next points to expire, or null.")
    levels = MemberLevelSerializer(many=True, help_text="The shop's levels, lowest first.")
    points_rules = PointsRulesSerializer(
        help_text="The shop's points settings (all zero and off without them)."
    )
    rules = serializers.ListField(
        child=serializers.CharField(), help_text="The rules in the shopper's words."
    )


class PointsEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=PointsEntry.Kind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    available = serializers.IntegerField(help_text="Change of my available points (signed).")
    frozen = serializers.IntegerField(
        help_text="Change of my frozen points (signed; an unfreezing moves them)."
    )
    order_no = serializers.SerializerMethodField(
        help_text="The order it belongs to (null: an expiry or adjustment)."
    )
    note = serializers.CharField(help_text="What happened, e.g. the merchant's reason for an adjustment.")
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="When these points expire (points brought in)."
    )
    created_at = serializers.DateTimeField()

    def get_order_no(self, entry: PointsEntry) -> str | None:
        return entry.order.order_no if entry.order_id and entry.order else None


def _summary(view: ShopperView) -> dict[str, Any]:
    shop = view.get_shop()
    found = selectors.member_summary(shop=shop, user=view.shopper)
    config = found.settings
    return {
        **{name: getattr(found, name) for name in (
            "level", "next_level", "spent_fen", "to_next_fen", "progress_percent", "available", "frozen",
            "frozen_batches", "expiring", "levels", "rules",
        )},
        "points_rules": {
            "enabled": found.points_enabled,
            "earn_per_yuan": config.earn_per_yuan if config else 0,
            "points_per_yuan": config.points_per_yuan if config else 0,
            "max_percent": config.max_percent if config else 0,
            "expire_days": config.expire_days if config else 0,
        },
    }  # fmt: skip


class MemberView(ShopperView):
    queryset = PointsEntry.objects.none()  # type: ignore[assignment]  # for the schema generator only


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        operation_id="member_summary",
        parameters=[SHOP_PARAM],
        responses={200: MemberSummarySerializer, 401: AUTH, 403: AUTH, 404: error(SHOP_NOT_FOUND)},
    )
)
class MemberSummaryView(MemberView):
    """会员中心: my level and the way to the next, my points (available, frozen by order with when
    they unfreeze, the next to expire), the shop's levels and its rules."""

    serializer_class = MemberSummarySerializer

    def get(self, request: Request, shop_slug: str) -> Response:
        return Response(MemberSummarySerializer(_summary(self)).data)


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        operation_id="member_points",
        parameters=[SHOP_PARAM],
        responses={
            200: PointsEntrySerializer(many=True),
            400: error("`invalid`: a bad `page_size`."),
            401: AUTH,
            403: AUTH,
            404: error(f"{SHOP_NOT_FOUND} `not_found`: a page past the last one."),
        },
    )
)
class MemberPointsView(MemberView, ListAPIView):
    """My points history in this shop, newest first (paginated): my balances are its sums."""

    serializer_class = PointsEntrySerializer

    def get_queryset(self) -> Any:
        return selectors.points_history(shop=self.get_shop(), user=self.shopper)


MEMBER = "shops/<slug:shop_slug>/member/"

urlpatterns = [
    path(MEMBER, MemberSummaryView.as_view(), name="api-member"),
    path(f"{MEMBER}points/", MemberPointsView.as_view(), name="api-member-points"),
]
