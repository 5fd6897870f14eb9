"""Complaints in the API: file a complaint against the shop (multipart, with photos), list mine,
one complaint's state (docs/api.md). Like the H5 pages, they answer for a suspended shop too."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from complaints import selectors, services
from complaints.models import MAX_PHOTOS, MAX_TEXT, Complaint
from complaints.views import SHOPPER_LABELS
from core.api.errors import ErrorSerializer
from core.api.fields import photo_ids_field
from core.api.schema import SHOP_PARAM, media_url
from orders.api.base import ShopperView
from shop.models import Shop


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


AUTH = error("`not_authenticated`: log in first.")
SHOP_NOT_FOUND = "`shop_not_found`: no shop has this handle."
COMPLAINT_PARAM = OpenApiParameter(
    "complaint_no",
    str,
    OpenApiParameter.PATH,
    description="The complaint number (from creating it or the list).",
)


class ComplaintInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=Complaint.Kind.choices,
        help_text="`fake` 假货, `not_shipped` 不发货, `refund_refused` 拒绝退款, `wrong_info` 信息不实, `other` 其他.",
    )
    text = serializers.CharField(max_length=MAX_TEXT, help_text="What happened, 5 to 1000 characters.")
    order_no = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=32,
        help_text="Optionally one of the caller's own orders in this shop.",
    )  # fmt: skip
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=MAX_PHOTOS,
        help_text="Up to 6 images (multipart, the field repeated): JPG, PNG, WebP or GIF, at most 5 MB, 100–6000 px a side.",
    )  # fmt: skip
    photo_ids = photo_ids_field(most=MAX_PHOTOS)


class ComplaintEventSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="`submitted`, `asked_merchant`, `merchant_answered`, `warned`, `suspended`, `reinstated`, `resolved`."
    )
    label = serializers.CharField(help_text="The step in the shopper's words.")  # type: ignore[assignment]
    note = serializers.CharField(help_text="The operator's note (only on `resolved`, else empty).")
    created_at = serializers.DateTimeField()


class ComplaintListSerializer(serializers.Serializer):
    complaint_no = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    status = serializers.CharField(
        help_text="`open` (the platform is looking at it), `waiting_merchant`, `answered`, `resolved`."
    )
    status_label = serializers.CharField(source="get_status_display")
    order_no = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)

    def get_order_no(self, complaint: Complaint) -> str | None:
        return complaint.order.order_no if complaint.order_id and complaint.order else None


class ComplaintSerializer(ComplaintListSerializer):
    text = serializers.CharField()
    resolution_note = serializers.CharField(help_text="The operator's note once `resolved` (empty before).")
    shop_suspended = serializers.SerializerMethodField(help_text="The shop is suspended by the platform now.")
    photos = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    def get_shop_suspended(self, complaint: Complaint) -> bool:
        return not complaint.shop.is_active

    @extend_schema_field(serializers.ListField(child=serializers.URLField()))
    def get_photos(self, complaint: Complaint) -> list[str]:
        request = self.context["request"]
        return [url for p in complaint.photos.all() if (url := media_url(request, p.image.name or ""))]

    @extend_schema_field(ComplaintEventSerializer(many=True))
    def get_events(self, complaint: Complaint) -> list[dict[str, Any]]:
        return [
            {"kind": e.kind, "label": str(SHOPPER_LABELS.get(e.kind, e.get_kind_display())),
             "note": e.note if e.kind == "resolved" else "", "created_at": e.created_at}
            for e in complaint.events.all()
        ]  # fmt: skip


class ComplaintShopperView(ShopperView):
    """A complaints endpoint: the shop of the URL even while suspended."""

    queryset = Complaint.objects.none()  # type: ignore[assignment]  # for the schema generator only

    def get_shop(self) -> Shop:
        if not hasattr(self, "_shop"):
            self._shop = selectors.shop_for_complaints(slug=self.kwargs["shop_slug"])
        return self._shop


@extend_schema_view(
    get=extend_schema(
        tags=["complaints"],
        operation_id="complaints_mine",
        parameters=[SHOP_PARAM],
        responses={
            200: ComplaintListSerializer(many=True),
            400: error("`invalid`: a bad `page_size`."),
            401: AUTH,
            403: AUTH,
            404: error(f"{SHOP_NOT_FOUND} `not_found`: a page past the last one."),
        },
    ),
    post=extend_schema(
        tags=["complaints"],
        operation_id="complaints_create",
        parameters=[SHOP_PARAM],
        request={"multipart/form-data": ComplaintInSerializer, "application/json": ComplaintInSerializer},
        responses={
            201: ComplaintSerializer,
            400: error(
                "`invalid` (a malformed field, more than 6 photos), `complaint_kind_invalid`, `text_required` "
                "(under 5 characters), `text_too_long`, `too_many_photos`, `photo_invalid` (not an image "
                "under the upload rule), `photo_upload_invalid` (a `photo_ids` entry that is not an unused, unexpired "
                "upload of yours in this shop)."
            ),
            401: AUTH,
            403: AUTH,
            404: error(
                f"{SHOP_NOT_FOUND} `order_not_found`: `order_no` is not one of the caller's orders in this shop."
            ),
            429: error("`complaint_rate_limited`: 3 complaints against one shop (10 in all) in 24 hours."),
        },
    ),
)
class ComplaintListView(ComplaintShopperView, ListAPIView):
    """我的投诉 (GET, paginated, newest first), or report the shop (POST: multipart with `photos`, or
    JSON with the `photo_ids` of photos uploaded first with `POST …/uploads/photos/`)."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]
    serializer_class = ComplaintListSerializer

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return ComplaintInSerializer if self.request.method == "POST" else ComplaintListSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.complaints_of_user(shop=self.get_shop(), user=self.shopper)

    def post(self, request: Request, shop_slug: str) -> Response:
        data = ComplaintInSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        shop = self.get_shop()
        complaint = services.complaint_create(shop=shop, user=self.shopper, **data.validated_data)
        complaint = selectors.complaint_of_user(
            shop=shop, user=self.shopper, complaint_no=complaint.complaint_no
        )
        return Response(
            ComplaintSerializer(complaint, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    get=extend_schema(
        tags=["complaints"],
        operation_id="complaints_detail",
        parameters=[SHOP_PARAM, COMPLAINT_PARAM],
        responses={
            200: ComplaintSerializer,
            401: AUTH,
            403: AUTH,
            404: error(f"{SHOP_NOT_FOUND} `complaint_not_found` (unknown, or another shopper's)."),
        },
    )
)
class ComplaintDetailView(ComplaintShopperView):
    """One of my complaints: its state, the operator's note once resolved, photos and history."""

    serializer_class = ComplaintSerializer

    def get(self, request: Request, shop_slug: str, complaint_no: str) -> Response:
        complaint = selectors.complaint_of_user(
            shop=self.get_shop(), user=self.shopper, complaint_no=complaint_no
        )
        return Response(ComplaintSerializer(complaint, context={"request": request}).data)
