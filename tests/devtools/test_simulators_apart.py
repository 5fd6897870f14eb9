"""The simulators are development apps: installed and routed only when on, reached by production
code only through an account's base URLs, and playing WeChat's browser for JSAPI payments."""

from __future__ import annotations

import subprocess
import sys

import pytest

from core.errors import ApplicationError
from tests.factories import simulator_wechat_account
from wechat.client import account_client
from wechat.models import WeChatAccount

pytestmark = pytest.mark.django_db

WECHAT_UA = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.47"

INSTALLED = (
    "from django.conf import settings; from django.urls import resolve, Resolver404\n"
    "def routed(path):\n"
    "    try:\n"
    "        resolve(path); return True\n"
    "    except Resolver404:\n"
    "        return False\n"
    "print(sorted(a for a in settings.INSTALLED_APPS if a.startswith('devtools')),"
    " routed('/wechatpay-sim/bridge.js'), routed('/wechat-sim/jweixin.js'))"
)


def _settings_in_a_fresh_process(**env: str) -> str:
    import os

    environment = {k: v for k, v in os.environ.items() if not k.endswith("SIMULATOR")}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{INSTALLED}"],
        capture_output=True, text=True, env=environment, check=True, timeout=60,
    )  # fmt: skip
    return result.stdout.strip()


def test_production_installs_and_routes_no_simulator():
    assert (
        _settings_in_a_fresh_process(DEBUG="1", WECHATPAY_SIMULATOR="0", WECHAT_SIMULATOR="0")
        == "[] False False"
    )


def test_development_installs_and_routes_both():
    assert _settings_in_a_fresh_process(DEBUG="1") == (
        "['devtools.wechat_sim', 'devtools.wechatpay_sim'] True True"
    )


def test_account_base_urls_follow_the_mode(shop_a, settings):
    settings.WECHAT_SIMULATOR_URL = "http://127.0.0.1:8101/wechat-sim"
    account = simulator_wechat_account(shop_a)
    assert account.api_base_url == "http://127.0.0.1:8101/wechat-sim"
    assert account.web_base_url == "/wechat-sim"  # on the host the shopper's page came from
    assert account.jssdk_url == "/wechat-sim/jweixin.js"
    assert account_client(account).API_BASE_URL == "http://127.0.0.1:8101/wechat-sim/cgi-bin/"
    account.mode = WeChatAccount.Mode.LIVE
    assert account.api_base_url == settings.WECHAT_API_URL == "https://api.weixin.qq.com"
    assert account.web_base_url == "https://open.weixin.qq.com"
    assert account.jssdk_url == settings.WECHAT_JSSDK_URL
    assert account_client(account).API_BASE_URL == "https://api.weixin.qq.com/cgi-bin/"


def test_a_simulator_account_with_the_simulator_off_fails_clearly(shop_a, settings):
    from django.core.exceptions import ValidationError

    account = simulator_wechat_account(shop_a)
    assert WeChatAccount(shop=shop_a).mode == WeChatAccount.Mode.LIVE  # the default
    settings.WECHAT_SIMULATOR = False
    with pytest.raises(ApplicationError) as raised:
        account_client(account)
    assert raised.value.code == "simulator_off"
    with pytest.raises(ValidationError):
        account.clean()  # admin refuses the mode


def test_the_bridge_is_given_to_wechat_pages_only(client, shop_a):
    tag = '<script src="/wechatpay-sim/bridge.js" defer></script>'
    assert tag in client.get("/s/shop-a/", HTTP_USER_AGENT=WECHAT_UA).content.decode()
    assert tag not in client.get("/s/shop-a/").content.decode()
    script = client.get("/wechatpay-sim/bridge.js")
    assert script.status_code == 200 and b"getBrandWCPayRequest" in script.content


def test_a_simulator_that_is_off_answers_404(client, settings):
    settings.WECHATPAY_SIMULATOR = False
    settings.WECHAT_SIMULATOR = False
    assert client.get("/wechatpay-sim/bridge.js").status_code == 404
    assert client.get("/wechat-sim/jweixin.js").status_code == 404


def test_wechat_pages_of_a_simulator_account_with_the_simulator_off_fail_politely(client, shop_a, settings):
    simulator_wechat_account(shop_a)
    settings.WECHAT_SIMULATOR = False
    login = client.get("/wechat/shop-a/oauth/", {"next": "/s/shop-a/"})
    assert login.status_code == 503 and "本地模拟器未开启" in login.content.decode()
    jssdk = client.get("/wechat/shop-a/jssdk/", {"url": "http://testserver/s/shop-a/"})
    assert jssdk.status_code == 502 and jssdk.json()["code"] == "wechat_error"


@pytest.mark.django_db
@pytest.mark.parametrize("age_seconds, status", [(0, 404), (290, 404), (310, 401), (-310, 401)])
def test_the_pay_simulator_refuses_a_request_signed_too_long_ago(client, shop_a, age_seconds, status):
    """Like WeChat: a correctly signed API request whose timestamp is more than 5 minutes from the
    server's clock is a replay (401 SIGN_ERROR); a fresh one gets through (here: to a 404 for an
    unknown payment)."""
    import time

    from payments.models import WeChatPayConfig
    from payments.wechat import crypto

    config = WeChatPayConfig.objects.get(shop=shop_a)
    path = f"/v3/pay/transactions/out-trade-no/NOSUCHTRADE1?mchid={config.mchid}"
    timestamp, nonce = str(int(time.time()) - age_seconds), "n0nce"
    signature = crypto.sign(
        crypto.load_private_key(config.merchant_private_key), f"GET\n{path}\n{timestamp}\n{nonce}\n\n"
    )
    header = (
        f'WECHATPAY2-SHA256-RSA2048 mchid="{config.mchid}",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{config.merchant_serial_no}"'
    )
    response = client.get(f"/wechatpay-sim{path}", HTTP_AUTHORIZATION=header)
    assert response.status_code == status, response.content
    if status == 401:
        assert response.json()["code"] == "SIGN_ERROR"
