"""The mini-program end to end, without WeChat: its real pages run in miniprogram-simulate (Node,
jest) against this live server loaded with the demo shop; wx.request goes over HTTP and the phone's
side of WeChat (wx.login, getPhoneNumber, wx.requestSubscribeMessage, wx.requestPayment) is played
by the project's WeChat and WeChat Pay simulators. The Node test logs in, browses, chooses a SKU,
adds it to the cart, places the order and pays; this test then reads the order back."""

from __future__ import annotations

import json
import os
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command

from orders.models import Order, OrderStatus
from payments.models import WeChatPayConfig
from shop.models import Shop
from tests.miniprogram.node import JEST, MINIPROGRAM, node_ready

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_server(live_server, settings):
    node_ready()
    call_command("load_demo", stdout=StringIO())
    settings.WECHAT_SIMULATOR = settings.WECHATPAY_SIMULATOR = True
    settings.WECHAT_SIMULATOR_URL = f"{live_server.url}/wechat-sim"
    settings.WECHATPAY_SIMULATOR_URL = f"{live_server.url}/wechatpay-sim"
    settings.PUBLIC_URL = live_server.url  # where WeChat Pay's notification is sent
    return live_server


def test_a_shopper_buys_and_pays_in_the_mini_program(demo_server, tmp_path):
    shop = Shop.objects.get(slug="demo")
    appid = WeChatPayConfig.objects.get(shop=shop).miniprogram_appid
    out = tmp_path / "e2e.json"
    env = {
        **os.environ,
        "WEISHOP_E2E_BASE": demo_server.url,
        "WEISHOP_E2E_APPID": appid,
        "WEISHOP_E2E_SHOP": shop.slug,
        "WEISHOP_E2E_OUT": str(out),
    }
    run = subprocess.run(
        [str(JEST), "--config", "jest.e2e.config.js", "--runInBand", "--ci", "--forceExit"],
        cwd=MINIPROGRAM, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-8000:]
    seen = json.loads(out.read_text())
    order = Order.objects.get(shop=shop, order_no=seen["order_no"])
    assert order.status == OrderStatus.PAID
    assert order.total_fen == seen["total_fen"]  # what the pages showed is what the order says
    assert order.lines.get().sku_id == seen["sku_id"]
    assert order.user.phone == seen["phone"]  # bound with getPhoneNumber through the simulator
