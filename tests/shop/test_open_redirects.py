"""No open redirects: every redirect or "back" link built from request input (``next``, ``back``,
``redirect_uri``) stays on this site, whatever trick the value tries."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from accounts.auth import safe_next
from devtools.wechatpay_sim.models import SimulatedTransaction
from tests.factories import ShopperFactory
from tests.wechat.conftest import APPID
from wechat.models import WeChatAccount

HOSTILE = [
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    " //evil.example/",
    "https://evil.example/",
    "http:/evil.example/",
    "javascript:alert(1)",
]


def is_local(url: str) -> bool:
    """What a browser would stay on this site for (it reads ``\\`` as ``/`` and drops tabs and newlines)."""
    browser = url.replace("\\", "/").replace("\t", "").replace("\n", "").replace("\r", "").strip()
    parts = urlsplit(browser)
    return browser.startswith("/") and not browser.startswith("//") and not parts.scheme and not parts.netloc


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_next_refuses_every_trick(rf, target):
    assert safe_next(rf.get("/", {"next": target}), default="/home/") == "/home/"


def test_safe_next_keeps_a_local_path(rf):
    assert safe_next(rf.get("/", {"next": "/s/demo/orders/?tab=paid"})) == "/s/demo/orders/?tab=paid"


@pytest.fixture
def tx(db, settings):
    settings.WECHATPAY_SIMULATOR = True
    return SimulatedTransaction.objects.create(
        mchid="1900000109", appid="wx8888888888888888", out_trade_no="T1", prepay_id="wx_sim_1",
        trade_type="NATIVE", description="商品", amount_fen=100, notify_url="http://testserver/n/",
    )  # fmt: skip


@pytest.mark.parametrize("target", HOSTILE)
def test_the_pay_simulators_back_link_stays_on_the_site(client, tx, target):
    tx.trade_state = "SUCCESS"  # the sheet shows 返回商户 once paid
    tx.save()
    page = client.get(f"/wechatpay-sim/pay/{tx.prepay_id}/", {"back": target})
    assert page.status_code == 200 and "返回商户" not in page.content.decode()
    assert "evil.example" not in page.content.decode() and "javascript:" not in page.content.decode()
    done = client.get(f"/wechatpay-sim/pay/{tx.prepay_id}/", {"back": "/s/shop-a/orders/X/"})
    assert 'href="/s/shop-a/orders/X/"' in done.content.decode()  # a local path is kept


@pytest.mark.parametrize("target", HOSTILE)
def test_shopper_pages_redirect_only_to_local_paths(client, shop_a, settings, target):
    settings.DEBUG = True  # the development login is one of the redirects walked
    answers = [
        client.get("/accounts/login/code/", {"next": target}),
        client.post(f"/accounts/login/?next={target}", {"username": "shopper"}),
        client.post("/accounts/logout/", {"next": target}),
        client.post("/s/shop-a/cart/add/", {"sku_id": "0", "back": target}),
    ]
    client.force_login(ShopperFactory())
    answers.append(
        client.post(
            "/s/shop-a/addresses/",
            {
                "next": target,
                "recipient": "张三",
                "phone": "13812345678",
                "province_code": "330000",
                "city_code": "330100",
                "district_code": "330106",
                "detail": "文三路 1 号",
            },
        )
    )
    for response in answers:
        assert response.status_code == 302, response
        assert is_local(response["Location"]), response["Location"]


@pytest.mark.parametrize(
    "target", ["https://evil.example/cb", "//evil.example/cb", "http://testserver.evil.example/"]
)
def test_the_wechat_simulator_only_returns_to_this_site(client, shop_a, settings, target):
    """Like WeChat (网页授权域名), the simulator's OAuth page sends the browser back only to our own host."""
    settings.WECHAT_SIMULATOR = True
    WeChatAccount.objects.create(shop=shop_a, mode="simulator", appid=APPID, secret="s", token="t")
    response = client.get(
        "/wechat-sim/connect/oauth2/authorize",
        {
            "appid": APPID,
            "redirect_uri": target,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": "s",
        },
    )
    assert response.status_code == 400 and "evil.example" not in response.get("Location", "")
    ok = client.get(
        "/wechat-sim/connect/oauth2/authorize",
        {"appid": APPID, "redirect_uri": "http://testserver/wechat/shop-a/oauth/callback/",
         "response_type": "code", "scope": "snsapi_base", "state": "s"},
    )  # fmt: skip
    assert ok.status_code == 302 and ok["Location"].startswith(
        "http://testserver/wechat/shop-a/oauth/callback/?"
    )
