"""The one place a ``wechatpayv3`` client is built: ``wechatpay_client(config)``.

wechatpayv3 (2.0.x) has no public option for its gateway: ``Core.__init__`` sets
``self._gate_way = 'https://api.mch.weixin.qq.com'`` and every request goes to
``self._gate_way + path``. We set that private attribute here, for every account, from
``WeChatPayConfig.api_base_url`` (WeChat Pay's host for live accounts, the local simulator for
simulator ones), so that nothing else knows the library's internals. tests/payments/
test_wechatpay_client.py checks where a live and a simulator client send their requests: a
renamed attribute in a new wechatpayv3 fails that test instead of paying against the wrong host.
"""

from __future__ import annotations

from wechatpayv3 import WeChatPay, WeChatPayType

from payments.models import WeChatPayConfig


def wechatpay_client(
    config: WeChatPayConfig,
    *,
    notify_url: str | None = None,
    appid: str | None = None,
    timeout: tuple[float, float] | None = None,
) -> WeChatPay:
    """A client for ``config``'s merchant account that calls ``config.api_base_url``
    (``SimulatorOff``, code ``simulator_off``, for a simulator-mode account while the simulator is off)."""
    base_url = config.api_base_url  # first: never build a client for a URL nothing answers
    wxpay = WeChatPay(
        wechatpay_type=WeChatPayType.JSAPI, mchid=config.mchid, private_key=config.merchant_private_key,
        cert_serial_no=config.merchant_serial_no, appid=appid or config.appid, apiv3_key=config.apiv3_key,
        notify_url=notify_url, timeout=timeout, public_key=config.platform_public_key or None,
        public_key_id=config.platform_public_key_id or None,
    )  # fmt: skip
    wxpay._core._gate_way = base_url
    return wxpay
