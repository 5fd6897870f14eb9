"""Paying an order from the mini-program: start a WeChat Pay payment and get the parameters
``wx.requestPayment`` needs."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.errors import ErrorSerializer
from core.api.schema import ERRORS, FEN, ORDER_PARAM, SHOP_PARAM
from core.h5 import client_ip
from orders import services
from orders.api import ShopperView
from payments import services as payment_services
from payments.h5 import notify_url
from payments.models import WeChatPayConfig
from payments.ports import payer_openid
from payments.wechat.provider import client_invoke_params


class PaymentInSerializer(serializers.Serializer):
    scene = serializers.ChoiceField(
        choices=["miniprogram", "jsapi", "native", "h5"], default="miniprogram",
        help_text="miniprogram: wx.requestPayment; jsapi: inside WeChat's browser; native: a QR code; h5: a phone browser.",
    )  # fmt: skip


class PaymentOutSerializer(serializers.Serializer):
    out_trade_no = serializers.CharField()
    scene = serializers.CharField()
    amount_fen = serializers.IntegerField(help_text=FEN)
    request_payment = serializers.DictField(
        child=serializers.CharField(), allow_null=True,
        help_text="For miniprogram/jsapi: pass as-is to wx.requestPayment / getBrandWCPayRequest "
                  "(appId, timeStamp, nonceStr, package, signType, paySign). The client's 'ok' is not proof "
                  "of payment: read the order again.",
    )  # fmt: skip
    code_url = serializers.CharField(allow_blank=True, help_text="For native: render as a QR code.")
    h5_url = serializers.CharField(allow_blank=True, help_text="For h5: open it (append &redirect_url=…).")


@extend_schema_view(
    post=extend_schema(
        tags=["orders"], operation_id="orders_payment_start", parameters=[SHOP_PARAM, ORDER_PARAM],
        request=PaymentInSerializer, responses={200: PaymentOutSerializer, **ERRORS, 503: ErrorSerializer},
    )
)  # fmt: skip
class OrderPaymentView(ShopperView):
    """Start paying an unpaid order with WeChat Pay. The order turns paid only when WeChat's
    verified notification (or our query) says so: poll the order afterwards."""

    serializer_class = PaymentInSerializer

    def post(self, request: Request, shop_slug: str, order_no: str) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        scene = data.validated_data["scene"]
        order = services.order_get_for_user(user=request.user, shop=self.get_shop(), order_no=order_no)
        config = WeChatPayConfig.objects.filter(shop_id=order.shop_id).first()
        attempt = payment_services.payment_start(
            order=order, scene=scene, notify_url=notify_url(request, shop_slug),
            openid=payer_openid(user=request.user, config=config, scene=scene),
            client_ip=client_ip(request),
        )  # fmt: skip
        params = None
        if scene in ("miniprogram", "jsapi") and attempt.prepay_id:
            params = client_invoke_params(config, appid=config.appid_for(scene), prepay_id=attempt.prepay_id)
        body = {"out_trade_no": attempt.out_trade_no, "scene": scene, "amount_fen": attempt.amount_fen,
                "request_payment": params, "code_url": attempt.code_url, "h5_url": attempt.h5_url}  # fmt: skip
        return Response(PaymentOutSerializer(body).data)
