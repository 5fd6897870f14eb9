"""Shopper login outside WeChat: a phone number and a one-time SMS code (/accounts/login/)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import is_password_usable
from django.db.models import F
from django.utils import timezone

from accounts import services
from accounts.models import PhoneLoginCode, User
from core.errors import ApplicationError
from tests.factories import ShopperFactory, make_product

PHONE = "13812345678"
LOGIN = "/accounts/login/"
SEND = "/accounts/login/code/"

pytestmark = pytest.mark.django_db


class FailingBackend:
    """An SMS provider that is down."""

    def send(self, phone: str, message: str) -> None:
        raise ConnectionError("provider unreachable")


def last_code(outbox, phone: str = PHONE) -> str:
    to, message = outbox[-1]
    assert to == phone
    return re.fullmatch(r"【微店】您的登录验证码是 (\d{6})，5 分钟内有效。请勿告诉他人。", message).group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def send(phone: str = PHONE, ip: str | None = "10.0.0.1") -> None:
    services.phone_code_send(phone=phone, ip=ip)


def age_codes(seconds: int) -> None:
    """Let time pass for the rate limits: every code was sent ``seconds`` earlier."""
    PhoneLoginCode.objects.update(created_at=F("created_at") - timedelta(seconds=seconds))


def logged_in_user_id(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def refused(error_code: str, *, code: str) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        services.phone_code_login(phone=PHONE, code=code)
    assert info.value.code == error_code, info.value
    return info.value


# ---------------------------------------------------------------- sending


def test_console_backend_prints_the_code_and_only_its_hash_is_stored(settings, db, capsys):
    settings.SMS_BACKEND = "accounts.sms.ConsoleBackend"
    send()
    out = capsys.readouterr().out
    match = re.search(r"【微店】您的登录验证码是 (\d{6})，5 分钟内有效。请勿告诉他人。", out)
    assert match and PHONE in out
    row = PhoneLoginCode.objects.get()
    assert match.group(1) not in row.code_hash and len(row.code_hash) == 64
    assert row.ip == "10.0.0.1" and row.used_at is None and row.attempts == 0
    assert timedelta(minutes=4, seconds=59) < row.expires_at - row.created_at <= timedelta(minutes=5)


def test_get_code_button_sends_and_keeps_the_phone(client, outbox):
    page = client.get(f"{LOGIN}?next=/s/shop-a/cart/").content.decode()
    assert "获取验证码" in page and f'formaction="{SEND}"' in page and 'name="code"' in page
    assert 'value="/s/shop-a/cart/"' in page
    response = client.post(
        SEND, {"phone": PHONE, "code": "", "next": "/s/shop-a/cart/"}, REMOTE_ADDR="10.1.2.3"
    )
    page = response.content.decode()
    assert response.status_code == 200 and "验证码已发送" in page
    assert f'value="{PHONE}"' in page and 'value="/s/shop-a/cart/"' in page
    assert len(outbox) == 1 and last_code(outbox)
    assert PhoneLoginCode.objects.get().ip == "10.1.2.3"
    assert logged_in_user_id(client) is None


@pytest.mark.parametrize("phone", ["1381234567", "23812345678", "abc", "", "１３８１２３４５６７８"])
def test_invalid_numbers_are_refused(client, outbox, phone):
    with pytest.raises(ApplicationError) as info:
        send(phone)
    assert info.value.code == "phone_invalid"
    page = client.post(SEND, {"phone": phone}).content.decode()
    assert 'class="err"' in page and "验证码已发送" not in page
    assert outbox == [] and not PhoneLoginCode.objects.exists()


def test_one_code_per_number_per_minute(client, outbox):
    send()
    with pytest.raises(ApplicationError) as info:
        send(ip="10.9.9.9")
    assert info.value.code == "code_too_soon" and re.search(r"请 (60|59) 秒后再试", info.value.message)
    age_codes(45)
    page = client.post(SEND, {"phone": PHONE}).content.decode()
    assert re.search(r'<em class="err">验证码已发送，请 1[45] 秒后再试。</em>', page)
    assert len(outbox) == 1
    age_codes(16)
    send()
    assert len(outbox) == 2 and PhoneLoginCode.objects.count() == 2


def test_ten_codes_per_number_per_day(outbox):
    for _i in range(10):
        send()
        age_codes(61)
    with pytest.raises(ApplicationError) as info:
        send()
    assert info.value.code == "rate_limited" and len(outbox) == 10
    age_codes(24 * 3600 - 61 * 10 + 1)  # the first code is now more than a day old
    send()
    assert len(outbox) == 11


def test_thirty_codes_per_ip_per_hour(outbox):
    for n in range(30):
        send(phone=f"1390000{n:04d}", ip="10.0.0.7")
    with pytest.raises(ApplicationError) as info:
        send(phone="13900009999", ip="10.0.0.7")
    assert info.value.code == "rate_limited"
    send(phone="13900009999", ip="10.0.0.8")  # another address is not affected
    age_codes(3601)
    send(phone="13900008888", ip="10.0.0.7")  # nor the same one an hour later
    assert len(outbox) == 32


def test_a_failed_sms_withdraws_the_code(settings, db):
    settings.SMS_BACKEND = "tests.accounts.test_phone_login.FailingBackend"
    with pytest.raises(ApplicationError) as info:
        send()
    assert info.value.code == "sms_failed" and not PhoneLoginCode.objects.exists()


# ---------------------------------------------------------------- logging in


def test_right_code_logs_a_new_shopper_in_and_returns_to_next(client, outbox):
    client.post(SEND, {"phone": PHONE})
    response = client.post(LOGIN, {"phone": PHONE, "code": last_code(outbox), "next": "/s/shop-a/orders/"})
    assert response.status_code == 302 and response.url == "/s/shop-a/orders/"
    user = User.objects.get(phone=PHONE)
    assert logged_in_user_id(client) == user.pk
    assert re.fullmatch(r"m_[a-z0-9]{10}", user.username) and user.nickname == "用户5678"
    assert not is_password_usable(user.password) and not user.is_staff and not user.is_superuser
    assert PhoneLoginCode.objects.get().used_at is not None


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example/", "javascript:alert(1)"]
)
def test_next_never_leaves_the_site(client, outbox, target):
    send()
    response = client.post(f"{LOGIN}?next={target}", {"phone": PHONE, "code": last_code(outbox)})
    assert response.status_code == 302 and response.url == "/"
    send(phone="13900001111")
    response = client.post(
        LOGIN, {"phone": "13900001111", "code": last_code(outbox, "13900001111"), "next": target}
    )
    assert response.status_code == 302 and response.url == "/"


def test_wrong_codes_count_and_the_fifth_kills_the_code(client, outbox):
    send()
    code = last_code(outbox)
    for left in (4, 3, 2, 1):
        response = client.post(LOGIN, {"phone": PHONE, "code": wrong(code)})
        page = response.content.decode()
        assert response.status_code == 200 and f"验证码错误，还可以再试 {left} 次。" in page
        assert f'value="{PHONE}"' in page and f'value="{wrong(code)}"' in page  # input kept
    assert PhoneLoginCode.objects.get().attempts == 4
    error = refused("code_invalid", code=wrong(code))
    assert "次数过多" in error.message and PhoneLoginCode.objects.get().attempts == 5
    page = client.post(LOGIN, {"phone": PHONE, "code": code}).content.decode()
    assert "验证码已失效，请重新获取。" in page  # even the right code: the code is dead
    assert logged_in_user_id(client) is None and not User.objects.exists()


def test_an_expired_code_is_refused(outbox):
    send()
    PhoneLoginCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    refused("code_expired", code=last_code(outbox))
    assert not User.objects.exists()


def test_a_code_works_once(client, outbox):
    send()
    code = last_code(outbox)
    assert client.post(LOGIN, {"phone": PHONE, "code": code}).status_code == 302
    client.logout()
    page = client.post(LOGIN, {"phone": PHONE, "code": code}).content.decode()
    assert "验证码已失效" in page and logged_in_user_id(client) is None
    refused("code_expired", code=code)


def test_a_new_code_replaces_the_previous_one(outbox):
    send()
    first = last_code(outbox)
    age_codes(61)
    send()
    second = last_code(outbox)
    if first != second:
        refused("code_invalid", code=first)
    assert services.phone_code_login(phone=PHONE, code=second).phone == PHONE


def test_no_code_sent_or_code_missing(client, outbox):
    refused("code_expired", code="123456")
    page = client.post(LOGIN, {"phone": PHONE, "code": ""}).content.decode()
    assert "请输入短信验证码。" in page and logged_in_user_id(client) is None


def test_an_existing_shopper_with_that_phone_is_logged_in_not_duplicated(client, outbox):
    older = ShopperFactory(username="old_account", phone=PHONE)
    shopper = ShopperFactory(username="has_phone", phone=PHONE)
    User.objects.filter(pk=older.pk).update(updated_at=timezone.now() - timedelta(days=30))
    send()
    assert client.post(LOGIN, {"phone": PHONE, "code": last_code(outbox)}).status_code == 302
    assert logged_in_user_id(client) == shopper.pk
    assert User.objects.filter(phone=PHONE).count() == 2


@pytest.mark.parametrize("role", ["merchant", "operator"])
def test_a_staff_phone_is_refused(client, outbox, merchant_a, operator, role):
    staff = merchant_a if role == "merchant" else operator
    User.objects.filter(pk=staff.pk).update(phone=PHONE)
    send()
    response = client.post(LOGIN, {"phone": PHONE, "code": last_code(outbox)})
    page = response.content.decode()
    assert response.status_code == 200 and "请从商家后台登录" in page
    assert logged_in_user_id(client) is None
    assert list(User.objects.filter(phone=PHONE)) == [staff]  # and no shopper was made for it
    age_codes(61)
    send()
    refused("phone_staff", code=last_code(outbox))


def test_a_disabled_shopper_is_refused(outbox):
    ShopperFactory(username="banned", phone=PHONE, is_active=False)
    send()
    refused("account_disabled", code=last_code(outbox))
    assert User.objects.filter(phone=PHONE).count() == 1


def test_the_anonymous_cart_survives_phone_login(client, outbox, shop_a):
    sku = make_product(shop=shop_a, title="纯棉T恤", price_fen=5900, stock=5).skus.get()
    client.post("/s/shop-a/cart/add/", {"sku_id": sku.pk, "quantity": 2})
    client.post(SEND, {"phone": PHONE})
    response = client.post(LOGIN, {"phone": PHONE, "code": last_code(outbox), "next": "/s/shop-a/cart/"})
    assert response.url == "/s/shop-a/cart/" and logged_in_user_id(client)
    page = client.get(response.url).content.decode()
    assert "纯棉T恤" in page and 'value="2"' in page and "¥118" in page


# ---------------------------------------------------------------- the development login


def test_dev_login_does_nothing_without_debug(client, settings, outbox):
    settings.DEBUG = False
    page = client.get(LOGIN).content.decode()
    assert "获取验证码" in page and 'name="username"' not in page
    response = client.post(f"{LOGIN}?next=/s/shop-a/orders/", {"username": "someone"})
    assert response.status_code == 200 and "获取验证码" in response.content.decode()
    assert logged_in_user_id(client) is None and not User.objects.filter(username="someone").exists()


def test_dev_login_works_with_debug(client, settings, outbox):
    settings.DEBUG = True
    page = client.get(LOGIN).content.decode()
    assert "获取验证码" in page and 'name="username"' in page
    response = client.post(f"{LOGIN}?next=/s/shop-a/orders/", {"username": "someone"})
    assert response.status_code == 302 and response.url == "/s/shop-a/orders/"
    assert logged_in_user_id(client) == User.objects.get(username="someone").pk


# ---------------------------------------------------------------- admin


def test_codes_are_read_only_for_operators_and_hidden_from_merchants(client, outbox, operator, merchant_a):
    send()
    row = PhoneLoginCode.objects.get()
    client.force_login(merchant_a)
    assert client.get("/admin/accounts/phonelogincode/").status_code == 403
    client.force_login(operator)
    masked = f"{PHONE[:3]}****{PHONE[-4:]}"  # the number only masked (docs/privacy.md#masking)
    page = client.get("/admin/accounts/phonelogincode/").content.decode()
    assert masked in page and PHONE not in page and "10.0.0.1" in page and row.code_hash not in page
    found = client.get("/admin/accounts/phonelogincode/", {"q": PHONE})
    assert list(found.context["cl"].result_list) == [row]  # found by the full number
    page = client.get(f"/admin/accounts/phonelogincode/{row.pk}/change/").content.decode()
    assert (
        masked in page and PHONE not in page and row.code_hash not in page and 'name="attempts"' not in page
    )
    assert client.get("/admin/accounts/phonelogincode/add/").status_code == 403
    client.post(f"/admin/accounts/phonelogincode/{row.pk}/delete/", {"post": "yes"})
    assert PhoneLoginCode.objects.filter(pk=row.pk).exists()
