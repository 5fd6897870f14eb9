"""The promoter centre (推广中心) in the API (docs/api.md, "Promoter centre (分销)"): the terms and
my state, becoming a promoter, my signed link, my ledger, my customers (masked), my withdrawals
and asking for one. Every endpoint is the logged-in shopper's own, in the URL's shop."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpResponse
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.errors import ErrorSerializer
from core.api.fields import StrictIntegerField
from core.api.schema import FEN, SHOP_PARAM
from distribution import payouts, selectors, services
from distribution.models import DistributionSettings, LedgerEntry, Promoter, Withdrawal
from distribution.posters import promoter_poster_png
from marketing.api import PNGRenderer
from orders.api.base import ShopperView

SHOP_NOT_FOUND = "`shop_not_found`: no open shop has this handle."
NOT_PROMOTER = "`promoter_not_approved`: you are not an approved promoter of this shop."
TAGS = ["promoter"]


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


AUTH = error("`not_authenticated`: log in first.")
AUTH_OR_NOT_PROMOTER = error(f"`not_authenticated`: log in first. {NOT_PROMOTER}")
LIST_ERRORS = {
    400: error("`invalid`: a bad `page_size`."),
    401: AUTH,
    403: AUTH_OR_NOT_PROMOTER,
    404: error(f"{SHOP_NOT_FOUND} `not_found`: a page past the last one."),
}


class TermsSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(help_text="Whether the shop runs distribution now.")
    who_may_promote = serializers.ChoiceField(
        choices=DistributionSettings.WhoMayPromote.choices,
        help_text="`anyone` and `buyers` (after a paid order) are approved at once; `approved` waits for the merchant.",
    )
    rate_percent = serializers.DecimalField(
        max_digits=4, decimal_places=2, help_text="Level-1 commission, % of each line's paid share."
    )
    level2_rate_percent = serializers.DecimalField(
        max_digits=4, decimal_places=2, allow_null=True, help_text="Level 2 (null: off)."
    )
    binding_rule = serializers.ChoiceField(choices=DistributionSettings.BindingRule.choices)
    binding_days = serializers.IntegerField(help_text="With `days`: how long a binding holds.")
    min_withdraw_fen = serializers.IntegerField(help_text=f"The smallest withdrawal. {FEN}")
    rule_text = serializers.CharField(help_text="The binding rule in the shopper's words.")


class PromoterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Promoter.Status.choices)
    applied_at = serializers.DateTimeField()
    approved_at = serializers.DateTimeField(allow_null=True)


class BalancesSerializer(serializers.Serializer):
    pending_fen = serializers.IntegerField(
        help_text=f"Earned, settles when the after-sales window closes. {FEN}"
    )
    balance_fen = serializers.IntegerField(
        help_text=f"Settled and withdrawable; negative after a late refund. {FEN}"
    )
    withdrawing_fen = serializers.IntegerField(help_text=f"Asked for, not paid yet. {FEN}")
    withdrawn_fen = serializers.IntegerField(help_text=f"Paid to your WeChat balance. {FEN}")


class CentreSerializer(serializers.Serializer):
    terms = TermsSerializer()
    promoter = PromoterSerializer(allow_null=True, help_text="null: you have not applied.")
    balances = BalancesSerializer(allow_null=True, help_text="null unless you are an approved promoter.")


class LinkSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="Your signed referral code. The mini-program sends it as `X-WeiShop-Attribution: ref=<code>`."
    )
    url = serializers.CharField(help_text="The shop's home page with your code (`?ref=`), to share.")


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=LedgerEntry.Kind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    bucket = serializers.ChoiceField(
        choices=LedgerEntry.Bucket.choices,
        help_text="`pending` (not yet settled) or `balance` (withdrawable).",
    )
    amount_fen = serializers.IntegerField(help_text=f"Signed: money out is negative. {FEN}")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class CustomerSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Masked: the first character and `**`.")
    bound_at = serializers.DateTimeField(help_text="When they came through your link.")
    orders = serializers.IntegerField(
        help_text="Their paid orders that earn you a commission (one refunded in full no longer counts)."
    )
    commission_fen = serializers.IntegerField(
        help_text=f"What those commissions come to now: net of what refunds voided or took back. {FEN}"
    )


class ConfirmSerializer(serializers.Serializer):
    mchId = serializers.CharField()
    appId = serializers.CharField()
    package = serializers.CharField()


class WithdrawalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount_fen = serializers.IntegerField(help_text=FEN)
    status = serializers.ChoiceField(choices=Withdrawal.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    reason = serializers.CharField(help_text="Why it was rejected or failed.")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    confirm = serializers.SerializerMethodField(
        help_text="While WeChat waits for you to confirm receipt: pass it to `wx.requestMerchantTransfer`, "
        "then call `withdrawals/check/`. Null otherwise."
    )

    @extend_schema_field(ConfirmSerializer(allow_null=True))
    def get_confirm(self, withdrawal: Withdrawal) -> dict[str, str] | None:
        return payouts.confirm_params(withdrawal=withdrawal)


class WithdrawInSerializer(serializers.Serializer):
    amount_fen = StrictIntegerField(help_text=f"How much to withdraw to your WeChat balance. {FEN}")


class WithdrawalIdSerializer(serializers.Serializer):
    withdrawal_id = StrictIntegerField(help_text="One of your withdrawals.")


def _centre(view: ShopperView) -> dict[str, Any]:
    shop = view.get_shop()
    found = selectors.terms(shop=shop)
    promoter = services.promoter_of(shop=shop, user=view.shopper)
    return {
        "terms": {**asdict(found), "rule_text": selectors.terms_text(found)["rule"]},
        "promoter": promoter,
        "balances": asdict(services.promoter_balances(promoter=promoter))
        if promoter is not None and promoter.is_approved
        else None,
    }


class PromoterView(ShopperView):
    queryset = Promoter.objects.none()  # type: ignore[assignment]  # for the schema generator only

    def promoter(self) -> Promoter:
        return services.promoter_require_approved(shop=self.get_shop(), user=self.shopper)


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        operation_id="promoter_centre",
        parameters=[SHOP_PARAM],
        responses={200: CentreSerializer, 401: AUTH, 403: AUTH, 404: error(SHOP_NOT_FOUND)},
    )
)
class PromoterCentreView(PromoterView):
    """推广中心: the shop's distribution terms, whether you are a promoter, and your balances."""

    serializer_class = CentreSerializer

    def get(self, request: Request, shop_slug: str) -> Response:
        return Response(CentreSerializer(_centre(self)).data)


@extend_schema_view(
    post=extend_schema(
        tags=TAGS,
        operation_id="promoter_apply",
        parameters=[SHOP_PARAM],
        request=None,
        responses={
            200: CentreSerializer,
            401: AUTH,
            403: error(
                "`not_authenticated`: log in first. `promoter_needs_purchase`: this shop takes promoters who "
                "have paid an order. `promoter_staff`: shop staff cannot promote. `promoter_disabled`: the "
                "merchant disabled you."
            ),
            404: error(SHOP_NOT_FOUND),
            409: error("`distribution_off`: the shop does not run distribution."),
        },
    )
)
class PromoterApplyView(PromoterView):
    """Become a promoter (approved at once, or when the merchant approves: see `promoter.status`).
    Asking again changes nothing; a refused request is asked again."""

    serializer_class = CentreSerializer

    def post(self, request: Request, shop_slug: str) -> Response:
        services.promoter_apply(shop=self.get_shop(), user=self.shopper)
        return Response(CentreSerializer(_centre(self)).data)


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        operation_id="promoter_link",
        parameters=[SHOP_PARAM],
        responses={200: LinkSerializer, 401: AUTH, 403: AUTH_OR_NOT_PROMOTER, 404: error(SHOP_NOT_FOUND)},
    )
)
class PromoterLinkView(PromoterView):
    """Your signed link: a shopper who opens it (or a page shared from WeChat by you) and then
    orders becomes your customer, by the shop's binding rule."""

    serializer_class = LinkSerializer

    def get(self, request: Request, shop_slug: str) -> Response:
        link = selectors.promoter_link(shop=self.get_shop(), promoter=self.promoter())
        return Response({"code": link.code, "url": request.build_absolute_uri(link.path)})


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        operation_id="promoter_ledger",
        parameters=[SHOP_PARAM],
        responses={200: EntrySerializer(many=True), **LIST_ERRORS},
    )
)
class PromoterLedgerView(PromoterView, ListAPIView):
    """Your ledger, newest first (paginated). Your balances are sums of it, by `bucket`."""

    serializer_class = EntrySerializer

    def get_queryset(self) -> Any:
        return selectors.promoter_ledger(promoter=self.promoter())


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        operation_id="promoter_customers",
        parameters=[SHOP_PARAM],
        responses={200: CustomerSerializer(many=True), **LIST_ERRORS},
    )
)
class PromoterCustomersView(PromoterView, ListAPIView):
    """Your customers (bound to you), newest first, names masked (paginated)."""

    serializer_class = CustomerSerializer

    def get_queryset(self) -> Any:
        from distribution.models import Binding

        return Binding.objects.filter(promoter=self.promoter()).order_by("-touched_at", "-pk")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        promoter = self.promoter()
        page = self.paginate_queryset(self.get_queryset()) or []
        offset = max(self.paginator.page.start_index() - 1, 0) if page else 0  # type: ignore[union-attr]
        rows = selectors.promoter_customers(promoter=promoter, offset=offset, limit=len(page))
        return self.get_paginated_response(CustomerSerializer(rows, many=True).data)


WITHDRAW_ERRORS = (
    "`invalid`: `amount_fen` is not a positive JSON integer. `withdraw_below_minimum`: less than the "
    "shop's minimum (`terms.min_withdraw_fen`). `withdraw_above_maximum`: ¥2,000 or more in one withdrawal."
)


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        operation_id="promoter_withdrawals",
        parameters=[SHOP_PARAM],
        responses={200: WithdrawalSerializer(many=True), **LIST_ERRORS},
    ),
    post=extend_schema(
        tags=TAGS,
        operation_id="promoter_withdraw",
        parameters=[SHOP_PARAM],
        request=WithdrawInSerializer,
        responses={
            201: WithdrawalSerializer,
            400: error(WITHDRAW_ERRORS),
            401: AUTH,
            403: AUTH_OR_NOT_PROMOTER,
            404: error(SHOP_NOT_FOUND),
            409: error(
                "`withdraw_exceeds_balance`: more than your withdrawable balance. `withdraw_needs_wechat`: "
                "WeChat does not know you in this shop yet (sign in with WeChat first)."
            ),
        },
    ),
)
class PromoterWithdrawalsView(PromoterView, ListAPIView):
    """Your withdrawals (newest first, paginated); POST asks for one: the amount is held from your
    balance at once, the merchant approves it and WeChat Pay transfers it to your WeChat balance
    (you may have to confirm receipt: `confirm`)."""

    serializer_class = WithdrawalSerializer

    def get_queryset(self) -> Any:
        return selectors.promoter_withdrawals(promoter=self.promoter())

    def post(self, request: Request, shop_slug: str) -> Response:
        self.promoter()
        data = WithdrawInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        withdrawal = services.withdrawal_request(
            shop=self.get_shop(),
            user=self.shopper,
            amount_fen=data.validated_data["amount_fen"],
            client="miniprogram",
        )
        return Response(WithdrawalSerializer(withdrawal).data, status=status.HTTP_201_CREATED)


class OneFormatSchema(AutoSchema):
    """The poster answers PNG, its errors JSON: that is content negotiation by the ``Accept``
    header, not a ``?format=`` choice for clients, so the schema offers no ``format`` parameter."""

    def _get_format_parameters(self) -> list[Any]:
        return []


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        operation_id="promoter_poster",
        summary="Promoter poster (PNG)",
        parameters=[SHOP_PARAM],
        responses={
            (200, "image/png"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="A 750×1334 PNG: the shop's name and logo, the shop's verified name, your name and "
                "a QR code of your signed link.",
            ),
            (401, "application/json"): AUTH,
            (403, "application/json"): AUTH_OR_NOT_PROMOTER,
            (404, "application/json"): error(SHOP_NOT_FOUND),
        },
    )
)
class PromoterPosterView(PromoterView):
    """Your poster to share (Moments, groups): its QR code opens your signed link. Drawn once,
    then served from the cache."""

    renderer_classes = [JSONRenderer, PNGRenderer]
    schema = OneFormatSchema()

    def get(self, request: Request, shop_slug: str) -> HttpResponse:
        shop = self.get_shop()
        promoter = self.promoter()
        link = request.build_absolute_uri(selectors.promoter_link(shop=shop, promoter=promoter).path)
        response = HttpResponse(
            promoter_poster_png(shop=shop, promoter=promoter, link=link), content_type="image/png"
        )
        response["Cache-Control"] = "private, max-age=300"
        return response

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(response, Response):  # an error: always the JSON error body
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


def _own_withdrawal(view: PromoterView, withdrawal_id: int) -> Withdrawal:
    from core.errors import NotFoundError

    found = selectors.promoter_withdrawals(promoter=view.promoter()).filter(pk=withdrawal_id).first()
    if found is None:
        raise NotFoundError("withdrawal_not_found", "没有找到这笔提现。")
    return found


@extend_schema_view(
    post=extend_schema(
        tags=TAGS,
        operation_id="promoter_withdrawal_check",
        parameters=[SHOP_PARAM],
        request=WithdrawalIdSerializer,
        responses={
            200: WithdrawalSerializer,
            400: error("`invalid`: `withdrawal_id` is not a JSON integer."),
            401: AUTH,
            403: AUTH_OR_NOT_PROMOTER,
            404: error(f"{SHOP_NOT_FOUND} `withdrawal_not_found`: not one of your withdrawals."),
        },
    )
)
class PromoterWithdrawalCheckView(PromoterView):
    """Ask WeChat Pay about a withdrawal's transfer now (after `wx.requestMerchantTransfer`: the
    client's "ok" is not proof of payment) and answer the withdrawal as it is then."""

    serializer_class = WithdrawalSerializer

    def post(self, request: Request, shop_slug: str) -> Response:
        data = WithdrawalIdSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        withdrawal = _own_withdrawal(self, data.validated_data["withdrawal_id"])
        payouts.transfer_check(withdrawal=withdrawal)
        withdrawal = _own_withdrawal(self, withdrawal.pk)
        return Response(WithdrawalSerializer(withdrawal).data)


@extend_schema_view(
    post=extend_schema(
        tags=TAGS,
        operation_id="promoter_withdrawal_cancel",
        parameters=[SHOP_PARAM],
        request=WithdrawalIdSerializer,
        responses={
            200: WithdrawalSerializer,
            400: error("`invalid`: `withdrawal_id` is not a JSON integer."),
            401: AUTH,
            403: AUTH_OR_NOT_PROMOTER,
            404: error(f"{SHOP_NOT_FOUND} `withdrawal_not_found`: not one of your withdrawals."),
            409: error("`withdrawal_not_open`: the merchant has handled it already."),
        },
    )
)
class PromoterWithdrawalCancelView(PromoterView):
    """Take back a withdrawal the merchant has not handled yet: the amount goes back to your balance."""

    serializer_class = WithdrawalSerializer

    def post(self, request: Request, shop_slug: str) -> Response:
        data = WithdrawalIdSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.promoter()
        withdrawal = services.withdrawal_cancel(
            shop=self.get_shop(), user=self.shopper, withdrawal_id=data.validated_data["withdrawal_id"]
        )
        return Response(WithdrawalSerializer(withdrawal).data)
