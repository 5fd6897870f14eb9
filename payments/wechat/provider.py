"""WeChat Pay as a payment provider, through the ``wechatpayv3`` client.

The client (payments/wechat/client.py) calls the account's ``api_base_url``: WeChat Pay for live
accounts, the local simulator for simulator ones; nothing here depends on which. Every call has a
timeout and is made with no database row locked (callers make sure of that).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

import requests
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wechatpayv3 import WeChatPay, WeChatPayType

from payments.models import PaymentAttempt, Refund, Transfer, WeChatPayConfig
from payments.providers import ProviderError, ProviderUnavailable, RefundOutcome, SimulatorOff
from payments.selectors import payment_of_order
from payments.wechat import crypto
from payments.wechat.client import wechatpay_client

logger = logging.getLogger(__name__)

TIMEOUT = (5, 15)  # connect, read (seconds): wechatpayv3's default is none at all
PAY_TYPES = {
    "jsapi": WeChatPayType.JSAPI,
    "miniprogram": WeChatPayType.MINIPROG,
    "native": WeChatPayType.NATIVE,
    "h5": WeChatPayType.H5,
}
# business answers that are part of normal life, not a problem the merchant must look at
EXPECTED_CODES = {"ORDERPAID", "ORDER_CLOSED", "ORDER_NOT_EXIST", "RESOURCE_NOT_EXISTS", "NOT_FOUND"}


class WeChatPayError(ProviderError):
    """WeChat Pay answered and refused (a 4xx with its ``code``, e.g. ``ORDERPAID``)."""

    def __init__(self, message: str, *, code: str = "", status: int = 0) -> None:
        super().__init__(message)
        self.code, self.status = code, status


class WeChatPayUnavailable(ProviderUnavailable):
    """No answer from WeChat Pay we can believe (timeout, no connection, bad signature, not JSON)."""


def timeout() -> tuple[float, float]:
    return tuple(getattr(settings, "WECHATPAY_TIMEOUT", TIMEOUT))  # type: ignore[return-value]


def client(config: WeChatPayConfig, *, notify_url: str | None = None, appid: str | None = None) -> WeChatPay:
    return wechatpay_client(config, notify_url=notify_url, appid=appid, timeout=timeout())


def record_error(config: WeChatPayConfig, message: str) -> None:
    """Keep the last failure on the shop's config, where the merchant sees it in admin."""
    WeChatPayConfig.objects.filter(pk=config.pk).update(
        last_error=message[:255], last_error_at=timezone.now()
    )


def _unavailable(
    config: WeChatPayConfig, message: str, exc: BaseException | None = None
) -> WeChatPayUnavailable:
    detail = f"{message}（{str(exc)[:120]}）" if exc is not None and str(exc) else message
    logger.warning("WeChat Pay unavailable for mchid %s: %s", config.mchid, detail)
    record_error(config, detail)
    return WeChatPayUnavailable(detail)


def _call(
    config: WeChatPayConfig,
    request: Callable[[WeChatPay], tuple[int, Any]],
    *,
    notify_url: str | None = None,
    appid: str | None = None,
) -> dict[str, Any]:
    """Make one API call and return its JSON answer. Anything but a verified JSON answer raises
    ``WeChatPayUnavailable`` (and is recorded for the merchant); a refusal raises ``WeChatPayError``."""
    try:
        wxpay = client(config, notify_url=notify_url, appid=appid)
    except SimulatorOff as exc:  # raised before any call: the merchant reads why in admin
        record_error(config, exc.message)
        raise
    try:
        code, text = request(wxpay)
    except requests.Timeout as exc:
        raise _unavailable(config, _("微信支付在 %(s)s 秒内没有应答。") % {"s": timeout()[1]}, exc) from exc
    except requests.RequestException as exc:
        raise _unavailable(config, _("无法连接微信支付。"), exc) from exc
    except Exception as exc:  # wechatpayv3 raises a bare Exception when an answer's signature fails
        if "algorithm" in str(exc):  # no Wechatpay-Signature-Type: not WeChat Pay's answer at all
            message = _("微信支付的应答无法识别：没有签名（可能是代理或网关返回的页面）。")
        elif "signature" in str(exc):
            message = _("微信支付应答的签名无法验证：请检查“微信支付公钥”或“平台证书”是否正确、是否已更换。")
        else:
            message = _("调用微信支付失败。")
        raise _unavailable(config, message, exc) from exc
    try:
        data = json.loads(text) if text else {}
    except (TypeError, ValueError):
        data = None
    if not isinstance(data, dict) or code >= 500:
        raise _unavailable(config, _("微信支付的应答无法识别（HTTP %(code)s）。") % {"code": code})
    if not 200 <= code < 300:
        refusal = str(data.get("code", ""))
        message = f"{code} {refusal}: {data.get('message', '')}"
        if refusal not in EXPECTED_CODES:
            record_error(config, _("微信支付拒绝了请求：%(m)s") % {"m": message})
        raise WeChatPayError(message, code=refusal, status=code)
    return data


def prepay(*, config: WeChatPayConfig, attempt: PaymentAttempt, description: str, notify_url: str, openid: str = "",
           client_ip: str = "") -> dict[str, Any]:  # fmt: skip
    appid = config.appid_for(attempt.scene)
    kwargs: dict[str, Any] = {
        "description": description[:127], "out_trade_no": attempt.out_trade_no,
        "amount": {"total": attempt.amount_fen, "currency": "CNY"}, "pay_type": PAY_TYPES[attempt.scene],
    }  # fmt: skip
    if attempt.scene in ("jsapi", "miniprogram"):
        kwargs["payer"] = {"openid": openid}
    if attempt.scene == "h5":
        kwargs["scene_info"] = {"payer_client_ip": client_ip or "127.0.0.1", "h5_info": {"type": "Wap"}}
    return _call(config, lambda wxpay: wxpay.pay(**kwargs), notify_url=notify_url, appid=appid)


def client_invoke_params(config: WeChatPayConfig, *, appid: str, prepay_id: str) -> dict[str, str]:
    """What ``WeixinJSBridge.invoke('getBrandWCPayRequest', …)`` / ``wx.requestPayment`` need:
    RSA-SHA256 over ``appId\\ntimeStamp\\nnonceStr\\npackage\\n`` with the merchant key."""
    timestamp, nonce, package = str(int(time.time())), secrets.token_hex(16), f"prepay_id={prepay_id}"
    signature = crypto.sign(
        crypto.load_private_key(config.merchant_private_key), f"{appid}\n{timestamp}\n{nonce}\n{package}\n"
    )
    return {
        "appId": appid,
        "timeStamp": timestamp,
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": signature,
    }


def query(*, config: WeChatPayConfig, out_trade_no: str) -> dict[str, Any]:
    return _call(config, lambda wxpay: wxpay.query(out_trade_no=out_trade_no))


def close(*, config: WeChatPayConfig, out_trade_no: str) -> None:
    _call(config, lambda wxpay: wxpay.close(out_trade_no=out_trade_no))


def query_refund(*, config: WeChatPayConfig, out_refund_no: str) -> dict[str, Any]:
    return _call(config, lambda wxpay: wxpay.query_refund(out_refund_no=out_refund_no))


# ---------------------------------------------------------------- 商家转账 (transfer bills)
# wechatpayv3 2.0.4 speaks the current transfer-bills API (``mch_transfer_bills``, ``…_query``,
# ``…_cancel``: POST /v3/fund-app/mch-transfer/transfer-bills and its out-bill-no paths), signing and
# verifying like every other call; it encrypts ``user_name`` with the platform public key and sends
# ``Wechatpay-Serial`` itself.

#: what each common scene must report (``transfer_scene_report_infos``) when the merchant has not
#: written their own on the WeChat Pay config
SCENE_REPORT_DEFAULTS: dict[str, list[dict[str, str]]] = {  # WeChat's field names and our report: data
    "1000": [  # 现金营销
        {"info_type": "活动名称", "info_content": "推广佣金提现"},  # i18n: data
        {"info_type": "奖励说明", "info_content": "推广订单的佣金"},  # i18n: data
    ],
    "1005": [  # 佣金报酬
        {"info_type": "岗位类型", "info_content": "推广员"},  # i18n: data
        {"info_type": "报酬说明", "info_content": "推广佣金"},  # i18n: data
    ],
}


def transfer_report_infos(config: WeChatPayConfig, scene_id: str) -> list[dict[str, str]]:
    infos = config.transfer_report_infos or SCENE_REPORT_DEFAULTS.get(scene_id, [])
    return [{"info_type": str(i["info_type"]), "info_content": str(i["info_content"])} for i in infos]


def transfer_bill_create(
    *, config: WeChatPayConfig, transfer: Transfer, notify_url: str | None
) -> dict[str, Any]:
    """发起转账. The answer: ``out_bill_no, transfer_bill_no, create_time, state`` (and
    ``package_info`` when the user must confirm, ``fail_reason`` when it failed at once)."""
    kwargs: dict[str, Any] = {
        "out_bill_no": transfer.out_bill_no, "transfer_scene_id": transfer.scene_id, "openid": transfer.openid,
        "transfer_amount": transfer.amount_fen, "transfer_remark": transfer.remark,
        "user_name": transfer.user_name or None,
        "transfer_scene_report_infos": transfer_report_infos(config, transfer.scene_id),
        "appid": transfer.appid, "notify_url": notify_url,
    }  # fmt: skip
    return _call(config, lambda wxpay: wxpay.mch_transfer_bills(**kwargs))


def transfer_bill_query(*, config: WeChatPayConfig, out_bill_no: str) -> dict[str, Any]:
    """商户单号查询转账单: ``WeChatPayError`` code ``NOT_FOUND`` when WeChat has no such bill."""
    return _call(config, lambda wxpay: wxpay.mch_transfer_bills_query(out_bill_no=out_bill_no))


def transfer_bill_cancel(*, config: WeChatPayConfig, out_bill_no: str) -> dict[str, Any]:
    """撤销转账 (before the user confirmed): ``state`` ``CANCELING``; ``CANCELLED`` follows."""
    return _call(config, lambda wxpay: wxpay.mch_transfer_bills_cancel(out_bill_no=out_bill_no))


def notify_url_for(shop) -> str | None:
    """Where WeChat sends refund and transfer results (the payment notify URL; we dispatch on
    ``event_type``). Without ``PUBLIC_URL`` there is none: refunds are then settled by query."""
    if not settings.PUBLIC_URL:
        return None
    return f"{settings.PUBLIC_URL.rstrip('/')}{reverse('wechat-notify', args=[shop.slug])}"


class WeChatPayProvider:
    """WeChat Pay behind the provider interface (payments.providers.OnlinePaymentProvider)."""

    code = "wechat"

    def create(self, *, attempt: PaymentAttempt, description: str, notify_url: str, openid: str = "",
               client_ip: str = "") -> dict[str, Any]:  # fmt: skip
        config = WeChatPayConfig.objects.get(shop_id=attempt.shop_id)
        return prepay(config=config, attempt=attempt, description=description, notify_url=notify_url, openid=openid,
                      client_ip=client_ip)  # fmt: skip

    def query(self, *, attempt: PaymentAttempt) -> dict[str, Any]:
        resource = query(
            config=WeChatPayConfig.objects.get(shop_id=attempt.shop_id), out_trade_no=attempt.out_trade_no
        )
        return resource

    def close(self, *, attempt: PaymentAttempt) -> None:
        close(config=WeChatPayConfig.objects.get(shop_id=attempt.shop_id), out_trade_no=attempt.out_trade_no)

    def query_refund(self, *, refund: Refund) -> dict[str, Any]:
        return query_refund(
            config=WeChatPayConfig.objects.get(shop_id=refund.shop_id), out_refund_no=refund.out_refund_no
        )

    def refund(self, *, refund: Refund, total_fen: int, reason: str) -> RefundOutcome:
        """Refund from the payment the refund names (``Refund.payment``), else the one that paid
        the order. ``WeChatPayUnavailable`` (no believable answer) propagates: the outcome is
        unknown, and only a notification or a query may settle it."""
        config = WeChatPayConfig.objects.get(shop_id=refund.shop_id)
        attempt = refund.payment or payment_of_order(order_id=refund.order_id)
        if attempt is None:
            return RefundOutcome(
                accepted=False, settled=False, detail="no successful WeChat payment for this order"
            )
        body: dict[str, Any] = {
            "out_refund_no": refund.out_refund_no, "transaction_id": attempt.transaction_id or None,
            "out_trade_no": attempt.out_trade_no, "reason": reason[:80],
            "amount": {"refund": refund.amount_fen, "total": attempt.amount_fen, "currency": "CNY"},
        }  # fmt: skip
        try:
            data = _call(config, lambda wxpay: wxpay.refund(**body), notify_url=notify_url_for(refund.shop))
        except WeChatPayError as exc:
            return RefundOutcome(accepted=False, settled=False, detail=str(exc))
        return RefundOutcome(
            accepted=True,
            settled=data.get("status") == "SUCCESS",
            provider_refund_id=data.get("refund_id", ""),
        )
