"""What a merchant reads in admin is names, not codes: an order's 来源 (channel and referrer), its
discount lines' rules, the channels' short links, and no 增加 on a settings page a shop has."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketing.models import MarketingSettings
from orders.models import OrderDiscount
from promotions.flash.models import FlashSaleSettings
from promotions.models import FollowerGrant
from shop.models import ShopMember
from tests.factories import MerchantFactory, ShopFactory, ShopperFactory, make_coupon, make_paid_order
from tests.marketing.conftest import make_channel


@pytest.fixture
def merchant(client, merchant_a):
    client.force_login(merchant_a)
    return client


def test_an_orders_source_shows_the_channels_name_and_the_sharers_name(merchant, shop_a):
    make_channel(shop=shop_a, name="宝妈群", code="mama-group")
    sharer = ShopperFactory(nickname="小林")
    order = make_paid_order(shop=shop_a)
    order.channel_code, order.referrer_code = "mama-group", str(sharer.pk)
    order.save(update_fields=["channel_code", "referrer_code"])
    page = merchant.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "宝妈群（mama-group）" in page
    assert f"小林（用户 ID {sharer.pk}）" in page

    order.channel_code, order.referrer_code = "gone-channel", "999999"
    order.save(update_fields=["channel_code", "referrer_code"])
    page = merchant.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "gone-channel" in page and "999999" in page  # unknown: the code itself


def test_discount_lines_show_the_rules_name_and_the_discounts_label(merchant, shop_a):
    order = make_paid_order(shop=shop_a)
    OrderDiscount.objects.create(
        shop=shop_a, order=order, code="coupon", label="满100减10", amount_fen=100, ref="coupon_claim:4"
    )
    OrderDiscount.objects.create(
        shop=shop_a, order=order, code="group_buy", label="拼团价", amount_fen=200, ref="group_buy:1"
    )
    for url in ("/admin/orders/orderdiscount/", f"/admin/orders/order/{order.pk}/change/"):
        page = merchant.get(url).content.decode()
        assert "优惠券" in page and "满100减10" in page and "拼团价" in page, url
        assert "coupon_claim:4" not in page and "group_buy:1" not in page, url
        assert not re.search(r">\s*(coupon|group_buy)\s*<", page), url
    listing = merchant.get("/admin/orders/orderdiscount/")
    choices = [
        c["display"]
        for spec in listing.context["cl"].filter_specs
        for c in spec.choices(listing.context["cl"])
    ]
    assert {"优惠券", "秒杀价", "拼团价"} <= {str(c) for c in choices}
    assert "coupon" not in choices and "group_buy" not in choices
    filtered = merchant.get("/admin/orders/orderdiscount/", {"code": "coupon"}).context["cl"].result_list
    assert [d.label for d in filtered] == ["满100减10"]


def test_the_channel_list_shows_the_whole_short_link(merchant, shop_a, settings):
    make_channel(shop=shop_a, name="宝妈群", code="mama-group")
    settings.PUBLIC_URL = ""
    page = merchant.get("/admin/marketing/channel/").content.decode()
    assert "http://testserver/s/" in page and "/go/mama-group/" in page
    assert 'class="weishop-copy"' in page
    settings.PUBLIC_URL = "https://weishop.example.cn"
    page = merchant.get("/admin/marketing/channel/").content.decode()
    assert re.search(r'class="weishop-copy"[^>]*>https://weishop\.example\.cn/s/[^<]+/go/mama-group/<', page)


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/admin/marketing/marketingsettings/", lambda shop: MarketingSettings.objects.create(shop=shop)),
        ("/admin/promotions/flashsalesettings/", lambda shop: FlashSaleSettings.objects.create(shop=shop)),
    ],
)
def test_no_add_on_a_settings_page_every_shop_of_the_merchant_has(client, shop_a, operator, url, make):
    merchant = MerchantFactory(shop=shop_a)
    client.force_login(merchant)
    add = f"{url}add/"
    assert add in client.get(url).content.decode()  # none yet: 增加
    make(shop_a)
    page = client.get(url).content.decode()
    assert add not in page
    assert client.get(add).status_code == 403

    second = ShopFactory()
    ShopMember.objects.create(shop=second, user=merchant, role=ShopMember.Role.OWNER)
    client.force_login(merchant)
    assert add in client.get(url).content.decode()  # the second shop has none

    client.force_login(operator)
    assert add in client.get(url).content.decode()


def test_follower_grants_fit_a_laptop_screen(merchant, shop_a):
    coupon = make_coupon(shop=shop_a, name="关注礼")
    openid = "oAbCdEfGhIjKlMnOpQrStUvWxYz1"
    FollowerGrant.objects.create(shop=shop_a, appid="wx1234567890abcdef", openid=openid, coupon=coupon)
    response = merchant.get("/admin/promotions/followergrant/")
    page = response.content.decode()
    assert "wx1234567890abcdef" not in page  # the AppID is the shop's own, the same on every row
    assert f">{openid}<" not in page and "oAbCdE…Yz1" in page  # shortened, whole in the tooltip
    assert f'title="{openid}"' in page
    assert "创建时间" in page and "发放时间" in page
    assert len(response.context["cl"].list_display) <= 7


def test_the_order_list_does_as_many_queries_for_many_orders(merchant, shop_a):
    make_channel(shop=shop_a, name="宝妈群", code="mama-group")
    make_paid_order(shop=shop_a)
    with CaptureQueriesContext(connection) as one:
        merchant.get("/admin/orders/order/")
    for _ in range(3):
        make_paid_order(shop=shop_a)
    with CaptureQueriesContext(connection) as four:
        merchant.get("/admin/orders/order/")
    assert len(four) == len(one)
