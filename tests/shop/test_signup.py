"""Opening a shop from /merchant/signup/."""

import pytest
from django.core.cache import cache

from accounts.models import User
from shop.models import Shop, ShopMember

GOOD = {
    "name": "小新的店",
    "slug": "xiaoxin",
    "username": "xiaoxin",
    "phone": "13900001111",
    "password": "Weishop-2026!",
    "password2": "Weishop-2026!",
}


@pytest.fixture(autouse=True)
def _clear_rate_limit():
    cache.clear()


def test_signup_creates_account_shop_and_lands_in_admin_with_a_checklist(client, db):
    response = client.post("/merchant/signup/", GOOD)
    assert response.status_code == 302 and response.url == "/admin/"
    shop = Shop.objects.get(slug="xiaoxin")
    assert shop.name == "小新的店" and shop.verification == Shop.Verification.NONE
    member = ShopMember.objects.get(shop=shop)
    assert member.role == ShopMember.Role.OWNER and member.user.username == "xiaoxin" and member.user.is_staff
    page = client.get("/admin/").content.decode()
    assert "开店第一步" in page and "创建商品分类" in page and "/s/xiaoxin/" in page


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"slug": "admin"}, "系统保留"),
        ({"slug": "A b"}, "小写字母"),
        ({"password2": "different-1!"}, "不一致"),
        ({"password": "12345678", "password2": "12345678"}, ""),
        ({"phone": "12345"}, "手机号"),
        ({"name": ""}, ""),
    ],
)
def test_bad_signups_create_nothing(client, db, change, error):
    response = client.post("/merchant/signup/", {**GOOD, **change})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Shop.objects.exists() and not User.objects.exists()


def test_taken_slug_or_username_creates_nothing(client, shop_a):
    users = User.objects.count()
    response = client.post("/merchant/signup/", {**GOOD, "slug": "shop-a"})
    assert "已被使用" in response.content.decode()
    assert Shop.objects.count() == 1 and User.objects.count() == users
    User.objects.create_user(username="xiaoxin", password="x")
    response = client.post("/merchant/signup/", GOOD)
    assert "已被使用" in response.content.decode()
    assert not Shop.objects.filter(slug="xiaoxin").exists()


def test_signups_are_rate_limited_per_ip(client, db):
    for i in range(5):
        client.post("/merchant/signup/", {**GOOD, "slug": f"shop-{i}x", "username": f"user{i}"})
        client.logout()
    response = client.post("/merchant/signup/", {**GOOD, "slug": "one-more", "username": "late"})
    assert "注册太频繁" in response.content.decode()
    assert not Shop.objects.filter(slug="one-more").exists()
