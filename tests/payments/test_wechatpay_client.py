"""Where a WeChat Pay client sends its requests: the account's ``api_base_url``, live or simulator.

wechatpayv3 has no public gateway option; payments/wechat/client.py sets its private attribute.
These tests watch the request that leaves, so that a wechatpayv3 that renames the attribute fails
here instead of paying against the wrong host."""

from __future__ import annotations

import pytest
import requests

from core.errors import ApplicationError
from payments.models import WeChatPayConfig
from payments.wechat import provider
from payments.wechat.client import wechatpay_client

pytestmark = pytest.mark.django_db


class Sent(Exception):
    """Raised instead of sending: carries the URL the client was about to call."""


@pytest.fixture
def sent_urls(monkeypatch) -> list[str]:
    urls: list[str] = []

    def fake_get(url: str, **kwargs) -> None:  # the HTTP boundary, not our code
        urls.append(url)
        raise Sent(url)

    monkeypatch.setattr(requests, "get", fake_get)
    return urls


def _query(config: WeChatPayConfig) -> None:
    with pytest.raises(Sent):
        wechatpay_client(config).query(out_trade_no="T0000000001")


def test_a_live_account_calls_wechat_pay(pay_config, sent_urls, settings):
    settings.WECHATPAY_API_URL = "https://api.mch.weixin.qq.com"
    pay_config.mode = WeChatPayConfig.Mode.LIVE
    assert pay_config.api_base_url == "https://api.mch.weixin.qq.com"
    _query(pay_config)
    assert sent_urls[0].startswith(
        "https://api.mch.weixin.qq.com/v3/pay/transactions/out-trade-no/T0000000001"
    )


def test_a_simulator_account_calls_the_simulator(pay_config, sent_urls, settings):
    settings.WECHATPAY_SIMULATOR_URL = "http://127.0.0.1:8101/wechatpay-sim"
    assert pay_config.mode == WeChatPayConfig.Mode.SIMULATOR
    _query(pay_config)
    assert sent_urls[0].startswith("http://127.0.0.1:8101/wechatpay-sim/v3/pay/transactions/out-trade-no/")


def test_a_simulator_account_with_the_simulator_off_fails_clearly(pay_config, sent_urls, settings):
    settings.WECHATPAY_SIMULATOR = False
    with pytest.raises(ApplicationError) as raised:
        provider.query(config=pay_config, out_trade_no="T0000000001")
    assert raised.value.code == "simulator_off" and not sent_urls
    pay_config.refresh_from_db()
    assert "本地模拟器未开启" in pay_config.last_error  # the merchant reads why in admin


def test_paying_a_shop_whose_simulator_is_off_is_a_chinese_503(pay_config, settings, client, shop_a):
    from orders import services as order_services
    from tests.factories import AddressFactory, ShopperFactory, make_product

    user = ShopperFactory(username="payer")
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    order = order_services.order_place(
        shop=shop_a, user=user, items=[(sku.pk, 1)], address_id=AddressFactory(user=user).pk
    )
    settings.WECHATPAY_SIMULATOR = False
    client.force_login(user)
    page = client.get(f"/s/shop-a/orders/{order.order_no}/pay/")
    assert page.status_code == 503 and "微信支付暂时不可用" in page.content.decode()


def test_accounts_are_live_unless_set_otherwise(shop_a):
    WeChatPayConfig.objects.filter(shop=shop_a).delete()
    assert WeChatPayConfig(shop=shop_a).mode == WeChatPayConfig.Mode.LIVE


def test_simulator_mode_is_refused_while_the_simulator_is_off(pay_config, settings):
    from django.core.exceptions import ValidationError

    pay_config.clean()  # on: fine
    settings.WECHATPAY_SIMULATOR = False
    with pytest.raises(ValidationError) as raised:
        pay_config.clean()
    assert "mode" in raised.value.message_dict
