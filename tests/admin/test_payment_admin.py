"""WeChat Pay credentials in admin: validated on save, encrypted at rest, never shown again."""

import re

import pytest

from devtools.wechatpay_sim import keys as simulator
from payments.models import WeChatPayConfig
from payments.wechat import crypto
from tests.factories import make_paid_order


@pytest.fixture
def merchant(client, merchant_a, shop_a):
    WeChatPayConfig.objects.filter(shop=shop_a).delete()  # these tests set the account up themselves
    client.force_login(merchant_a)
    return client


def form(**changes):
    data = {
        "mode": "live", "mchid": "1900000109", "appid": "wx8888888888888888", "miniprogram_appid": "",
        "merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A72",
        "merchant_private_key": crypto.private_pem(crypto.new_private_key()), "apiv3_key": "a" * 32,
        "platform_public_key_id": "PUB_KEY_ID_01", "platform_public_key": crypto.public_pem(crypto.new_private_key().public_key()),
        "platform_certificates": "{}",
    }  # fmt: skip
    data.update(changes)
    return data


def test_valid_credentials_are_saved_encrypted_and_write_only(merchant, shop_a):
    assert merchant.post("/admin/payments/wechatpayconfig/add/", form()).status_code == 302
    config = WeChatPayConfig.objects.get(shop=shop_a)
    assert config.apiv3_key == "a" * 32
    page = merchant.get(f"/admin/payments/wechatpayconfig/{config.pk}/change/").content.decode()
    assert "PRIVATE KEY" not in page and "a" * 32 not in page
    # saving again with the secret boxes empty keeps them
    merchant.post(
        f"/admin/payments/wechatpayconfig/{config.pk}/change/",
        form(merchant_private_key="", apiv3_key="", appid="wxnew"),
    )
    config.refresh_from_db()
    assert (
        config.appid == "wxnew"
        and config.apiv3_key == "a" * 32
        and "PRIVATE KEY" in config.merchant_private_key
    )


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"merchant_private_key": "not a key"}, "商户私钥无法解析"),
        ({"apiv3_key": "short"}, "32 个字符"),
        ({"platform_public_key": "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----"}, "公钥无法解析"),
        ({"platform_public_key": "", "platform_public_key_id": ""}, "生产模式需要"),
    ],
)
def test_bad_credentials_are_clear_errors(merchant, shop_a, change, error):
    response = merchant.post("/admin/payments/wechatpayconfig/add/", form(**change))
    assert response.status_code == 200 and error in response.content.decode()
    assert not WeChatPayConfig.objects.exists()


def test_simulator_mode_needs_no_platform_key_from_the_merchant(merchant, shop_a):
    data = form(mode="simulator", platform_public_key="", platform_public_key_id="")
    data.update({k: v for k, v in simulator.platform_settings().items() if k != "platform_certificates"})
    assert merchant.post("/admin/payments/wechatpayconfig/add/", data).status_code == 302


def test_order_page_shows_payments_and_refunds(client, merchant_a, shop_a):
    """payments adds its inlines to the order page through orders.admin's port: after the order's
    lines, before its after-sales and timeline, as when orders listed them itself."""
    from orders.admin import order_admin_inlines
    from payments.admin import PaymentAttemptInline, RefundInline
    from payments.models import PaymentAttempt, Refund

    names = [inline.__name__ for inline in order_admin_inlines()]
    assert names == [
        "OrderLineInline",
        "OrderDiscountInline",
        "PaymentAttemptInline",
        "RefundInline",
        "AfterSaleInline",
        "OrderEventInline",
    ]
    assert order_admin_inlines().count(PaymentAttemptInline) == 1 and RefundInline in order_admin_inlines()

    order = make_paid_order(shop=shop_a, phone="13812345678", stock=20, title="商品")
    PaymentAttempt.objects.create(shop=shop_a, order=order, out_trade_no=f"{order.order_no}P01", scene="jsapi",
                                  amount_fen=order.total_fen, status="succeeded", transaction_id="4200000123")  # fmt: skip
    Refund.objects.create(shop=shop_a, order=order, provider="wechat", amount_fen=100, status="succeeded")
    client.force_login(merchant_a)
    page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "4200000123" in page and "支付记录" in page and "退款记录" in page and "退款成功" in page
    groups = re.findall(
        r'inline-group" id="([a-z_]+)-group"', page
    )  # the inlines (not the sidebar's groupbuy-group)
    assert groups == ["lines", "discounts", "payments", "refunds", "after_sales", "events"]


def test_simulator_mode_is_refused_while_the_simulator_is_off(merchant, shop_a, settings):
    settings.WECHATPAY_SIMULATOR = False
    data = form(mode="simulator")
    response = merchant.post("/admin/payments/wechatpayconfig/add/", data)
    assert response.status_code == 200 and "本地模拟器未开启" in response.content.decode()
    assert not WeChatPayConfig.objects.exists()
