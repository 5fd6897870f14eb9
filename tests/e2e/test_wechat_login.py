"""Inside WeChat (phone size, WeChat's user agent) a shopper opens the shop, is signed in through
the simulated OAuth round trip without typing anything, reaches "my orders", and a product page
sets up a share card signed by our server and verified by the (simulated) JS-SDK."""

import pytest

from tests.e2e.conftest import screenshot
from tests.factories import add_image, make_product
from wechat import share
from wechat.models import WeChatAccount, WeChatIdentity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def wechat_shop(live_server, shop_a, settings):
    settings.WECHAT_SIMULATOR = True
    settings.WECHAT_SIMULATOR_URL = f"{live_server.url}/wechat-sim"
    WeChatAccount.objects.create(
        shop=shop_a, mode="simulator", name="甲店", appid="wx1111111111111111", secret="s3cret", token="tok3n"
    )
    return shop_a


def test_silent_login_in_wechat_reaches_my_orders(phone, live_server, wechat_shop):
    phone.goto(f"{live_server.url}/s/{wechat_shop.slug}/")
    # back from the OAuth round trip (the browser keeps authorize's "#wechat_redirect", as in WeChat)
    assert phone.url.split("#")[0] == f"{live_server.url}/s/{wechat_shop.slug}/"
    phone.get_by_role("link", name="订单").click()
    phone.wait_for_url("**/orders/")
    assert "还没有订单" in phone.inner_text("main")
    assert "/accounts/login/" not in phone.url
    identity = WeChatIdentity.objects.get()
    assert identity.appid == "wx1111111111111111"
    phone.get_by_role("link", name="我的").click()
    assert "微信已登录" in phone.inner_text("main")
    screenshot(phone, "wechat-my-orders")


def test_product_page_sets_a_signed_share_card(phone, live_server, wechat_shop):
    product = make_product(shop=wechat_shop, title="羊毛围巾", price_fen=5900)
    add_image(product)
    phone.goto(f"{live_server.url}/s/{wechat_shop.slug}/p/{product.pk}/")
    # A function, not a string: Playwright evals a string predicate in the page, which the CSP refuses.
    phone.wait_for_function("() => window.__wxShare && window.__wxShare.appMessage", timeout=10000)
    assert phone.evaluate("window.__wxConfigError || null") is None  # wx.config's signature verified
    card = phone.evaluate("window.__wxShare.appMessage")
    assert card["title"] == "羊毛围巾" and "¥59" in card["desc"]
    assert card["imgUrl"].startswith(live_server.url) and card["link"].startswith(
        f"{live_server.url}/s/shop-a/p/"
    )
    code = card["link"].split("ref=")[1]
    from urllib.parse import unquote

    sharer = WeChatIdentity.objects.get().user
    assert share.referral_user_id(code=unquote(code), shop_slug="shop-a") == sharer.pk
    screenshot(phone, "wechat-product-share")
