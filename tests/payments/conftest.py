import pytest

from devtools.wechatpay_sim import keys as simulator
from orders import services as order_services
from payments.models import PaymentAttempt, WeChatPayConfig
from payments.wechat import crypto
from tests.factories import AddressFactory, make_product

APIV3_KEY = "0123456789abcdefghijklmnopqrstuv"  # 32 bytes, as WeChat requires


@pytest.fixture
def pay_config(shop_a):
    merchant_key = crypto.new_private_key()
    WeChatPayConfig.objects.filter(shop=shop_a).delete()  # replaces the factory's stand-in account
    return WeChatPayConfig.objects.create(
        shop=shop_a, mode=WeChatPayConfig.Mode.SIMULATOR, mchid="1900000109", appid="wx8888888888888888", miniprogram_appid="wx9999999999999999",
        merchant_serial_no="5157F09EFDC096DE15EBE81A47057A72", merchant_private_key=crypto.private_pem(merchant_key),
        apiv3_key=APIV3_KEY, **simulator.platform_settings(),
    )  # fmt: skip


@pytest.fixture
def attempt(shop_a, pay_config):
    address = AddressFactory()
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    order = order_services.order_place(
        shop=shop_a, user=address.user, items=[(sku.pk, 1)], address_id=address.pk
    )
    return PaymentAttempt.objects.create(
        shop=shop_a,
        order=order,
        out_trade_no=f"{order.order_no}P01",
        scene="jsapi",
        amount_fen=order.total_fen,
    )
