"""The official account in admin: credentials write-only and encrypted, the menu previewed as the
JSON that will be sent and published with one action, keyword replies and channel QR codes."""

import json
import re
from html import unescape

import pytest
from django.db import connection

from devtools.wechat_sim.models import SimulatorRecord
from wechat.models import ChannelQRCode, WeChatAccount

AES = "A" * 43


@pytest.fixture
def merchant(client, merchant_a):
    client.force_login(merchant_a)
    return client


def form(**changes):
    data = {"mode": "simulator", "name": "甲店公众号", "appid": "wx1234567890abcdef", "secret": "app-secret-1",
            "token": "Token123", "encoding_aes_key": AES, "miniprogram_appid": "", "miniprogram_secret": "",
            "miniprogram_home": "pages/index/index", "welcome_message": "", "default_reply": ""}  # fmt: skip
    data.update(changes)
    return data


def test_credentials_are_encrypted_write_only_and_kept_when_left_empty(merchant, shop_a):
    assert merchant.post("/admin/wechat/wechataccount/add/", form()).status_code == 302
    account = WeChatAccount.objects.get(shop=shop_a)
    assert account.secret == "app-secret-1" and account.encoding_aes_key == AES
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret, token FROM wechat_wechataccount WHERE id = %s", [account.pk])
        stored = cursor.fetchone()
    assert all(value.startswith("fernet:") and "app-secret-1" not in value for value in stored)
    page = merchant.get(f"/admin/wechat/wechataccount/{account.pk}/change/").content.decode()
    assert "app-secret-1" not in page and "Token123" not in page and AES not in page
    assert "/wechat/shop-a/callback/" in page  # the server URL to paste into WeChat
    merchant.post(f"/admin/wechat/wechataccount/{account.pk}/change/",
                  form(secret="", token="", encoding_aes_key="", name="新名字"))  # fmt: skip
    account.refresh_from_db()
    assert account.name == "新名字" and account.secret == "app-secret-1" and account.token == "Token123"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"appid": "not-an-appid"}, "AppID 以 wx 开头"),
        ({"token": "a!"}, "Token 为 3–32 位"),
        ({"encoding_aes_key": "short"}, "EncodingAESKey 为 43 位"),
        ({"miniprogram_appid": "wx2222222222222222"}, "必须填写小程序 AppSecret"),
        ({"secret": ""}, "该字段是必填项"),
    ],
)
def test_bad_credentials_are_explained_and_nothing_is_saved(merchant, change, error):
    response = merchant.post("/admin/wechat/wechataccount/add/", form(**change))
    assert response.status_code == 200 and error in response.content.decode()
    assert not WeChatAccount.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_menu_preview_is_what_gets_published(merchant, shop_a, live_server, settings):
    settings.WECHAT_SIMULATOR = True
    settings.WECHAT_SIMULATOR_URL = f"{live_server.url}/wechat-sim"
    merchant.post("/admin/wechat/wechataccount/add/", form(miniprogram_appid="wx2222222222222222",
                                                          miniprogram_secret="mini"))  # fmt: skip
    account = WeChatAccount.objects.get()
    page = merchant.get(f"/admin/wechat/wechataccount/{account.pk}/change/").content.decode()
    preview = json.loads(unescape(re.search(r'<pre class="menu-json"[^>]*>(.*?)</pre>', page, re.S)[1]))
    assert [b["name"] for b in preview["button"]] == ["逛店", "我的订单", "会员中心"]
    assert any(b["type"] == "miniprogram" for b in preview["button"][2]["sub_button"])
    done = merchant.post("/admin/wechat/wechataccount/", {"action": "publish_menu", "_selected_action": [account.pk]},
                         follow=True)  # fmt: skip
    assert "菜单已发布" in done.content.decode()
    assert SimulatorRecord.objects.get(kind="menu").data == preview
    account.refresh_from_db()
    assert account.menu_published_at is not None


@pytest.mark.django_db(transaction=True)
def test_channel_qr_code_is_issued_and_shown(merchant, shop_a, live_server, settings):
    settings.WECHAT_SIMULATOR = True
    settings.WECHAT_SIMULATOR_URL = f"{live_server.url}/wechat-sim"
    merchant.post("/admin/wechat/wechataccount/add/", form())
    bad = merchant.post(
        "/admin/wechat/channelqrcode/add/", {"name": "海报", "scene": "有空格 的", "expire_days": 30}
    )
    assert "场景值为 1–64 位" in bad.content.decode()
    merchant.post("/admin/wechat/channelqrcode/add/", {"name": "门店海报", "scene": "store-1", "is_permanent": "on",
                                                        "expire_days": 30})  # fmt: skip
    qrcode = ChannelQRCode.objects.get()
    merchant.post("/admin/wechat/channelqrcode/", {"action": "issue", "_selected_action": [qrcode.pk]})
    qrcode.refresh_from_db()
    assert qrcode.url.startswith("http://weixin.qq.com/q/")
    page = merchant.get(f"/admin/wechat/channelqrcode/{qrcode.pk}/change/").content.decode()
    assert "<svg" in page
    listing = merchant.get("/admin/wechat/channelqrcode/").content.decode()
    assert "门店海报" in listing


def test_simulator_mode_is_refused_while_the_simulator_is_off(merchant, shop_a, settings):
    settings.WECHAT_SIMULATOR = False
    response = merchant.post("/admin/wechat/wechataccount/add/", form())
    assert response.status_code == 200 and "本地模拟器未开启" in response.content.decode()
    assert not WeChatAccount.objects.exists()
    assert merchant.post("/admin/wechat/wechataccount/add/", form(mode="live")).status_code == 302
