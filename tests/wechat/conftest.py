from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.factories import simulator_wechat_account

APPID = "wx1111111111111111"
MP_APPID = "wx2222222222222222"
TOKEN = "weishopToken2026"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat issues
WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
)


@pytest.fixture
def account(shop_a):
    return simulator_wechat_account(
        shop_a, name="甲店公众号", appid=APPID, secret="account-secret", token=TOKEN, encoding_aes_key=AES_KEY,
        miniprogram_appid=MP_APPID, miniprogram_secret="mini-secret",
        tpl_paid="TPL_PAID", tpl_shipped="TPL_SHIPPED", tpl_delivered="TPL_DELIVERED", tpl_refunded="TPL_REFUNDED",
        mp_tpl_paid="MP_PAID", mp_tpl_shipped="MP_SHIPPED", mp_tpl_delivered="MP_DELIVERED",
        mp_tpl_refunded="MP_REFUNDED",
    )  # fmt: skip


@pytest.fixture
def sim(settings, live_server, account):
    """The local WeChat API simulator on a real HTTP server; the account talks to it."""
    settings.WECHAT_SIMULATOR = True
    settings.WECHAT_SIMULATOR_URL = f"{live_server.url}/wechat-sim"
    return live_server


def local(url: str) -> str:
    """The path + query of an absolute URL (the test client serves every page of our app)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
