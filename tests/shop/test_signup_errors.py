"""Sign-up shows every problem at once, in plain Chinese (issue 9); money fields speak Chinese too."""

import re

import pytest
from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError

from accounts.models import User
from core.money import YuanFormField
from shop.models import Shop

GOOD = {
    "name": "小新的店",
    "slug": "xiaoxin",
    "username": "xiaoxin",
    "phone": "13900001111",
    "password": "Weishop-2026!",
    "password2": "Weishop-2026!",
}
RAW_DJANGO = ("确保该变量", "这个字段是必填项", "该字段是必填项", "字符(目前字符数", "This password")


@pytest.fixture(autouse=True)
def _clear_rate_limit():
    cache.clear()


def errors(response) -> list[str]:
    return re.findall(r'<(?:em|p) class="err">([^<]+)</(?:em|p)>', response.content.decode())


def test_every_problem_is_shown_at_once_in_chinese(client, shop_a):
    User.objects.create_user(username="taken", password="x")
    response = client.post(
        "/merchant/signup/",
        {
            "name": "",
            "slug": "shop-a",
            "username": "taken",
            "phone": "123",
            "password": "1234",
            "password2": "4321",
        },
    )
    assert response.status_code == 200
    found = errors(response)
    page = response.content.decode()
    for expected in ("请填写店铺名称", "该店铺地址已被使用", "该用户名已被使用", "手机号", "密码太短",
                     "密码不能全是数字", "两次输入的密码不一致"):  # fmt: skip
        assert any(expected in e for e in found), (expected, found)
    assert not any(raw in page for raw in RAW_DJANGO), found
    assert not Shop.objects.filter(slug="shop-a").exclude(pk=shop_a.pk).exists()


def test_empty_form_says_what_each_field_needs(client, db):
    found = errors(client.post("/merchant/signup/", {}))
    for expected in (
        "请填写店铺名称",
        "请填写店铺地址",
        "请填写登录用户名",
        "请设置密码",
        "请再输入一次密码",
    ):
        assert any(expected in e for e in found), (expected, found)
    assert len(found) == 5


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1!", "密码太短：至少需要 8 个字符。"),
        ("password123", "这个密码太常见，容易被猜到，请换一个。"),
        ("83749261", "密码不能全是数字。"),
        ("xiaoxin2026", "密码与用户名太相似，请换一个。"),
    ],
)
def test_each_password_rule_has_clear_chinese_wording(password, message):
    with pytest.raises(ValidationError) as caught:
        validate_password(password, user=User(username="xiaoxin2026"))
    assert message in caught.value.messages


def test_a_common_or_similar_password_is_refused_at_sign_up(client, db):
    found = errors(client.post("/merchant/signup/", {**GOOD, "password": "xiaoxin2026", "password2": "xiaoxin2026",
                                                     "username": "xiaoxin2026"}))  # fmt: skip
    assert "密码与用户名太相似，请换一个。" in found
    assert not Shop.objects.exists()


@pytest.mark.parametrize("value", ["abc", "-1", "1.234", "123456789012.5", "12345678901"])
def test_yuan_errors_are_chinese_sentences(value):
    with pytest.raises(forms.ValidationError) as caught:
        YuanFormField().clean(value)
    for message in caught.value.messages:
        assert message.endswith("。") and not message.endswith(".") and "确认" not in message, message


def test_duplicate_rows_in_an_admin_inline_are_a_chinese_sentence(client, merchant_a):
    from tests.admin.helpers import formset, product_post

    client.force_login(merchant_a)
    data = product_post(title="纯棉T恤")
    data.update(formset("specs", [{"name": "颜色", "values_text": "红", "position": 0},
                                  {"name": "颜色", "values_text": "蓝", "position": 1}]))  # fmt: skip
    page = client.post("/admin/catalog/product/add/", data).content.decode()
    assert "请修正下面重复的数据。" in page and "“规格名”有重复" in page, re.findall(
        r'class="errorlist[^>]*>(.*?)</ul>', page
    )
    assert "请修正重复的数据." not in page and "数据.这个" not in page
