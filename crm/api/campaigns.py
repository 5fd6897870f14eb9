"""crm's campaigns API (under /api/v1/): the marketing-message subscription behind a message's
one-tap unsubscribe token, for the mini-program page a subscribe message opens
(``pages/message/index?shop=&link=&u=<token>``; docs/api.md, docs/crm.md#messages)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.errors import ErrorSerializer
from core.api.schema import SHOP_PARAM
from crm.models.profiles import CustomerProfile
from crm.services import campaigns as services
from shop.api import ShopAPIView

TAGS = ["marketing messages"]
TOKEN_PARAM = OpenApiParameter(
    "unsubscribe_token", str, OpenApiParameter.PATH,
    description="The token of the message's unsubscribe link (`u=` of the mini-program page, the last part of the H5 link).",
)  # fmt: skip
NOT_FOUND = OpenApiResponse(
    ErrorSerializer,
    description="`shop_not_found`: no open shop has this handle. `unsubscribe_link_invalid`: the token is not one "
    "of this shop's (tampered, or the customer's data was deleted).",
)


class SubscriptionSerializer(serializers.Serializer):
    subscribed = serializers.BooleanField(
        help_text="Whether the shop's marketing messages reach this customer."
    )
    opted_out_at = serializers.DateTimeField(
        allow_null=True, help_text="When they unsubscribed (null: subscribed)."
    )


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean and nothing else (DRF's also takes "0", "off", 1 ...)."""

    default_error_messages = {"invalid": _("必须是 true 或 false（JSON 布尔值）。")}

    def to_internal_value(self, data: object) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return bool(data)


class SubscriptionInSerializer(serializers.Serializer):
    subscribed = StrictBooleanField(
        help_text="`false`: unsubscribe (idempotent: the first time is kept); `true`: subscribe again."
    )


def _answer(profile: CustomerProfile) -> Response:
    opted = profile.marketing_opt_out_at
    return Response(SubscriptionSerializer({"subscribed": opted is None, "opted_out_at": opted}).data)


@extend_schema_view(
    get=extend_schema(tags=TAGS, operation_id="marketing_subscription_get", parameters=[SHOP_PARAM, TOKEN_PARAM],
                      responses={200: SubscriptionSerializer, 404: NOT_FOUND}),
    post=extend_schema(tags=TAGS, operation_id="marketing_subscription_set", parameters=[SHOP_PARAM, TOKEN_PARAM],
                       request=SubscriptionInSerializer,
                       responses={200: SubscriptionSerializer, 404: NOT_FOUND,
                                  400: OpenApiResponse(ErrorSerializer, description="`invalid`: `subscribed` is not a JSON boolean.")}),
)  # fmt: skip
class MarketingSubscriptionView(ShopAPIView):
    """Whether the customer a marketing message went to still receives the shop's marketing
    messages, and the one-tap unsubscribe (or subscribing again). No login: the signed token names
    one customer of this shop; order messages are never affected."""

    permission_classes = [permissions.AllowAny]
    serializer_class = SubscriptionInSerializer
    queryset = CustomerProfile.objects.none()  # for the schema generator only

    def get(self, request: Request, shop_slug: str, unsubscribe_token: str) -> Response:
        return _answer(services.marketing_subscription_get(shop=self.get_shop(), token=unsubscribe_token))

    def post(self, request: Request, shop_slug: str, unsubscribe_token: str) -> Response:
        shop = self.get_shop()
        services.marketing_subscription_get(shop=shop, token=unsubscribe_token)  # 404 before 400
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["subscribed"]:
            return _answer(services.marketing_opt_in(shop=shop, token=unsubscribe_token))
        return _answer(services.marketing_opt_out(shop=shop, token=unsubscribe_token))


SHOP = "shops/<slug:shop_slug>/"

urlpatterns = [
    path(
        f"{SHOP}marketing-subscription/<str:unsubscribe_token>/",
        MarketingSubscriptionView.as_view(),
        name="api-marketing-subscription",
    ),
]
