"""A one-shop merchant never sees the shop field, so an error the model reports on ``shop`` (the
shop already has its one WeChat Pay config / official account) must be a form error, not a 500."""

from __future__ import annotations

from devtools.wechatpay_sim import keys as simulator
from payments.models import WeChatPayConfig
from payments.wechat import crypto
from wechat.models import WeChatAccount


def pay_form(**changes) -> dict[str, str]:
    data = {
        "mode": "simulator", "mchid": "1900000109", "appid": "wx8888888888888888", "miniprogram_appid": "",
        "merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A72",
        "merchant_private_key": crypto.private_pem(crypto.new_private_key()), "apiv3_key": "a" * 32,
        "platform_certificates": "{}",
    }  # fmt: skip
    data.update({k: v for k, v in simulator.platform_settings().items() if k != "platform_certificates"})
    data.update(changes)
    return data


def test_second_wechat_pay_config_is_a_chinese_form_error(client, merchant_a, shop_a):
    WeChatPayConfig.objects.filter(shop=shop_a).delete()  # the factory's simulator account
    client.force_login(merchant_a)
    assert client.post("/admin/payments/wechatpayconfig/add/", pay_form()).status_code == 302
    response = client.post("/admin/payments/wechatpayconfig/add/", pay_form(mchid="1900000110"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors and "已有" in errors[0]
    assert list(WeChatPayConfig.objects.filter(shop=shop_a).values_list("mchid", flat=True)) == ["1900000109"]


def test_second_wechat_account_is_a_chinese_form_error(client, merchant_a, shop_a):
    WeChatAccount.objects.create(shop=shop_a, appid="wx1111111111111111", secret="s", token="tok")
    client.force_login(merchant_a)
    response = client.post(
        "/admin/wechat/wechataccount/add/",
        {"mode": "simulator", "name": "又一个", "appid": "wx2222222222222222", "secret": "s", "token": "tok2",
         "miniprogram_home": "pages/index/index"},
    )  # fmt: skip
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors and "已有" in errors[0]
    assert WeChatAccount.objects.filter(shop=shop_a).count() == 1


def test_two_shop_merchant_sees_the_error_on_the_shop_field(client, shop_a, shop_b, merchant_a):
    WeChatPayConfig.objects.filter(shop__in=[shop_a, shop_b]).delete()  # the factory's simulator accounts
    from shop.models import ShopMember

    ShopMember.objects.create(shop=shop_b, user=merchant_a, role=ShopMember.Role.OWNER)
    client.force_login(merchant_a)
    assert client.post("/admin/payments/wechatpayconfig/add/", pay_form(shop=shop_a.pk)).status_code == 302
    response = client.post("/admin/payments/wechatpayconfig/add/", pay_form(shop=shop_a.pk, mchid="2"))
    assert response.status_code == 200
    assert "已有" in str(response.context["adminform"].form.errors["shop"])
    assert client.post("/admin/payments/wechatpayconfig/add/", pay_form(shop=shop_b.pk)).status_code == 302
