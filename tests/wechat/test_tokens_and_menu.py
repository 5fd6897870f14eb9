"""Access token and JS-SDK ticket: cached for every process, one refresher, one retry on an
expired token. The account menu: built from the shop, within WeChat's limits, published as shown."""

from __future__ import annotations

import pytest

from core.errors import ApplicationError
from devtools.wechat_sim.models import SimulatorRecord
from tests.concurrency import run_at_once
from tests.devtools import hooks
from tests.wechat.conftest import APPID
from wechat import services
from wechat.client import account_client

pytestmark = pytest.mark.django_db(transaction=True)


def issued(kind: str = "access_token", appid: str = APPID) -> int:
    return SimulatorRecord.objects.filter(kind=kind, appid=appid).count()


def test_many_processes_asking_at_once_cause_one_refresh(sim, account, settings):
    settings.WECHAT_SIMULATOR_TOKEN_DELAY = 0.3  # a slow WeChat widens the race
    tokens = run_at_once(lambda: account_client(account).access_token, [()] * 8)
    assert all(isinstance(token, str) for token in tokens), tokens
    assert len(set(tokens)) == 1
    assert issued() == 1


def test_the_token_is_reused_until_wechat_refuses_it_then_refreshed_once(sim, account):
    client = account_client(account)
    services.menu_publish(account=account, site_url="http://shop.test")
    services.menu_publish(account=account, site_url="http://shop.test")
    assert issued() == 1  # cached
    hooks.expire_tokens(APPID)  # WeChat expired it early (42001)
    services.menu_publish(account=account, site_url="http://shop.test")
    assert issued() == 2  # one refresh, then the call succeeded
    assert SimulatorRecord.objects.filter(kind="menu").count() == 3
    assert client.access_token == SimulatorRecord.objects.filter(kind="access_token").latest("pk").key


def test_the_jsapi_ticket_is_cached_too(sim, account):
    client = account_client(account)
    assert client.jsapi_ticket() == client.jsapi_ticket() == account_client(account).jsapi_ticket()
    assert issued("jsapi_ticket") == 1


def test_a_wrong_secret_is_a_clear_error(sim, account):
    account.secret = "wrong"
    with pytest.raises(ApplicationError) as caught:
        services.menu_publish(account=account, site_url="http://shop.test")
    assert caught.value.code == "wechat_error" and "40125" in caught.value.message


def test_the_menu_has_the_shop_pages_and_the_mini_program(account):
    from catalog.models import Category

    Category.objects.create(shop=account.shop, name="女装")
    menu = services.menu_build(account=account, site_url="https://shop.example")
    names = [b["name"] for b in menu["button"]]
    assert names == ["逛店", "我的订单", "会员中心"]
    browse, orders, member = menu["button"]
    assert [b["url"] for b in browse["sub_button"][:2]] == [
        "https://shop.example/s/shop-a/",
        "https://shop.example/s/shop-a/categories/",
    ]
    assert browse["sub_button"][2]["name"] == "女装"
    assert orders == {"type": "view", "name": "我的订单", "url": "https://shop.example/s/shop-a/orders/"}
    mini = member["sub_button"][0]
    assert mini["type"] == "miniprogram" and mini["appid"] == account.miniprogram_appid
    assert mini["pagepath"] and mini["url"].startswith("https://")
    assert any(b["url"].endswith("/s/shop-a/me/") for b in member["sub_button"])
    for button in menu["button"]:
        assert len(button["name"].encode()) <= 16 and len(button.get("sub_button", [])) <= 5

    account.miniprogram_appid = ""
    no_mini = services.menu_build(account=account, site_url="https://shop.example")
    assert all(b["type"] == "view" for b in no_mini["button"][2]["sub_button"])


def test_menu_limits_are_checked_before_sending():
    too_long = {"button": [{"type": "view", "name": "一二三四五六", "url": "https://x"}]}  # 18 bytes
    with pytest.raises(ApplicationError) as caught:
        services.menu_check(too_long)
    assert caught.value.code == "menu_invalid"
    with pytest.raises(ApplicationError):
        services.menu_check({"button": [{"name": "a", "sub_button": [
            {"type": "view", "name": str(i), "url": "https://x"} for i in range(6)]}]})  # fmt: skip


def test_publishing_sends_exactly_the_previewed_json(sim, account):
    sent = services.menu_publish(account=account, site_url="http://shop.test")
    assert SimulatorRecord.objects.get(kind="menu").data == sent
    account.refresh_from_db()
    assert account.menu_published_at is not None


def test_live_accounts_need_https_links(account):
    account.mode = "live"
    with pytest.raises(ApplicationError) as caught:
        services.menu_publish(account=account, site_url="http://shop.test")
    assert caught.value.code == "menu_needs_https"


def test_channel_qr_codes_are_issued_by_wechat(sim, account):
    from wechat.models import ChannelQRCode

    permanent = services.qrcode_issue(
        qrcode=ChannelQRCode.objects.create(shop=account.shop, name="海报", scene="poster")
    )
    temporary = services.qrcode_issue(qrcode=ChannelQRCode.objects.create(
        shop=account.shop, name="传单", scene="flyer", is_permanent=False, expire_days=7))  # fmt: skip
    assert (
        permanent.ticket
        and permanent.url.startswith("http://weixin.qq.com/q/")
        and permanent.expires_at is None
    )
    assert temporary.expires_at is not None
    records = {r.data["scene"]: r.data for r in SimulatorRecord.objects.filter(kind="qrcode")}
    assert records["poster"]["expire_seconds"] is None and records["flyer"]["expire_seconds"] == 7 * 86400
