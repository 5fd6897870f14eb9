"""Share cards: server-signed JS-SDK config, and links that carry the sharer's signed referral
code; a tampered or foreign code is ignored, never an error page."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from devtools.wechat_sim.models import SimulatorRecord
from tests.factories import ShopFactory, ShopperFactory, make_product
from wechat import share

PAGE = "http://testserver/s/shop-a/"


@pytest.mark.django_db
def test_referral_codes_are_signed_per_shop(shop_a, shop_b):
    code = share.referral_code(shop_id=shop_a.pk, shop_slug="shop-a", user_id=42)
    assert share.referral_user_id(code=code, shop_slug="shop-a") == 42
    assert share.referral_user_id(code=code, shop_slug="shop-b") is None  # another shop's code
    assert (
        share.referral_user_id(code=code[:-1] + ("A" if code[-1] != "A" else "B"), shop_slug="shop-a") is None
    )
    assert share.referral_user_id(code=f"{shop_a.pk}.shop-a.1", shop_slug="shop-a") is None  # unsigned
    assert share.referral_user_id(code="", shop_slug="shop-a") is None


@pytest.mark.django_db
def test_a_valid_code_is_remembered_and_a_bad_one_is_ignored(client, shop_a, shop_b):
    """A share link's code is an attribution code: the visit is remembered for checkout
    (``request.attribution``, docs/architecture.md), a bad one leaves nothing."""
    product = make_product(shop=shop_a)
    sharer = ShopperFactory()
    good = share.referral_code(shop_id=shop_a.pk, shop_slug="shop-a", user_id=sharer.pk)
    foreign = share.referral_code(shop_id=shop_b.pk, shop_slug="shop-b", user_id=sharer.pk)
    for code in (good[:-2] + "zz", foreign, "<script>", "x" * 5000):
        response = client.get(f"/s/shop-a/p/{product.pk}/", {"ref": code})
        assert response.status_code == 200 and "ws_attr_shop-a" not in response.cookies
        assert not response.wsgi_request.attribution
    response = client.get(f"/s/shop-a/p/{product.pk}/", {"ref": good})
    assert response.status_code == 200 and "ws_attr_shop-a" in response.cookies
    later = client.get("/s/shop-a/").wsgi_request.attribution
    assert (later.shop_id, later.referrer_code) == (shop_a.pk, str(sharer.pk))
    assert not client.get("/s/shop-b/").wsgi_request.attribution  # never another shop's


@pytest.mark.django_db
def test_anonymous_product_views_with_a_code_write_nothing(client, shop_a, django_assert_max_num_queries):
    product = make_product(shop=shop_a)
    code = share.referral_code(shop_id=shop_a.pk, shop_slug="shop-a", user_id=7)
    client.get(f"/s/shop-a/p/{product.pk}/")  # warm the cache
    with django_assert_max_num_queries(0):
        assert client.get(f"/s/shop-a/p/{product.pk}/", {"ref": code}).status_code == 200


def test_share_link_replaces_only_the_ref_parameter():
    link = share.share_link("http://x.test/s/a/p/1/?from=menu&ref=old#top", code="new")
    assert parse_qs(urlsplit(link).query) == {"from": ["menu"], "ref": ["new"]} and "#" not in link
    assert share.share_link("http://x.test/s/a/?ref=old#top", code=None) == "http://x.test/s/a/?ref=old"


@pytest.mark.django_db(transaction=True)
def test_jssdk_config_is_signed_with_the_ticket_and_shares_the_viewers_code(sim, client, account):
    shopper = ShopperFactory()
    client.force_login(shopper)
    response = client.get("/wechat/shop-a/jssdk/", {"url": PAGE + "?from=menu#frag"})
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    config = response.json()
    ticket = SimulatorRecord.objects.get(kind="jsapi_ticket").key
    plain = f"jsapi_ticket={ticket}&noncestr={config['nonceStr']}&timestamp={config['timestamp']}&url={PAGE}?from=menu"
    assert config["signature"] == hashlib.sha1(plain.encode()).hexdigest()  # noqa: S324
    assert config["appId"] == account.appid and config["script"].endswith("/wechat-sim/jweixin.js")
    ref = parse_qs(urlsplit(config["link"]).query)["ref"][0]
    assert share.referral_user_id(code=ref, shop_slug="shop-a") == shopper.pk


@pytest.mark.django_db
def test_jssdk_config_refuses_foreign_urls_and_shops_without_an_account(client, account):
    evil = client.get("/wechat/shop-a/jssdk/", {"url": "https://evil.example/s/shop-a/"})
    assert (evil.status_code, evil.json()["code"]) == (400, "url_invalid")
    ShopFactory(slug="plain-shop")
    none = client.get("/wechat/plain-shop/jssdk/", {"url": PAGE})
    assert (none.status_code, none.json()["code"]) == (404, "wechat_not_configured")


@pytest.mark.django_db
def test_product_and_home_pages_carry_the_share_card(client, shop_a):
    product = make_product(shop=shop_a, title="羊毛围巾", price_fen=5900)
    page = client.get(f"/s/shop-a/p/{product.pk}/").content.decode()
    assert (
        'id="wx-share"' in page and 'data-title="羊毛围巾"' in page and "¥59" in page and "share.js" in page
    )
    assert 'id="wx-share"' in client.get("/s/shop-a/").content.decode()
