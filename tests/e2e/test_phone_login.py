"""A shopper in a phone browser (outside WeChat) logs in with a phone number and an SMS code."""

import re

import pytest

from accounts.models import User
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1"
)
PHONE = "13812345678"


def code_of(outbox) -> str:
    return re.search(r"\d{6}", outbox[-1][1]).group()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_phone_code_login(browser, live_server, shop_a, outbox, javascript):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, user_agent=MOBILE_UA, locale="zh-CN",
        java_script_enabled=javascript,
    )  # fmt: skip
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/s/{shop_a.slug}/")
    page.get_by_label("手机号").fill(PHONE)
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_load_state()
    assert "验证码已发送" in page.inner_text("body") and len(outbox) == 1
    assert page.get_by_label("手机号").input_value() == PHONE
    send_button = page.locator("#send-code")
    if javascript:  # the countdown: no second code for 60 seconds
        assert send_button.is_disabled() and "秒后可重新获取" in send_button.inner_text()
    else:
        assert send_button.is_enabled()
    screenshot(page, f"phone-login-{'js' if javascript else 'nojs'}")

    page.get_by_label("验证码").fill(code_of(outbox))
    if javascript:
        page.get_by_label("验证码").press("Enter")  # Enter means "登录", never "获取验证码"
    else:
        page.get_by_role("button", name="登录", exact=True).last.click()
    page.wait_for_url(f"{live_server.url}/s/{shop_a.slug}/")
    assert len(outbox) == 1 and User.objects.filter(phone=PHONE).count() == 1
    context.close()
