"""WeChat Pay as a payment provider, through the ``wechatpayv3`` client.

In ``simulator`` mode the same client talks to our local simulator (``WECHATPAY_SIMULATOR_URL``);
in ``live`` mode to ``https://api.mch.weixin.qq.com``. Every call has a timeout and is made with no
database row locked (callers make sure of that).
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from django.conf import settings
from wechatpayv3 import WeChatPay, WeChatPayType

from payments.models import PaymentAttempt, Refund, WeChatPayConfig
from payments.providers import ProviderError, RefundOutcome
from payments.wechat import crypto

TIMEOUT = (5, 15)  # connect, read (seconds): wechatpayv3's default is none at all
PAY_TYPES = {
    "jsapi": WeChatPayType.JSAPI,
    "miniprogram": WeChatPayType.MINIPROG,
    "native": WeChatPayType.NATIVE,
    "h5": WeChatPayType.H5,
}


class WeChatPayError(ProviderError):
    pass


def client(config: WeChatPayConfig, *, notify_url: str | None = None, appid: str | None = None) -> WeChatPay:
    wxpay = WeChatPay(
        wechatpay_type=WeChatPayType.JSAPI, mchid=config.mchid, private_key=config.merchant_private_key,
        cert_serial_no=config.merchant_serial_no, appid=appid or config.appid, apiv3_key=config.apiv3_key,
        notify_url=notify_url, timeout=TIMEOUT, public_key=config.platform_public_key or None,
        public_key_id=config.platform_public_key_id or None,
    )  # fmt: skip
    if config.mode == WeChatPayConfig.Mode.SIMULATOR:
        wxpay._core._gate_way = settings.WECHATPAY_SIMULATOR_URL.rstrip("/")
    return wxpay


def _call(result: tuple[int, Any]) -> dict[str, Any]:
    code, text = result
    data = json.loads(text) if text else {}
    if not 200 <= code < 300:
        raise WeChatPayError(f"{code} {data.get('code', '')}: {data.get('message', text)}")
    return data


def prepay(*, config: WeChatPayConfig, attempt: PaymentAttempt, description: str, notify_url: str, openid: str = "",
           client_ip: str = "") -> dict[str, Any]:  # fmt: skip
    appid = config.appid_for(attempt.scene)
    wxpay = client(config, notify_url=notify_url, appid=appid)
    kwargs: dict[str, Any] = {
        "description": description[:127], "out_trade_no": attempt.out_trade_no,
        "amount": {"total": attempt.amount_fen, "currency": "CNY"}, "pay_type": PAY_TYPES[attempt.scene],
    }  # fmt: skip
    if attempt.scene in ("jsapi", "miniprogram"):
        kwargs["payer"] = {"openid": openid}
    if attempt.scene == "h5":
        kwargs["scene_info"] = {"payer_client_ip": client_ip or "127.0.0.1", "h5_info": {"type": "Wap"}}
    return _call(wxpay.pay(**kwargs))


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
    return _call(client(config).query(out_trade_no=out_trade_no))


def close(*, config: WeChatPayConfig, out_trade_no: str) -> None:
    _call(client(config).close(out_trade_no=out_trade_no))


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

    def refund(self, *, refund: Refund, total_fen: int, reason: str) -> RefundOutcome:
        config = WeChatPayConfig.objects.get(shop_id=refund.shop_id)
        attempt = PaymentAttempt.objects.filter(
            order_id=refund.order_id, status=PaymentAttempt.Status.SUCCEEDED
        ).first()
        if attempt is None:
            return RefundOutcome(
                accepted=False, settled=False, detail="no successful WeChat payment for this order"
            )
        try:
            data = _call(client(config).refund(
                out_refund_no=refund.out_refund_no, transaction_id=attempt.transaction_id or None,
                out_trade_no=attempt.out_trade_no, amount={"refund": refund.amount_fen, "total": attempt.amount_fen, "currency": "CNY"},
                reason=reason[:80],
            ))  # fmt: skip
        except WeChatPayError as exc:
            return RefundOutcome(accepted=False, settled=False, detail=str(exc))
        return RefundOutcome(
            accepted=True,
            settled=data.get("status") == "SUCCESS",
            provider_refund_id=data.get("refund_id", ""),
        )
