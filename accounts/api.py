"""The administrative divisions for the mini-program's (and the H5 form's) region picker."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import regions
from shop.api.errors import ErrorSerializer

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
