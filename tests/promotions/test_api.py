"""The coupon API (promotions/api.py) and the checkout's ``coupon_claim_id``; query counts that do
not grow with the number of coupons."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from catalog.models import Category
from promotions import services
from promotions.models import Coupon, CouponClaim
from tests.factories import AddressFactory, ShopperFactory, make_coupon, make_product, make_red_packet_pool

pytestmark = pytest.mark.django_db
API = "/api/v1/shops/shop-a"


@pytest.fixture
def shopper(db):
    return ShopperFactory(username="buyer")


@pytest.fixture
def api(shopper):
    client = APIClient()
    client.force_authenticate(shopper)
    return client


def test_claimable_coupons_are_public_and_the_same_for_everyone(shop_a, shop_b):
    coupon = make_coupon(shop=shop_a, name="满100减20")
    make_coupon(shop=shop_a, name="发放券", distribution=Coupon.Distribution.SENT)
    make_coupon(shop=shop_b, name="乙的券")
    body = APIClient().get(f"{API}/coupons/").json()
    assert [c["name"] for c in body] == ["满100减20"]
    assert body[0]["id"] == coupon.pk and body[0]["rule_text"] == "满 ¥100 减 ¥20"


def test_product_filter_shows_what_one_would_save(shop_a):
    clothes = Category.objects.create(shop=shop_a, name="服装")
    shirt = make_product(shop=shop_a, title="衬衫", price_fen=12000, category=clothes)
    cup = make_product(shop=shop_a, title="杯子", price_fen=12000)
    make_coupon(shop=shop_a, name="服装券", scope=Coupon.Scope.CATEGORIES, categories=[clothes])
    make_coupon(shop=shop_a, name="九折", kind="percent", rate_percent=90, amount_fen=0, threshold_fen=0)
    body = APIClient().get(f"{API}/coupons/", {"product": shirt.pk}).json()
    assert {c["name"]: c["saving_fen"] for c in body} == {"服装券": 2000, "九折": 1200}
    assert [c["name"] for c in APIClient().get(f"{API}/coupons/", {"product": cup.pk}).json()] == ["九折"]
    assert APIClient().get(f"{API}/coupons/", {"product": 999999}).json()["code"] == "product_not_found"


def test_claim_then_mine_then_the_error_codes(shop_a, api):
    coupon = make_coupon(shop=shop_a, total_quantity=1)
    response = api.post(f"{API}/coupons/{coupon.pk}/claim/")
    assert response.status_code == 201 and response.json()["status"] == "usable"
    again = api.post(f"{API}/coupons/{coupon.pk}/claim/")
    assert (again.status_code, again.json()["code"]) == (409, "coupon_limit_reached")
    other = APIClient()
    other.force_authenticate(ShopperFactory())
    sold = other.post(f"{API}/coupons/{coupon.pk}/claim/")
    assert (sold.status_code, sold.json()["code"]) == (409, "coupon_sold_out")
    assert api.post(f"{API}/coupons/999999/claim/").json()["code"] == "coupon_not_found"
    assert APIClient().post(f"{API}/coupons/{coupon.pk}/claim/").status_code in (401, 403)
    mine = api.get(f"{API}/coupons/mine/").json()["results"]
    assert [c["coupon_id"] for c in mine] == [coupon.pk]
    assert api.get(f"{API}/coupons/mine/", {"status": "used"}).json()["results"] == []
    assert api.get(f"{API}/coupons/mine/", {"status": "nope"}).json()["code"] == "invalid"


def test_my_coupons_carry_their_scope_for_the_use_button(shop_a, api):
    clothes = Category.objects.create(shop=shop_a, name="服装")
    cup = make_product(shop=shop_a, title="杯子", price_fen=12000)
    for coupon in (
        make_coupon(shop=shop_a, name="全店券"),
        make_coupon(shop=shop_a, name="服装券", scope=Coupon.Scope.CATEGORIES, categories=[clothes]),
        make_coupon(shop=shop_a, name="杯子券", scope=Coupon.Scope.PRODUCTS, products=[cup]),
    ):
        assert api.post(f"{API}/coupons/{coupon.pk}/claim/").status_code == 201
    mine = api.get(f"{API}/coupons/mine/").json()["results"]
    assert {c["name"]: (c["scope"], c["category_ids"], c["product_ids"]) for c in mine} == {
        "全店券": ("shop", [], []),
        "服装券": ("categories", [clothes.pk], []),
        "杯子券": ("products", [], [cup.pk]),
    }


def test_checkout_preview_and_order_take_a_claim_or_none(shop_a, shopper, api):
    sku = make_product(shop=shop_a, price_fen=15000, stock=10).skus.get()
    address = AddressFactory(user=shopper)
    claim = services.coupon_claim(shop=shop_a, user=shopper, coupon=make_coupon(shop=shop_a))
    items = [{"sku_id": sku.pk, "quantity": 1}]
    auto = api.post(f"{API}/checkout/preview/", {"items": items}, format="json").json()
    assert auto["discounts"] == [
        {
            "code": "coupon",
            "label": "优惠券 · 满100减20",
            "amount_fen": 2000,
            "ref": f"coupon_claim:{claim.pk}",
        }
    ]
    none = api.post(
        f"{API}/checkout/preview/", {"items": items, "coupon_claim_id": None}, format="json"
    ).json()
    assert none["discounts"] == [] and none["discount_fen"] == 0
    bad = api.post(f"{API}/checkout/preview/", {"items": items, "coupon_claim_id": 999999}, format="json")
    assert (bad.status_code, bad.json()["code"]) == (404, "coupon_not_found")
    body = {"items": items, "address_id": address.pk, "coupon_claim_id": claim.pk}
    order = api.post(f"{API}/orders/", body, format="json")
    assert order.status_code == 201 and order.json()["discount_fen"] == 2000
    used = api.post(f"{API}/orders/", body, format="json")
    assert (used.status_code, used.json()["code"]) == (409, "coupon_used")


def test_red_packet_open(shop_a, api):
    pool = make_red_packet_pool(shop=shop_a)
    token = services.red_packet_share_token(pool)
    response = api.post(f"{API}/red-packets/{token}/open/")
    assert response.status_code == 201 and 100 <= response.json()["amount_fen"] <= 1000
    assert api.post(f"{API}/red-packets/{token}/open/").json()["code"] == "coupon_limit_reached"
    assert api.post(f"{API}/red-packets/bad/open/").json()["code"] == "coupon_not_found"


# ---------------------------------------------------------------- query counts


def _coupons(shop, shopper, n: int) -> None:
    clothes = Category.objects.create(shop=shop, name=f"分类{n}")
    product = make_product(shop=shop, title=f"商品{n}", price_fen=100)
    for i in range(n):
        scope = [
            {},
            {"scope": "categories", "categories": [clothes]},
            {"scope": "products", "products": [product]},
        ]
        coupon = make_coupon(shop=shop, name=f"券{i}", threshold_fen=0, amount_fen=100 + i, **scope[i % 3])
        services.coupon_claim(shop=shop, user=shopper, coupon=coupon)


def _count(django_assert_num_queries, fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


@pytest.mark.parametrize("what", ["claimable", "mine", "preview", "h5_mine", "h5_choose"])
def test_query_counts_do_not_grow_with_the_coupons(
    shop_a, shopper, api, client, what, django_assert_num_queries
):
    sku = make_product(shop=shop_a, price_fen=50000, stock=10).skus.get()
    client.force_login(shopper)
    calls = {
        "claimable": lambda: APIClient().get(f"{API}/coupons/"),
        "mine": lambda: api.get(f"{API}/coupons/mine/"),
        "preview": lambda: api.post(
            f"{API}/checkout/preview/", {"items": [{"sku_id": sku.pk, "quantity": 1}]}, format="json"
        ),
        "h5_mine": lambda: client.get("/s/shop-a/coupons/"),
        "h5_choose": lambda: client.get("/s/shop-a/coupons/choose/", {"sku": sku.pk, "qty": 1}),
    }
    _coupons(shop_a, shopper, 1)
    cache.clear()
    calls[what]()  # warm what is not about coupons (sessions, the shop lookup)
    cache.clear()
    one = _count(django_assert_num_queries, calls[what])
    _coupons(shop_a, shopper, 9)
    cache.clear()
    calls[what]()
    cache.clear()
    ten = _count(django_assert_num_queries, calls[what])
    assert CouponClaim.objects.filter(user=shopper).count() == 10
    assert one == ten, (what, one, ten)
