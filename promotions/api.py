"""The shopper's coupons in the API: claimable coupons, claiming one, my coupons and opening a red
packet (docs/api.md). The checkout preview and order creation take ``coupon_claim_id`` (orders/api)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.errors import ErrorSerializer
from core.api.schema import FEN, SHOP_PARAM
from orders.api.base import ShopperView
from promotions import selectors, services
from promotions.models import Coupon, CouponClaim
from shop.api import ShopAPIView

SHOP_NOT_FOUND = "`shop_not_found`: no open shop has this handle."


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


AUTH = error("`not_authenticated`: log in first.")


class CouponSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=Coupon.Kind.choices, help_text="`fixed` (满减) or `percent` (折扣)."
    )
    rule_text = serializers.CharField(help_text="What it does, in the shopper's words: 满 ¥100 减 ¥20.")
    amount_fen = serializers.IntegerField(help_text=f"`fixed`: the amount off (0 for a red packet). {FEN}")
    rate_percent = serializers.IntegerField(
        allow_null=True, help_text="`percent`: the share of the price paid, 1–99 (90 = 9 折)."
    )
    max_off_fen = serializers.IntegerField(
        allow_null=True, help_text=f"`percent`: the cap, null for none. {FEN}"
    )
    threshold_fen = serializers.IntegerField(
        help_text=f"The lines in scope must add up to this (0: none). {FEN}"
    )
    scope = serializers.ChoiceField(choices=Coupon.Scope.choices)
    category_ids = serializers.ListField(child=serializers.IntegerField(), help_text="`categories` scope.")
    product_ids = serializers.ListField(child=serializers.IntegerField(), help_text="`products` scope.")
    claim_ends_at = serializers.DateTimeField()
    use_mode = serializers.ChoiceField(choices=Coupon.UseMode.choices)
    use_days = serializers.IntegerField(allow_null=True)
    use_starts_at = serializers.DateTimeField(allow_null=True)
    use_ends_at = serializers.DateTimeField(allow_null=True)
    saving_fen = serializers.IntegerField(
        allow_null=True,
        help_text=f"With `?product=`: what buying one at its lowest price saves (null below the threshold). {FEN}",
    )


def coupon_data(shown: selectors.ShownCoupon) -> dict[str, Any]:
    c = shown.coupon
    return {
        "id": c.pk, "name": c.name, "kind": c.kind, "rule_text": c.rule_text, "amount_fen": c.amount_fen,
        "rate_percent": c.rate_percent, "max_off_fen": c.max_off_fen, "threshold_fen": c.threshold_fen,
        "scope": c.scope, "category_ids": sorted(shown.scope.category_ids),
        "product_ids": sorted(shown.scope.product_ids), "claim_ends_at": c.claim_ends_at,
        "use_mode": c.use_mode, "use_days": c.use_days, "use_starts_at": c.use_starts_at,
        "use_ends_at": c.use_ends_at, "saving_fen": shown.saving_fen,
    }  # fmt: skip


class ClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The claim id: pass it as `coupon_claim_id` at checkout.")
    coupon_id = serializers.IntegerField()
    name = serializers.CharField(source="coupon.name")
    rule_text = serializers.SerializerMethodField()
    kind = serializers.CharField(source="coupon.kind")
    amount_fen = serializers.SerializerMethodField(help_text=f"A fixed coupon's amount off. {FEN}")
    threshold_fen = serializers.IntegerField(source="coupon.threshold_fen")
    scope = serializers.CharField(source="coupon.scope")
    source = serializers.ChoiceField(choices=CouponClaim.Source.choices)  # type: ignore[assignment]  # a field named source
    status = serializers.SerializerMethodField(help_text="`usable`, `used` or `expired`.")
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()
    used_at = serializers.DateTimeField(allow_null=True)

    def get_rule_text(self, claim: CouponClaim) -> str:
        from promotions.rules import coupon_rule_text

        return coupon_rule_text(claim.coupon, amount_fen=claim.amount_fen or None)

    def get_amount_fen(self, claim: CouponClaim) -> int:
        return (
            claim.amount_fen
            if claim.coupon.distribution == Coupon.Distribution.RED_PACKET
            else claim.coupon.amount_fen
        )

    def get_status(self, claim: CouponClaim) -> str:
        return claim.display_status


class MyClaimSerializer(ClaimSerializer):
    """A claim in 我的优惠券, with its coupon's scope so 去使用 can open the right page."""

    category_ids = serializers.SerializerMethodField(
        help_text="`categories` scope: the categories it applies to."
    )
    product_ids = serializers.SerializerMethodField(help_text="`products` scope: the products it applies to.")

    def get_category_ids(self, claim: CouponClaim) -> list[int]:
        return sorted(self.context["scopes"][claim.coupon_id].category_ids)

    def get_product_ids(self, claim: CouponClaim) -> list[int]:
        return sorted(self.context["scopes"][claim.coupon_id].product_ids)


@extend_schema_view(
    get=extend_schema(
        tags=["coupons"],
        operation_id="coupons_claimable",
        parameters=[
            SHOP_PARAM,
            OpenApiParameter(
                "product",
                {"type": "integer", "minimum": 1},
                description="Only the coupons that apply to this product, with `saving_fen`.",
            ),
        ],
        responses={
            200: CouponSerializer(many=True),
            400: error("`invalid`: `product` is not a product id."),
            404: error(f"{SHOP_NOT_FOUND} `product_not_found`."),
        },
    )
)
class ClaimableCouponsView(ShopAPIView):
    """The coupons anyone may claim now in this shop (at most 50, newest first; not paginated).
    The same for every visitor: whether you hold one is in `coupons/mine/`."""

    authentication_classes: list = []
    permission_classes: list = []
    pagination_class = None  # at most 50
    serializer_class = CouponSerializer
    queryset = Coupon.objects.none()  # for the schema generator only

    def get(self, request: Request, shop_slug: str) -> Response:
        shop = self.get_shop()
        raw = request.query_params.get("product")
        if raw is None:
            shown = selectors.claimable_with_scopes(shop=shop)
        else:
            if not (raw.isascii() and raw.isdigit()):
                raise ValidationError({"product": ["must be a product id"]})
            product_id = int(raw) if len(raw) <= 18 else 0  # too long to be an id: not found
            from catalog.selectors import product_get_public

            product = product_get_public(shop=shop, product_id=product_id)
            shown = selectors.claimable_for_product(shop=shop, product=product)
        return Response([coupon_data(item) for item in shown])


@extend_schema_view(
    post=extend_schema(
        tags=["coupons"],
        operation_id="coupons_claim",
        parameters=[SHOP_PARAM, OpenApiParameter("coupon_id", int, OpenApiParameter.PATH)],
        request=None,
        responses={
            201: ClaimSerializer,
            400: error("`coupon_not_started`: claiming has not begun. `coupon_expired`: claiming has ended."),
            401: AUTH,
            403: AUTH,
            404: error(
                f"{SHOP_NOT_FOUND} `coupon_not_found`: no claimable coupon with this id in this shop."
            ),
            409: error(
                "`coupon_sold_out`: none left. `coupon_limit_reached`: you hold as many as one shopper may."
            ),
        },
    )
)
class CouponClaimView(ShopperView):
    """Claim a coupon (one tap). Race-proof: never more claims than the coupon's quantity, never
    more than the per-shopper limit."""

    serializer_class = ClaimSerializer

    def post(self, request: Request, shop_slug: str, coupon_id: int) -> Response:
        shop = self.get_shop()
        coupon = services.coupon_get_for_shop(shop=shop, coupon_id=coupon_id)
        claim = services.coupon_claim(shop=shop, user=self.shopper, coupon=coupon)
        claim = CouponClaim.objects.select_related("coupon").get(pk=claim.pk)
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        tags=["coupons"],
        operation_id="coupons_mine",
        parameters=[
            SHOP_PARAM,
            OpenApiParameter("status", str, enum=list(selectors.MY_TABS), description="Default `usable`."),
        ],
        responses={
            200: MyClaimSerializer(many=True),
            400: error("`invalid`: an unknown `status`, `page` or `page_size`."),
            401: AUTH,
            403: AUTH,
            404: error(f"{SHOP_NOT_FOUND} `not_found`: a page past the last one."),
        },
    )
)
class MyCouponsView(ShopperView, ListAPIView):
    """我的优惠券: my coupons of this shop, by status (paginated), each with its scope."""

    serializer_class = MyClaimSerializer

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args:  # the page being answered: its coupons' scopes in two queries
            from promotions.rules import coupon_scopes

            kwargs.setdefault("context", self.get_serializer_context())["scopes"] = coupon_scopes(
                {claim.coupon_id: claim.coupon for claim in args[0]}.values()
            )
        return super().get_serializer(*args, **kwargs)

    def get_queryset(self):
        tab = self.request.query_params.get("status", "usable")
        if tab not in selectors.MY_TABS:
            raise ValidationError({"status": [f"must be one of: {', '.join(selectors.MY_TABS)}"]})
        return selectors.my_claims(shop=self.get_shop(), user=self.shopper, tab=tab)


@extend_schema_view(
    post=extend_schema(
        tags=["coupons"],
        operation_id="red_packets_open",
        parameters=[
            SHOP_PARAM,
            OpenApiParameter(
                "token", str, OpenApiParameter.PATH, description="The signed part of the share link."
            ),
        ],
        request=None,
        responses={
            201: ClaimSerializer,
            400: error("`coupon_not_started` / `coupon_expired`: outside the red packet's claim window."),
            401: AUTH,
            403: AUTH,
            404: error(f"{SHOP_NOT_FOUND} `coupon_not_found`: a bad or another shop's link."),
            409: error(
                "`coupon_sold_out`: the pool is empty. `coupon_limit_reached`: you opened it already."
            ),
        },
    )
)
class RedPacketOpenView(ShopperView):
    """Open a red packet from its share link: one random amount of the pool, as a coupon."""

    serializer_class = ClaimSerializer
    permission_classes = [permissions.IsAuthenticated]

    def post(self, request: Request, shop_slug: str, token: str) -> Response:
        shop = self.get_shop()
        pool_id = services.red_packet_pool_from_token(shop=shop, token=token)
        claim = services.red_packet_open(shop=shop, user=self.shopper, pool_id=pool_id)
        claim = CouponClaim.objects.select_related("coupon").get(pk=claim.pk)
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)
