"""The shopper's address book and the administrative divisions for its region picker (mini-program
and H5 form)."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import privacy, regions
from accounts import services as account_services
from accounts.models import Address, User
from core.api.errors import ErrorSerializer
from core.api.schema import ERRORS, SHOP_PARAM, media_url
from shop.api import ShopAPIView

CODE_HELP = "6-digit administrative division code (GB/T 2260, 民政部), e.g. `650000` 新疆维吾尔自治区."  # i18n: data (API docs)


class RegionSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=CODE_HELP)
    name = serializers.CharField(help_text="The standard Chinese name, e.g. `新疆维吾尔自治区`.")
    level = serializers.ChoiceField(
        choices=["province", "city", "district"], help_text="Which of an address's three codes it fills."
    )
    has_children = serializers.BooleanField(
        help_text="Whether a choice one level down is needed (false for 东莞市, 仙桃市, districts)."
    )


LEVELS = {regions.PROVINCE: "province", regions.CITY: "city", regions.DISTRICT: "district"}


@extend_schema_view(
    get=extend_schema(
        tags=["addresses"],
        operation_id="regions_list",
        summary="Regions (province → city → district)",
        parameters=[
            OpenApiParameter(
                "parent",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=False,
                pattern=r"^[0-9]{6}$",
                description=(
                    "A province's code for its cities, a city's for its districts; leave out for the "
                    "provinces. A municipality (北京市 110000) has one city of its own name (110100)."
                ),
            )
        ],
        responses={
            200: RegionSerializer(many=True),
            400: OpenApiResponse(ErrorSerializer, description="`region_invalid`: `parent` is not 6 digits."),
            404: OpenApiResponse(ErrorSerializer, description="`region_not_found`: no region has this code."),
        },
    )
)
class RegionListView(GenericAPIView):
    """The provinces, or one region's children, in the order of their codes. Public and the same for
    every shop (cache it: it changes only with a new release). An address takes the codes of one
    province, one of its cities and, where the city has any, one of its districts."""

    authentication_classes: list = []
    permission_classes: list = []
    serializer_class = RegionSerializer
    pagination_class = None
    filter_backends: list = []

    def get(self, request: Request) -> Response:
        found = regions.children_of(request.query_params.get("parent"))
        body = [
            {"code": r.code, "name": r.name, "level": LEVELS[r.level], "has_children": r.has_children}
            for r in found
        ]
        response = Response(body)
        response["Cache-Control"] = "public, max-age=86400"
        return response


class RegionMatchSerializer(serializers.Serializer):
    province_code = serializers.CharField(help_text='The province found, or `""`.')
    city_code = serializers.CharField(
        help_text='The city found, or `""` (none found, or the province has none).'
    )
    district_code = serializers.CharField(
        help_text='The district found, or `""` (none found, or the city has none).'
    )
    province = serializers.CharField(help_text='The standard name of `province_code` (`""` without one).')
    city = serializers.CharField(help_text="The standard name of `city_code`.")
    district = serializers.CharField(help_text="The standard name of `district_code`.")
    complete = serializers.BooleanField(
        help_text="True when the codes make a whole region an address may be saved with; false: the shopper "
        "picks the levels left empty (what was found is kept)."
    )
    leftover = serializers.CharField(
        help_text="A district name with no level to go to (东莞市 has no districts: 莞城街道): put it "
        "in front of the detail line."
    )


MATCH_PARAMS = [
    OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, description=text)
    for name, text in (
        (
            "province",
            "The province's name, in full or short (`provinceName` of `wx.chooseAddress`, e.g. "
            "Guangdong's own name or Xinjiang's short one).",
        ),
        (
            "city",
            "The city's name (`cityName`; for a municipality its own name; for a county ruled by the "
            "province, the name WeChat gives that group).",
        ),
        (
            "district",
            "The district's name (`countyName`; may be a street where the city has no districts).",
        ),
    )
]


@extend_schema_view(
    get=extend_schema(
        tags=["addresses"],
        operation_id="regions_match",
        summary="Region codes for names (wx.chooseAddress import)",
        parameters=MATCH_PARAMS,
        responses={200: RegionMatchSerializer},
    )
)
class RegionMatchView(GenericAPIView):
    """The codes of a region given by names, as WeChat's address picker (`wx.chooseAddress`) and
    typed addresses give it: exact or loose names (杭州 → 杭州市, 新疆 → 新疆维吾尔自治区), a
    municipality's city named or left out, a county governed by its province named as the city or
    under 省直辖县级行政区划. Levels are matched from the top; from the first that does not match,
    the codes are empty. Public; never an error (nothing found is all empty)."""

    authentication_classes: list = []
    permission_classes: list = []
    serializer_class = RegionMatchSerializer
    pagination_class = None
    filter_backends: list = []

    def get(self, request: Request) -> Response:
        query = request.query_params
        found = regions.match_text(
            province=query.get("province", "")[:50],
            city=query.get("city", "")[:50],
            district=query.get("district", "")[:50],
        )
        body = {
            "province_code": found.province_code,
            "city_code": found.city_code,
            "district_code": found.district_code,
            "province": regions.name(found.province_code),
            "city": regions.name(found.city_code),
            "district": regions.name(found.district_code),
            "complete": found.chain is not None,
            "leftover": found.leftover,
        }
        response = Response(body)
        response["Cache-Control"] = "public, max-age=86400"
        return response


# ---------------------------------------------------------------- the address book


class RegionCodeField(serializers.CharField):
    """A region code as a JSON string (``"650000"``); whether it names a region, at the right level
    and inside the one above, is the service's check (``region_invalid``, ``region_mismatch``)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


REGION_CODE_HELP = (
    "6-digit division code from `GET /api/v1/regions/` (GB/T 2260). Required where the level above "
    "has children: a municipality's city is its own (北京市 110000 → 110100); 东莞市 441900 and "
    "仙桃市 429004 have no districts."
)


class AddressSerializer(serializers.ModelSerializer):
    """The region is written as codes and read as codes and names (the names follow the codes)."""

    province_code = RegionCodeField(help_text=REGION_CODE_HELP)
    city_code = RegionCodeField(required=False, allow_blank=True, help_text=REGION_CODE_HELP)
    district_code = RegionCodeField(required=False, allow_blank=True, help_text=REGION_CODE_HELP)
    region_complete = serializers.BooleanField(
        read_only=True,
        help_text="False for an address saved before codes existed whose region must be picked again "
        "(checkout refuses it with `address_region_incomplete`).",
    )

    class Meta:
        model = Address
        fields = [
            "id", "recipient", "phone", "province_code", "city_code", "district_code",
            "province", "city", "district", "detail", "is_default", "region_complete",
        ]  # fmt: skip
        read_only_fields = ["id", "province", "city", "district"]
        extra_kwargs = {"is_default": {"required": False}}


@extend_schema_view(
    get=extend_schema(
        tags=["addresses"],
        operation_id="addresses_list",
        responses={200: AddressSerializer(many=True), **ERRORS},
    ),
    post=extend_schema(
        tags=["addresses"],
        operation_id="addresses_create",
        request=AddressSerializer,
        responses={201: AddressSerializer, **ERRORS},
    ),
)
class AddressListView(GenericAPIView):
    """The shopper's address book (shared by every shop). The first address becomes the default."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = AddressSerializer
    pagination_class = None
    queryset = Address.objects.none()

    def get(self, request: Request) -> Response:
        return Response(AddressSerializer(Address.objects.filter(user=request.user), many=True).data)

    def post(self, request: Request) -> Response:
        data = AddressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        address = account_services.address_save(user=request.user, **data.validated_data)
        return Response(AddressSerializer(address).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        tags=["addresses"], operation_id="addresses_retrieve", responses={200: AddressSerializer, **ERRORS}
    ),
    patch=extend_schema(
        tags=["addresses"],
        operation_id="addresses_update",
        request=AddressSerializer,
        responses={200: AddressSerializer, **ERRORS},
    ),
    delete=extend_schema(
        tags=["addresses"], operation_id="addresses_delete", request=None, responses={204: None, **ERRORS}
    ),
)
class AddressDetailView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = AddressSerializer
    queryset = Address.objects.none()

    def get(self, request: Request, address_id: int) -> Response:
        return Response(
            AddressSerializer(account_services.address_get(user=request.user, address_id=address_id)).data
        )

    def patch(self, request: Request, address_id: int) -> Response:
        data = AddressSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        address = account_services.address_save(
            user=request.user, address_id=address_id, **data.validated_data
        )
        return Response(AddressSerializer(address).data)

    def delete(self, request: Request, address_id: int) -> Response:
        account_services.address_delete(user=request.user, address_id=address_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- privacy (docs/privacy.md)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


AUTH = _error("`not_authenticated`: log in first.")


def _shopper(request: Request) -> User:
    return cast(User, request.user)  # IsAuthenticated let only a user in


@extend_schema_view(
    get=extend_schema(
        tags=["privacy"],
        operation_id="privacy_data",
        summary="Download my data (this shop)",
        parameters=[SHOP_PARAM],
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=(
                    "Everything held about the shopper in this shop, as the H5 page's 下载我的数据 file: "
                    "`说明`, `店铺`, `导出时间`, then one section per app (`账号`, `订单`, `支付`, `微信`, "
                    "`优惠`, `渠道`, `拼团`, `分销`, `客户档案`). Keys are Chinese words for people to read "
                    "(docs/privacy.md lists them); amounts are yuan strings (`¥59.90`), times ISO 8601 in "
                    "Asia/Shanghai."
                ),
            ),
            401: AUTH,
            403: AUTH,
            404: _error("`shop_not_found`: no open shop has this handle."),
        },
    )
)
class PrivacyDataView(ShopAPIView):
    """What this shop (and the platform's account) holds about the logged-in shopper: their
    account and addresses, orders, payments, WeChat identities and messages, coupons, group-buys,
    promoter account, customer profile. Only their own, only this shop's."""

    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None
    filter_backends: list = []

    def get(self, request: Request, shop_slug: str) -> Response:
        data = privacy.account_data_export(user=_shopper(request), shop=self.get_shop())
        response = Response(data)
        response["Cache-Control"] = "no-store"
        return response


class EraseStateSerializer(serializers.Serializer):
    can_erase = serializers.BooleanField(help_text="False while `blockers` is not empty.")
    blockers = serializers.ListField(
        child=serializers.CharField(),
        help_text="Why deletion must wait, in Chinese, to show as they are (an unfinished order, an open "
        "after-sale, a promoter's withdrawal or commission).",
    )
    confirmation = serializers.CharField(help_text="What the shopper types to confirm: `注销`.")


class EraseSerializer(serializers.Serializer):
    confirm = serializers.CharField(
        max_length=10, allow_blank=True, help_text="The word the shopper typed: must be `注销`."
    )


@extend_schema_view(
    get=extend_schema(
        tags=["privacy"],
        operation_id="account_erase_state",
        summary="Can my account be deleted now?",
        responses={200: EraseStateSerializer, 401: AUTH, 403: AUTH},
    ),
    post=extend_schema(
        tags=["privacy"],
        operation_id="account_erase",
        summary="Delete my account (every shop)",
        request=EraseSerializer,
        responses={
            204: OpenApiResponse(
                description="Deleted: the token no longer works; sign in again for a new account."
            ),
            400: OpenApiResponse(
                ErrorSerializer,
                description="`invalid`: no `confirm`. `account_erase_unconfirmed`: `confirm` is not `注销`.",
            ),
            401: AUTH,
            403: AUTH,
            409: _error(
                "`account_erase_blocked`: something must finish first; `fields.blockers` lists the reasons "
                "(as `GET` does). Nothing was changed."
            ),
        },
    ),
)
class AccountEraseView(GenericAPIView):
    """Account deletion, for the whole platform (docs/privacy.md): the account, addresses, WeChat
    identities, customer profiles, tags, points and unused coupons are deleted; orders, payments
    and commission ledgers are kept for the merchants, without the shopper's name, phone, address
    or openid. Show what `GET` says must finish first, ask the shopper to type `注销`, then `POST`."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = EraseSerializer
    pagination_class = None
    filter_backends: list = []

    def get(self, request: Request) -> Response:
        blockers = privacy.account_erase_blockers(user=_shopper(request))
        body = {"can_erase": not blockers, "blockers": blockers, "confirmation": privacy.ERASE_CONFIRMATION}
        return Response(EraseStateSerializer(body).data)

    def post(self, request: Request) -> Response:
        data = EraseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        privacy.account_erase(user=_shopper(request), confirmation=data.validated_data["confirm"])
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- photo uploads


class PhotoUploadInSerializer(serializers.Serializer):
    photo = serializers.FileField(
        help_text="One JPEG, PNG, WebP or GIF picture (multipart/form-data): at most 5 MB, 100–6000 px a side."
    )


class PhotoUploadSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        help_text="Send it in `photo_ids` of a review, an after-sales request or a complaint (once)."
    )
    url = serializers.URLField(help_text="The stored picture (absolute URL), to show while the form is open.")
    expires_at = serializers.DateTimeField(
        help_text="Unless a form takes it first, the upload is deleted then (24 hours after uploading)."
    )


@extend_schema_view(
    post=extend_schema(
        tags=["uploads"],
        operation_id="photo_upload_create",
        summary="Upload one photo for a form",
        parameters=[SHOP_PARAM],
        request={"multipart/form-data": PhotoUploadInSerializer},
        responses={
            201: PhotoUploadSerializer,
            400: _error(
                "`photo_required` (no `photo` file), `photo_invalid` (not a JPEG/PNG/WebP/GIF, too large, too "
                "small: the message says which)."
            ),
            401: AUTH,
            403: AUTH,
            404: _error("`shop_not_found`: no open shop has this handle."),
            429: _error("`photo_uploads_too_many`: 30 unused uploads already (send the form, or wait)."),
        },
    )
)
class PhotoUploadView(ShopAPIView):
    """One photo ahead of the form that uses it (`wx.uploadFile` sends one file per call): upload
    each picture here, then send their `id`s as `photo_ids` with the review, the after-sales
    request or the complaint, which takes them over. An upload is the uploader's only (another
    shopper's id is refused: `photo_upload_invalid`), in this shop only, usable once, and deleted
    with its file if no form takes it within 24 hours."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = PhotoUploadSerializer
    pagination_class = None
    filter_backends: list = []

    def post(self, request: Request, shop_slug: str) -> Response:
        upload = account_services.photo_upload_create(
            shop=self.get_shop(), user=_shopper(request), file=request.FILES.get("photo")
        )
        body = {
            "id": upload.pk,
            "url": media_url(request, upload.image.name),
            "expires_at": upload.expires_at,
        }
        return Response(PhotoUploadSerializer(body).data, status=status.HTTP_201_CREATED)
