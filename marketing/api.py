"""marketing in the API: a channel's landing (what the mini-program opens for a channel's code,
with the signed ``ch`` code to send back) and the product poster (docs/api.md, "Channels and
posters"). Neither writes to the database."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, serializers
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.errors import ErrorSerializer
from core.api.renderers import JSONRenderer
from core.api.schema import SHOP_PARAM
from core.errors import NotFoundError
from core.h5 import client_ip
from marketing import links, posters
from marketing.models import Channel
from marketing.selectors import marketing_profile
from marketing.services import channel_visit_record
from marketing.views import channel_destination
from orders.middleware import HEADER
from shop.api import ShopAPIView

SHOP_NOT_FOUND = "`shop_not_found`: no open shop has this handle."
VISITOR_HEADER = "X-WeiShop-Visitor"
VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


class ChannelLandingSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The channel's code (what orders record as their channel).")
    target = serializers.ChoiceField(
        choices=Channel.Target.choices,
        help_text="`home`, `product` or `official_account` (whose QR code is WeChat's: open the shop's home).",
    )
    product_id = serializers.IntegerField(
        allow_null=True,
        help_text="`product`: the product to open (null when it is off shelf: open the home).",
    )
    path = serializers.CharField(help_text="The H5 path of the target, e.g. `/s/demo/p/12/`.")
    url = serializers.CharField(help_text="The absolute H5 link of the target with its `?ch=` code.")
    ch = serializers.CharField(help_text="The signed channel code.")
    header = serializers.CharField(
        help_text=f"Send this as the `{HEADER}` header with the calls that follow (checkout records it)."
    )


@extend_schema_view(
    get=extend_schema(
        tags=["marketing"],
        operation_id="channels_landing",
        summary="A channel's landing",
        parameters=[
            SHOP_PARAM,
            OpenApiParameter("channel_code", str, OpenApiParameter.PATH, description="The channel's code."),
            OpenApiParameter(
                VISITOR_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="An id the mini-program keeps for this phone (8–64 letters, digits, `-`, `_`), "
                "so an anonymous visitor is counted once a day. Ignored for a logged-in shopper.",
            ),
        ],
        responses={
            200: ChannelLandingSerializer,
            401: error("`authentication_failed`: a bad token (send none to land anonymously)."),
            404: error(
                f"{SHOP_NOT_FOUND} `channel_not_found`: no active channel has this code "
                "(open the shop's home, without a channel)."
            ),
        },
    )
)
class ChannelLandingView(ShopAPIView):
    """Where a channel's link or QR code leads, for a mini-program opened with the channel's code
    (e.g. its `scene`): the target, and the signed `ch` code to send back in the
    `X-WeiShop-Attribution` header so the orders that follow record the channel. Counts a visit of
    the channel (and the visitor once a day), like opening the H5 short link."""

    permission_classes = [permissions.AllowAny]  # anonymous too; a shopper's token is optional
    serializer_class = ChannelLandingSerializer
    queryset = Channel.objects.none()  # for the schema generator only

    def get(self, request: Request, shop_slug: str, channel_code: str) -> Response:
        shop = self.get_shop()
        entry = marketing_profile(shop_id=shop.pk).channel(channel_code)
        if entry is None or not entry.is_active:
            raise NotFoundError("channel_not_found", _("渠道不存在或已停用。"))
        if request.user.is_authenticated:
            visitor = f"u{request.user.pk}"
        elif VISITOR_ID.fullmatch(given := request.headers.get(VISITOR_HEADER, "")):
            visitor = f"m{given}"
        else:
            visitor = f"ip{client_ip(request)}"
        channel_visit_record(channel_id=entry.id, visitor=visitor)
        destination = channel_destination(shop, entry)
        path = destination.partition("?")[0]
        ch = links.channel_ch_code(shop=shop, code=entry.code)
        product_id = entry.product_id if entry.target == "product" and "/p/" in path else None
        data: dict[str, Any] = {
            "code": entry.code, "target": entry.target, "product_id": product_id, "path": path,
            "url": links.absolute(request, destination), "ch": ch, "header": f"ch={ch}",
        }  # fmt: skip
        return Response(data)


class PNGRenderer(BaseRenderer):
    media_type = "image/png"
    format = "png"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return data if isinstance(data, bytes) else b""


@extend_schema_view(
    get=extend_schema(
        tags=["marketing"],
        operation_id="products_poster",
        summary="Product share poster (PNG)",
        parameters=[
            SHOP_PARAM,
            OpenApiParameter("product_id", int, OpenApiParameter.PATH, description="The product's id."),
            OpenApiParameter("format", exclude=True),  # the answer is a PNG whatever is asked
        ],
        responses={
            (200, "image/png"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="A 750×1334 PNG: photo, title, price, the shop's verified "
                "name and a QR code of the product's link (with the shopper's referral code when logged in).",
            ),
            (401, "application/json"): error("`authentication_failed`: a bad token."),
            (404, "application/json"): error(
                f"{SHOP_NOT_FOUND} `product_not_found`: not on shelf in this shop."
            ),
        },
    )
)
class ProductPosterView(ShopAPIView):
    """The product's share poster: drawn once, then served from the cache. Its QR code opens the
    product's H5 page; for a logged-in shopper the link carries their signed referral code, so
    orders placed through it record them as the referrer."""

    permission_classes = [permissions.AllowAny]  # anonymous too; a shopper's token is optional
    renderer_classes = [JSONRenderer, PNGRenderer]
    queryset = Channel.objects.none()  # for the schema generator only

    def get(self, request: Request, shop_slug: str, product_id: int) -> HttpResponse:
        shop = self.get_shop()
        link = links.product_link(request, shop=shop, product_id=product_id)
        png = posters.product_poster_png(shop=shop, product_id=product_id, link=link)
        response = HttpResponse(png, content_type="image/png")
        response["Cache-Control"] = "private, max-age=300"
        return response

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(response, Response):  # an error: always the JSON error body
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
