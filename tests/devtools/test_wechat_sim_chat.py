"""The simulator's chat window: a follower's messages reach the shop's real callback over HTTP,
signed (and AES-encrypted in safe mode), and the replies come back."""

from __future__ import annotations

import pytest
import requests

from tests.wechat.conftest import APPID
from wechat.models import AutoReplyRule, Follower, InboundMessage, QRScan

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("safe", ["1", ""])
def test_a_follower_chats_with_the_shop(sim, account, safe):
    AutoReplyRule.objects.create(shop=account.shop, keyword="订单", reply="查看我的订单：{orders_url}")
    browser = requests.Session()
    url = f"{sim.url}/wechat-sim/chat/{APPID}/"
    assert browser.get(url).status_code == 200
    browser.post(url, data={"action": "subscribe", "scene": "store-counter", "safe": safe})
    browser.post(url, data={"action": "text", "text": "我的订单", "safe": safe})
    page = browser.get(url).text
    assert "欢迎关注甲店" in page and f"{sim.url}/s/shop-a/orders/" in page
    follower = Follower.objects.get()
    assert follower.is_subscribed and follower.first_scene == "store-counter"
    assert QRScan.objects.get().scene == "store-counter"
    assert InboundMessage.objects.filter(msg_type="text", content="我的订单").count() == 1
    browser.close()


def test_unknown_appid_is_404(sim):
    assert requests.get(f"{sim.url}/wechat-sim/chat/wx0000000000000000/", timeout=5).status_code == 404
