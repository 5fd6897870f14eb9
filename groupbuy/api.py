"""Group-buy in the API (docs/api.md#group-buy-拼团): the running activities, opening a group,
joining one, a group's status, my groups. Opening and joining place an ordinary order (paid with
``orders/<order_no>/payment/``) at the group price, applied on the server by the pricing rule;
their refusals are its codes (groupbuy/rules.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.errors import ErrorSerializer
from core.api.fields import StrictIntegerField
from core.api.renderers import JSONRenderer
from core.api.schema import FEN, SHOP_PARAM
from core.errors import NotFoundError
from groupbuy import posters, selectors
from groupbuy.models import Group, GroupBuyActivity, GroupBuyItem, GroupMember
from groupbuy.rules import OPTION
from marketing.api import PNGRenderer
from orders import selectors as order_selectors
from orders.api.base import ShopperView
from orders.api.checkout import ATTRIBUTION_PARAM
from orders.api.serializers import OrderDetailSerializer
from orders.middleware import attribution_of
from orders.models import Order
from orders.services import MAX_QUANTITY, order_place
from shop.api import ShopAPIView
from shop.models import Shop

SHOP_NOT_FOUND = "`shop_not_found`: no open shop has this handle."
ACTIVITY_PARAM = OpenApiParameter(
    "activity_id", int, OpenApiParameter.PATH, description="The group-buy activity."
)
GROUP_PARAM = OpenApiParameter(
    "group_no",
    str,
    OpenApiParameter.PATH,
    description="The group's number (the last part of its share link).",
)
IDEMPOTENCY_PARAM = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER,
    description="Retry-safe: the same key returns the same order (200); the same key with another request is a 409.",
)  # fmt: skip
PLACING_REFUSALS = (
    "`out_of_stock`, `too_many_unpaid_orders`, `idempotency_conflict`, `group_limit_reached` (the activity's "
    "per-shopper limit), `group_not_combinable` (a coupon or a flash price on the same order)"
)


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


AUTH = error("`not_authenticated`: log in first.")


# ---------------------------------------------------------------- serializers


class GroupItemSerializer(serializers.Serializer):
    sku_id = serializers.IntegerField()
    spec_text = serializers.CharField(help_text="The SKU's specs (颜色:红 尺码:M), empty without specs.")
    price_fen = serializers.IntegerField(help_text=f"The SKU's own price (buying alone). {FEN}")
    group_price_fen = serializers.IntegerField(help_text=f"The price in a group. {FEN}")
    stock = serializers.IntegerField()


class OpenGroupSerializer(serializers.Serializer):
    group_no = serializers.CharField()
    leader = serializers.CharField(help_text="The opener's name, masked (张**).")
    seats_left = serializers.IntegerField()
    expires_at = serializers.DateTimeField()


class ActivitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    product_id = serializers.IntegerField()
    title = serializers.CharField(help_text="The product's title.")
    group_size = serializers.IntegerField(help_text="People in a full group (2–10), the opener included.")
    open_hours = serializers.IntegerField(help_text="How long a group stays open once its opener paid.")
    per_user_limit = serializers.IntegerField(
        help_text="Units one shopper may buy in this activity, all groups."
    )
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(
        help_text="After it no group opens; open groups run to their own end."
    )
    items = GroupItemSerializer(many=True)


class ActivityDetailSerializer(ActivitySerializer):
    groups = OpenGroupSerializer(
        many=True, help_text="Open groups to join, the soonest to close first (≤ 10)."
    )


class MemberSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Masked (张**): members who paid, never anyone else.")
    is_leader = serializers.BooleanField()
    joined_at = serializers.DateTimeField()


class GroupSerializer(serializers.Serializer):
    group_no = serializers.CharField()
    activity_id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    title = serializers.CharField()
    size = serializers.IntegerField()
    joined_count = serializers.IntegerField(help_text="Members who paid (a seat each).")
    seats_left = serializers.IntegerField()
    state = serializers.ChoiceField(
        choices=["waiting", "open", "succeeded", "failed", "cancelled"],
        help_text="`waiting`: the opener has not paid yet; `open`: can be joined; `succeeded`: full, its orders "
        "ship; `failed`: its time ran out, every paid member is refunded automatically; `cancelled`: the opener "
        "never paid.",
    )
    opened_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    seconds_left = serializers.IntegerField(help_text="Until it closes (0 unless `open`), for a countdown.")
    members = MemberSerializer(many=True)
    items = GroupItemSerializer(many=True, help_text="What a joiner may choose.")
    share_path = serializers.CharField(help_text="The group's H5 page (its share link), under this host.")


class PlacedSerializer(serializers.Serializer):
    group = GroupSerializer()
    order = OrderDetailSerializer(
        help_text="Pay it with `orders/{order_no}/payment/`: the seat is taken on payment."
    )


class MineSerializer(serializers.Serializer):
    group = GroupSerializer()
    order_no = serializers.CharField()
    is_leader = serializers.BooleanField()
    status = serializers.ChoiceField(
        choices=GroupMember.Status.choices,
        help_text="`pending`: not paid; `joined`: has a seat; `refunding`/`refunded`: the payment went back "
        "automatically (the group failed, or was full or closed when it arrived); `left`: refunded in full "
        "while the group was open.",
    )


class PlaceInSerializer(serializers.Serializer):
    sku_id = StrictIntegerField(min_value=1)
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)
    address_id = StrictIntegerField(min_value=1)
    remark = serializers.CharField(required=False, allow_blank=True, max_length=200)


# ---------------------------------------------------------------- data


def _item(item: GroupBuyItem) -> dict[str, Any]:
    sku = item.sku
    return {
        "sku_id": sku.pk, "spec_text": sku.spec_text, "price_fen": sku.price_fen,
        "group_price_fen": item.group_price_fen, "stock": sku.stock,
    }  # fmt: skip


def _activity(activity: GroupBuyActivity, groups: list[Group] | None = None) -> dict[str, Any]:
    data = {
        "id": activity.pk, "name": activity.name, "product_id": activity.product_id, "title": activity.product.title,
        "group_size": activity.group_size, "open_hours": activity.open_hours,
        "per_user_limit": activity.per_user_limit, "starts_at": activity.starts_at, "ends_at": activity.ends_at,
        "items": [_item(item) for item in activity.items.all() if item.group_price_fen < item.sku.price_fen],
    }  # fmt: skip
    if groups is not None:
        data["groups"] = [
            {"group_no": g.group_no, "leader": selectors.mask_name(g.leader.display_name),
             "seats_left": g.seats_left, "expires_at": g.expires_at}
            for g in groups
        ]  # fmt: skip
    return data


def group_data(group: Group, *, shop: Shop) -> dict[str, Any]:
    """A group from ``selectors.group_get_public`` (its members and items loaded)."""
    state = selectors.group_state(group)
    left = (
        int((group.expires_at - timezone.now()).total_seconds())
        if state == "open" and group.expires_at
        else 0
    )
    return {
        "group_no": group.group_no, "activity_id": group.activity_id, "product_id": group.activity.product_id,
        "title": group.activity.product.title, "size": group.size, "joined_count": group.joined_count,
        "seats_left": group.seats_left, "state": state, "opened_at": group.opened_at, "expires_at": group.expires_at,
        "seconds_left": max(left, 0),
        "members": [
            {"name": selectors.mask_name(m.user.display_name), "is_leader": m.is_leader, "joined_at": m.joined_at}
            for m in group.paid_members  # type: ignore[attr-defined]
        ],
        "items": [_item(item) for item in group.activity_items],  # type: ignore[attr-defined]
        "share_path": reverse("h5:group", args=[shop.slug, group.group_no]),
    }  # fmt: skip


# ---------------------------------------------------------------- views


@extend_schema_view(
    get=extend_schema(
        tags=["group-buy"], operation_id="group_buys_list", parameters=[SHOP_PARAM],
        responses={200: ActivitySerializer(many=True), 400: error("`invalid`: a bad `page` or `page_size`."),
                   404: error(f"{SHOP_NOT_FOUND} `not_found`: a page past the end.")},
    )
)  # fmt: skip
class ActivityListView(ShopAPIView, ListAPIView):
    """The group-buys running now (no login; the same for everyone), the soonest to end first."""

    authentication_classes: list = []
    permission_classes: list = []
    serializer_class = ActivitySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return GroupBuyActivity.objects.none()
        return selectors.running_activities(shop=self.get_shop())

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([_activity(a) for a in page or []])


def _running(view: ShopAPIView, activity_id: int) -> GroupBuyActivity:
    activity = selectors.running_activities(shop=view.get_shop()).filter(pk=activity_id).first()
    if activity is None:
        raise NotFoundError("group_buy_not_found", _("没有找到这个拼团活动。"))
    return activity


@extend_schema_view(
    get=extend_schema(
        tags=["group-buy"], operation_id="group_buys_retrieve", parameters=[SHOP_PARAM, ACTIVITY_PARAM],
        responses={200: ActivityDetailSerializer,
                   404: error(f"{SHOP_NOT_FOUND} `group_buy_not_found`: no running group-buy with this id here.")},
    )
)  # fmt: skip
class ActivityDetailView(ShopAPIView):
    """One running group-buy with its prices and the open groups a shopper may join."""

    authentication_classes: list = []
    permission_classes: list = []
    serializer_class = ActivityDetailSerializer
    queryset = GroupBuyActivity.objects.none()  # for the schema generator only

    def get(self, request: Request, shop_slug: str, activity_id: int) -> Response:
        activity = _running(self, activity_id)
        found = list(selectors.joinable_groups(activity_ids=[activity.pk])[:20])
        groups = [g for g in found if g.joined_count < g.size][:10]
        return Response(_activity(activity, groups))


def _placed(view: ShopperView, *, activity_id: int, group_no: str | None) -> Response:
    data = PlaceInSerializer(data=view.request.data)
    data.is_valid(raise_exception=True)
    shop, key = view.get_shop(), view.request.headers.get("Idempotency-Key", "")
    existed = bool(key) and Order.objects.filter(user=view.shopper, idempotency_key=key).exists()
    order = order_place(
        shop=shop, user=view.shopper, items=[(data.validated_data["sku_id"], data.validated_data["quantity"])],
        address_id=data.validated_data["address_id"], remark=data.validated_data.get("remark", ""),
        idempotency_key=key, attribution=attribution_of(view.request),
        options={OPTION: {"activity_id": activity_id, "group_no": group_no}, "coupon_claim_id": "none"},
    )  # fmt: skip
    member = GroupMember.objects.filter(order=order).values_list("group__group_no", flat=True).first()
    if member is None:  # an idempotent retry of an order that is not a group order
        raise NotFoundError("group_not_found", _("没有找到这个团。"))
    group = selectors.group_get_public(shop=shop, group_no=member)
    detail = order_selectors.order_detail_for_user(user=view.shopper, shop=shop, order_no=order.order_no)
    body = {
        "group": group_data(group, shop=shop),
        "order": OrderDetailSerializer(detail, context={"request": view.request}).data,
    }
    return Response(body, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


@extend_schema_view(
    post=extend_schema(
        tags=["group-buy"], operation_id="group_buys_open", parameters=[SHOP_PARAM, ACTIVITY_PARAM, IDEMPOTENCY_PARAM, ATTRIBUTION_PARAM],
        request=PlaceInSerializer,
        responses={
            201: PlacedSerializer, 200: PlacedSerializer,
            400: error("`invalid`, `quantity_invalid`, `address_not_found`, `group_buy_not_started`, "
                       "`group_buy_ended`, `group_sku_invalid` (this SKU has no group price)."),
            401: AUTH, 403: AUTH,
            404: error(f"{SHOP_NOT_FOUND} `group_buy_not_found`, `sku_not_found`."),
            409: error(PLACING_REFUSALS + "."),
        },
    )
)  # fmt: skip
class GroupOpenView(ShopperView):
    """发起拼团: place an order for one SKU at the group price. The group opens when it is paid
    (its timer starts then); until it fills, the order does not ship."""

    serializer_class = PlaceInSerializer

    def post(self, request: Request, shop_slug: str, activity_id: int) -> Response:
        return _placed(self, activity_id=_running(self, activity_id).pk, group_no=None)


@extend_schema_view(
    post=extend_schema(
        tags=["group-buy"], operation_id="groups_join", parameters=[SHOP_PARAM, GROUP_PARAM, IDEMPOTENCY_PARAM, ATTRIBUTION_PARAM],
        request=PlaceInSerializer,
        responses={
            201: PlacedSerializer, 200: PlacedSerializer,
            400: error("`invalid`, `quantity_invalid`, `address_not_found`, `group_sku_invalid`."),
            401: AUTH, 403: AUTH,
            404: error(f"{SHOP_NOT_FOUND} `group_not_found`, `sku_not_found`."),
            409: error("`group_full`, `group_closed` (failed, or its time is up), `group_not_open` (the opener "
                       "has not paid yet), `group_already_joined` (your own group, or one you are in), "
                       + PLACING_REFUSALS + "."),
        },
    )
)  # fmt: skip
class GroupJoinView(ShopperView):
    """参团: place an order for one SKU at the group price. The seat is taken when it is paid: if
    the group filled or closed first, the payment is refunded automatically."""

    serializer_class = PlaceInSerializer

    def post(self, request: Request, shop_slug: str, group_no: str) -> Response:
        group = selectors.group_get_public(shop=self.get_shop(), group_no=group_no)
        return _placed(self, activity_id=group.activity_id, group_no=group.group_no)


@extend_schema_view(
    get=extend_schema(
        tags=["group-buy"], operation_id="groups_retrieve", parameters=[SHOP_PARAM, GROUP_PARAM],
        responses={200: GroupSerializer, 404: error(f"{SHOP_NOT_FOUND} `group_not_found`.")},
    )
)  # fmt: skip
class GroupDetailView(ShopAPIView):
    """A group's status (no login: its share link is public): seats left, the paid members
    (masked), the countdown, the outcome."""

    authentication_classes: list = []
    permission_classes: list = []
    serializer_class = GroupSerializer
    queryset = Group.objects.none()  # for the schema generator only

    def get(self, request: Request, shop_slug: str, group_no: str) -> Response:
        shop = self.get_shop()
        return Response(group_data(selectors.group_get_public(shop=shop, group_no=group_no), shop=shop))


@extend_schema_view(
    get=extend_schema(
        tags=["group-buy"], operation_id="groups_mine", parameters=[SHOP_PARAM],
        responses={200: MineSerializer(many=True), 400: error("`invalid`: a bad `page` or `page_size`."),
                   401: AUTH, 403: AUTH, 404: error(f"{SHOP_NOT_FOUND} `not_found`: a page past the end.")},
    )
)  # fmt: skip
class MyGroupsView(ShopperView, ListAPIView):
    """我的拼团: my groups in this shop, newest first."""

    serializer_class = MineSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return GroupMember.objects.none()
        return selectors.my_group_memberships(shop=self.get_shop(), user=self.shopper)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        groups = selectors.groups_get_public(shop=self.get_shop(), group_ids=[m.group_id for m in page])
        rows = [
            {"group": group_data(groups[m.group_id], shop=self.get_shop()), "order_no": m.order.order_no, "is_leader": m.is_leader,
             "status": m.status}
            for m in page
        ]  # fmt: skip
        return self.get_paginated_response(rows)


@extend_schema_view(
    get=extend_schema(
        tags=["group-buy"], operation_id="groups_poster",
        parameters=[SHOP_PARAM, GROUP_PARAM, OpenApiParameter("format", exclude=True)],  # a PNG whatever is asked
        responses={(200, "image/png"): OpenApiTypes.BINARY,
                   (401, "application/json"): error("`authentication_failed`: a bad token."),
                   (404, "application/json"): error(f"{SHOP_NOT_FOUND} `group_not_found`.")},
        description="The group's share poster (PNG, 750×1334): the product photo, the group price, the shop's "
        "verified name and a QR code of the group's page (with the logged-in shopper's signed referral code). "
        "Drawn once and cached.",
    )
)  # fmt: skip
class GroupPosterView(ShopAPIView):
    """拼团海报 of one group (no login needed; a logged-in shopper's poster carries their code)."""

    permission_classes: list = []
    renderer_classes = [JSONRenderer, PNGRenderer]
    queryset = Group.objects.none()  # for the schema generator only

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()  # an error is JSON, whatever was asked for
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def get(self, request: Request, shop_slug: str, group_no: str) -> HttpResponse:
        shop = self.get_shop()
        group = selectors.group_get_public(shop=shop, group_no=group_no)
        return HttpResponse(
            posters.group_poster(request=request, shop=shop, group=group), content_type="image/png"
        )
