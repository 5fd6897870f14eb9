"""H5 login inside WeChat: silent snsapi_base OAuth from any shop page, against the simulator."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.factories import ShopFactory, ShopperFactory
from tests.wechat.conftest import APPID, WECHAT_UA, local
from wechat.models import WeChatIdentity

pytestmark = pytest.mark.django_db(transaction=True)


def wechat_client(client):
    client.defaults["HTTP_USER_AGENT"] = WECHAT_UA
    return client


def start(client, path: str = "/s/shop-a/orders/"):
    """Open a shop page in WeChat; returns the simulator authorize URL we were sent to."""
    first = client.get(path)
    assert first.status_code == 302 and first["Location"].startswith("/wechat/shop-a/oauth/")
    second = client.get(first["Location"])
    assert second.status_code == 302
    return second["Location"]


def authorize(client, authorize_url: str):
    """What WeChat does: the authorize page sends the browser back with ?code&state."""
    back = client.get(local(authorize_url))
    assert back.status_code == 302
    return back["Location"]


def test_a_shopper_in_wechat_is_logged_in_silently_and_lands_where_they_were(sim, client):
    client = wechat_client(client)
    url = start(client)
    query = parse_qs(urlsplit(url).query)
    # the simulator's authorize page on the host the shopper's browser used (WeChat's in production)
    assert url.startswith("http://testserver/wechat-sim/connect/oauth2/authorize?")
    assert query["scope"] == ["snsapi_base"] and query["appid"] == [APPID] and len(query["state"][0]) >= 32
    assert url.endswith("#wechat_redirect")
    landing = client.get(local(authorize(client, url)))
    assert landing.status_code == 302 and landing["Location"] == "/s/shop-a/orders/"
    page = client.get("/s/shop-a/orders/")
    assert page.status_code == 200 and page.wsgi_request.user.is_authenticated
    identity = WeChatIdentity.objects.get()
    assert identity.appid == APPID and identity.user == page.wsgi_request.user and identity.unionid


def test_the_same_wechat_user_comes_back_as_the_same_shopper(sim, client, django_user_model):
    client = wechat_client(client)
    client.get(local(authorize(client, start(client))))
    first_user = client.get("/s/shop-a/orders/").wsgi_request.user
    client.post("/accounts/logout/")
    client.get(local(authorize(client, start(client))))  # same browser = same simulated WeChat user
    assert client.get("/s/shop-a/orders/").wsgi_request.user == first_user
    assert django_user_model.objects.filter(wechat_identities__isnull=False).count() == 1


def test_a_forged_state_logs_nobody_in(sim, client):
    client = wechat_client(client)
    callback = authorize(client, start(client))
    parts = urlsplit(callback)
    code = parse_qs(parts.query)["code"][0]
    forged = client.get(f"{parts.path}?code={code}&state=forged-state-value")
    assert forged.status_code == 400 and "登录链接已失效" in forged.content.decode()
    assert not forged.wsgi_request.user.is_authenticated and not WeChatIdentity.objects.exists()


def test_a_state_from_another_browser_is_refused(sim, client, django_user_model):
    from django.test import Client

    victim_callback = authorize(wechat_client(client), start(wechat_client(client)))
    attacker = wechat_client(Client())
    response = attacker.get(local(victim_callback))
    assert response.status_code == 400 and not WeChatIdentity.objects.exists()


def test_a_reused_code_is_refused(sim, client):
    client = wechat_client(client)
    callback = authorize(client, start(client))
    assert client.get(local(callback)).status_code == 302  # logged in
    client.post("/accounts/logout/")
    code = parse_qs(urlsplit(callback).query)["code"][0]
    # a fresh, valid state with the old code: WeChat answers 40163 "code been used"
    fresh = parse_qs(urlsplit(start(client)).query)["state"][0]
    replay = client.get(f"/wechat/shop-a/oauth/callback/?code={code}&state={fresh}")
    assert replay.status_code == 400 and "授权码无效或已使用" in replay.content.decode()
    assert not replay.wsgi_request.user.is_authenticated


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]
)
def test_the_return_path_is_always_a_page_of_our_site(sim, client, target):
    client = wechat_client(client)
    sent = client.get("/wechat/shop-a/oauth/", {"next": target})
    callback = authorize(client, sent["Location"])
    landing = client.get(local(callback))
    assert landing.status_code == 302 and landing["Location"] == "/s/shop-a/"


def test_failure_does_not_loop_and_offers_phone_login(sim, client):
    client = wechat_client(client)
    failed = client.get("/wechat/shop-a/oauth/callback/?code=x&state=y")
    assert failed.status_code == 400 and "/accounts/login/" in failed.content.decode()
    assert client.get("/s/shop-a/").status_code == 200  # no redirect back into OAuth for a while


def test_no_redirect_outside_wechat_or_for_shops_without_an_account(sim, client):
    assert client.get("/s/shop-a/").status_code == 200  # a desktop browser
    ShopFactory(slug="plain-shop")
    assert wechat_client(client).get("/s/plain-shop/").status_code == 200


def test_userinfo_is_asked_only_when_the_shopper_chooses_it(sim, client):
    client = wechat_client(client)
    client.get(local(authorize(client, start(client))))
    me = client.get("/s/shop-a/me/")
    assert me.status_code == 200 and "显示我的微信头像和昵称" in me.content.decode()
    ask = client.get(me.context["show_profile_url"])
    consent_url = ask["Location"]
    assert parse_qs(urlsplit(consent_url).query)["scope"] == ["snsapi_userinfo"]
    consent = client.get(local(consent_url))
    assert consent.status_code == 200 and "获得你的公开信息" in consent.content.decode()
    allowed = client.get(consent.context["allow"])
    back = client.get(local(allowed["Location"]))
    assert back["Location"] == "/s/shop-a/me/"
    identity = WeChatIdentity.objects.get()
    assert identity.nickname.startswith("微信用户") and identity.avatar_url.endswith(".svg")
    page = client.get("/s/shop-a/me/").content.decode()
    assert identity.nickname in page and "显示我的微信头像和昵称" not in page


def test_declining_userinfo_keeps_the_shopper_as_they_were(sim, client):
    client = wechat_client(client)
    client.get(local(authorize(client, start(client))))
    user = client.get("/s/shop-a/me/").wsgi_request.user
    consent = client.get(
        local(client.get(client.get("/s/shop-a/me/").context["show_profile_url"])["Location"])
    )
    denied = client.get(consent.context["deny"])
    back = client.get(local(denied["Location"]))
    assert back["Location"] == "/s/shop-a/me/"
    assert client.get("/s/shop-a/me/").wsgi_request.user == user
    assert WeChatIdentity.objects.get().nickname == ""


def test_a_phone_shopper_paying_in_wechat_is_linked_to_their_openid_first(sim, client, shop_a):
    """Signed in by phone, then opening the pay page inside WeChat: we need their openid for JSAPI,
    so the pay page goes through OAuth, which links the identity to the same shopper."""
    from payments.models import WeChatPayConfig
    from payments.wechat import crypto
    from tests.factories import AddressFactory, make_product

    WeChatPayConfig.objects.filter(shop=shop_a).delete()  # replaces the factory's stand-in account
    WeChatPayConfig.objects.create(shop=shop_a, mode="simulator", mchid="1900000109", appid=APPID, merchant_serial_no="S",
                                   merchant_private_key=crypto.private_pem(crypto.new_private_key()),
                                   apiv3_key="k" * 32)  # fmt: skip
    from orders import services

    shopper = ShopperFactory(phone="13800138000")
    sku = make_product(shop=shop_a, price_fen=100, stock=3).skus.get()
    order = services.order_place(shop=shop_a, user=shopper, items=[(sku.pk, 1)],
                                 address_id=AddressFactory(user=shopper).pk)  # fmt: skip
    client = wechat_client(client)
    client.force_login(shopper)
    pay = client.get(f"/s/shop-a/orders/{order.order_no}/pay/")
    assert pay.status_code == 302 and pay["Location"].startswith("/wechat/shop-a/oauth/")
    callback = authorize(client, client.get(pay["Location"])["Location"])
    assert client.get(local(callback))["Location"] == f"/s/shop-a/orders/{order.order_no}/pay/"
    assert WeChatIdentity.objects.get().user == shopper


def test_the_login_page_in_wechat_offers_one_tap_wechat_login(account, client):
    page = wechat_client(client).get("/accounts/login/", {"next": "/s/shop-a/cart/"})
    assert 'id="wechat-login"' in page.content.decode()
    assert page.context["wechat_login_url"].startswith("/wechat/shop-a/oauth/?next=%2Fs%2Fshop-a%2Fcart%2F")
    desktop = client.get("/accounts/login/", {"next": "/s/shop-a/cart/"}, HTTP_USER_AGENT="Mozilla/5.0")
    assert 'id="wechat-login"' not in desktop.content.decode()
