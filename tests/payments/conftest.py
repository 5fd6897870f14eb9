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


@pytest.fixture
def transfer_config(pay_config):
    """Shop A's account with 商家转账 enabled for scene 1005 (佣金报酬)."""
    pay_config.transfer_scene_id = "1005"
    pay_config.save(update_fields=["transfer_scene_id"])
    return pay_config


@pytest.fixture
def transfer_results():
    """Every (state, reference) the transfer-result port announced during the test."""
    from payments import ports

    seen: list[tuple[str, str]] = []

    def listener(*, transfer):
        seen.append((transfer.state, transfer.reference))

    ports.transfer_result_register(listener)
    yield seen
    ports.transfer_result_unregister(listener)


@pytest.fixture
def transfers_simulated(settings, live_server, transfer_config):
    """The WeChat Pay simulator on a live server, notifying this server (PUBLIC_URL)."""
    settings.WECHATPAY_SIMULATOR = True
    settings.WECHATPAY_SIMULATOR_URL = f"{live_server.url}/wechatpay-sim"
    settings.WECHATPAY_SIMULATOR_FAULT = ""
    settings.PUBLIC_URL = live_server.url
    return live_server
