"""Genuine links: a shop page opened from a valid signed link of the shop (this request's touch or
the remembered one) shows which verified shop it is (已认证 · <the verified company name>), or the
shop's unverified state, honestly; unsigned, tampered and foreign-shop codes show nothing and never
attribute. Pages cached for every visitor never carry one visitor's banner to another."""

from __future__ import annotations

import pytest
from django.test import Client

from core.attribution import attribution_sign
from marketing.middleware import MARKER
from shop.models import Shop
from tests.factories import make_product

BANNER = 'class="msgs genuine"'


def code(shop, kind: str = "ch", value: str = "pyq-1212") -> str:
    return attribution_sign(kind=kind, shop_id=shop.pk, shop_slug=shop.slug, value=value)


@pytest.fixture
def verified(shop_a) -> Shop:
    Shop.objects.filter(pk=shop_a.pk).update(verification=Shop.Verification.VERIFIED)
    shop_a.refresh_from_db()
    return shop_a


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_a_page_opened_from_a_signed_link_shows_the_verified_shop(client, verified):
    page = html(client.get("/s/shop-a/", {"ch": code(verified)}))
    assert BANNER in page and "已认证 · 示例商贸有限公司" in page
    assert MARKER not in page
    # remembered: the next pages of the visit show it too
    assert "已认证 · 示例商贸有限公司" in html(client.get("/s/shop-a/categories/"))
    # a referral link is a signed link as well
    assert BANNER in html(Client().get("/s/shop-a/", {"ref": code(verified, "ref", "42")}))


def test_an_unverified_shop_says_so(client, shop_a):
    page = html(client.get("/s/shop-a/", {"ch": code(shop_a)}))
    assert BANNER in page and "该店铺尚未通过平台认证" in page and "已认证 ·" not in page


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"ch": "pyq-1212"},  # unsigned
        {"ch": "tampered"},  # replaced below with a tampered code
        {"ch": "foreign"},  # replaced below with shop B's code
        {"ref": "1.shop-a.42:forged"},
    ],
)
def test_no_banner_without_a_genuine_code(client, verified, shop_b, query):
    if query.get("ch") == "tampered":
        good = code(verified)
        query = {"ch": good[:-2] + ("xx" if not good.endswith("xx") else "yy")}
    elif query.get("ch") == "foreign":
        query = {"ch": code(shop_b)}
    response = client.get("/s/shop-a/", query)
    page = html(response)
    assert BANNER not in page and MARKER not in page
    assert not response.wsgi_request.attribution
    assert "ws_attr_shop-a" not in response.cookies


def test_another_shops_code_shows_nothing_on_this_shop(client, verified, shop_b):
    html(client.get("/s/shop-b/", {"ch": code(shop_b)}))  # shop B's touch is B's only
    assert BANNER not in html(client.get("/s/shop-a/"))
    assert BANNER in html(client.get("/s/shop-b/"))


def test_cached_pages_never_carry_one_visitors_banner_to_another(verified):
    product = make_product(shop=verified)
    url = f"/s/shop-a/p/{product.pk}/"
    first = Client()
    assert BANNER in html(first.get(url, {"ch": code(verified)}))  # this fills the page cache
    assert BANNER not in html(Client().get(url))  # the same cached page, no banner
    assert BANNER in html(first.get(url))  # the first visitor still has theirs (remembered)
    home = Client()
    assert BANNER not in html(home.get("/s/shop-a/"))  # cached without
    home.get("/s/shop-a/", {"ch": code(verified)})
    assert BANNER in html(home.get("/s/shop-a/"))  # the same cached home page, with the banner


def test_the_banner_costs_an_anonymous_page_no_query(client, verified, django_assert_max_num_queries):
    product = make_product(shop=verified)
    url = f"/s/shop-a/p/{product.pk}/"
    client.get(url, {"ch": code(verified)})  # warm the page, the shop and its channel profile
    client.cookies.clear()
    with django_assert_max_num_queries(0):
        page = html(client.get(url, {"ch": code(verified)}))
    assert "已认证 · 示例商贸有限公司" in page


def test_a_logged_in_shoppers_pages_show_it_too(client, verified, shopper):
    client.force_login(shopper)
    product = make_product(shop=verified)
    page = html(client.get(f"/s/shop-a/p/{product.pk}/", {"ch": code(verified)}))
    assert BANNER in page
    assert BANNER in html(client.get("/s/shop-a/cart/"))


def test_api_answers_are_left_alone(verified):
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v1/shops/shop-a/", HTTP_X_WEISHOP_ATTRIBUTION=f"ch={code(verified)}")
    assert response.status_code == 200 and BANNER not in response.content.decode()
