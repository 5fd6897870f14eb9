"""The local WeChat Pay simulator's routes, at WeChat Pay's own paths (404 unless WECHATPAY_SIMULATOR:
mounted only then, and a test may turn it off)."""

from functools import wraps

from django.conf import settings
from django.http import Http404
from django.urls import path

from devtools.wechatpay_sim import bridge, transfers, views


def enabled(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.WECHATPAY_SIMULATOR:
            raise Http404("the WeChat Pay simulator is off")
        return view(request, *args, **kwargs)

    return wrapper


urlpatterns = [
    path("v3/pay/transactions/<str:kind>", enabled(views.prepay)),
    path("v3/pay/transactions/out-trade-no/<str:out_trade_no>", enabled(views.query)),
    path("v3/pay/transactions/out-trade-no/<str:out_trade_no>/close", enabled(views.close)),
    path("v3/refund/domestic/refunds", enabled(views.refund)),
    path("v3/refund/domestic/refunds/<str:out_refund_no>", enabled(views.refund_query)),
    path("v3/fund-app/mch-transfer/transfer-bills", enabled(transfers.transfer_create)),
    path(
        "v3/fund-app/mch-transfer/transfer-bills/out-bill-no/<str:out_bill_no>",
        enabled(transfers.transfer_query),
    ),
    path(
        "v3/fund-app/mch-transfer/transfer-bills/out-bill-no/<str:out_bill_no>/cancel",
        enabled(transfers.transfer_cancel),
    ),
    path("pay/<str:prepay_id>/", enabled(views.sheet), name="wechatpay-sim-sheet"),
    path("device/pay", enabled(views.device_pay), name="wechatpay-sim-device-pay"),
    path("transfer/", enabled(transfers.confirm_page), name="wechatpay-sim-transfer"),
    path("bridge.js", enabled(bridge.bridge_script), name="wechatpay-sim-bridge"),
]
