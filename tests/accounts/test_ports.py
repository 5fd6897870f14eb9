"""The accounts ports (accounts/ports.py): wechat adds its one-tap login link and the member
centre's WeChat part from ``WeChatConfig.ready()``; accounts never imports wechat."""

from __future__ import annotations

from django.test import RequestFactory

from accounts import ports
from wechat.views import member_centre_context, wechat_login_url


def test_wechat_registers_its_login_link_and_member_centre_section():
    assert wechat_login_url in ports.login_links
    assert member_centre_context in ports.me_contexts


def test_the_first_login_link_that_applies_wins_and_none_is_empty():
    request = RequestFactory().get("/accounts/login/")
    saved = list(ports.login_links)
    try:
        ports.login_links[:] = []
        assert ports.login_link(request, "/s/demo/") == ""
        ports.login_link_register(lambda request, next_path: "")
        ports.login_link_register(lambda request, next_path: f"/sso/?next={next_path}")
        ports.login_link_register(lambda request, next_path: "/never/")
        assert ports.login_link(request, "/s/demo/") == "/sso/?next=/s/demo/"
    finally:
        ports.login_links[:] = saved


def test_orders_registers_the_cart_merge_as_a_login_hook():
    from orders.services import cart_merge_session

    assert cart_merge_session in ports.login_hooks
