"""Channels in the merchant's admin: the list with link, QR download and last-7-days figures, the
add form, the printable QR code and the per-day figures page — each only for the merchant's shop."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from marketing import services
from marketing.models import Channel
from tests.factories import make_product
from tests.marketing.conftest import make_channel

CHANGELIST = "/admin/marketing/channel/"


def test_the_list_shows_link_qr_and_recent_figures(client, merchant_a, channel):
    services.channel_visit_record(channel_id=channel.pk, visitor="u1")
    services.channel_stats_flush()
    client.force_login(merchant_a)
    page = client.get(CHANGELIST).content.decode()
    assert (
        "双十二朋友圈" in page
        and "http://testserver/s/shop-a/go/pyq-1212/" in page
        and ">http://testserver/s/shop-a/go/pyq-1212/<" in page  # the whole link, to paste
    )
    assert reverse("admin:marketing_channel_qr", args=[channel.pk]) in page and ">下载<" in page
    assert "7天访问" in page and "渠道数据（按天）" in page


def test_a_merchant_adds_a_product_channel(client, merchant_a, shop_a):
    product = make_product(shop=shop_a, title="甲的商品")
    client.force_login(merchant_a)
    response = client.post(f"{CHANGELIST}add/", {
        "name": "宝妈群", "kind": "group", "code": "mama-1", "target": "product", "product": product.pk,
        "is_active": "on", "note": "",
    })  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    channel = Channel.objects.get(code="mama-1")
    assert (channel.shop, channel.product) == (shop_a, product)
    # a product channel without a product is refused on the form, in Chinese
    response = client.post(
        f"{CHANGELIST}add/", {"name": "x", "kind": "group", "code": "x-1", "target": "product"}
    )
    assert response.status_code == 200 and "请选择商品" in response.content.decode()
    # the code is fixed once the channel exists
    page = client.get(f"{CHANGELIST}{channel.pk}/change/").content.decode()
    assert 'name="code"' not in page and "mama-1" in page and "ch=" in page


@pytest.mark.django_db(transaction=True)  # WeChat is asked once admin's save has committed
def test_an_official_account_channel_without_an_account_says_what_to_do(client, merchant_a):
    client.force_login(merchant_a)
    response = client.post(f"{CHANGELIST}add/", {
        "name": "收银台", "kind": "store_qr", "code": "counter", "target": "official_account", "is_active": "on",
    }, follow=True)  # fmt: skip
    assert "请先配置店铺的公众号" in response.content.decode()
    assert Channel.objects.get(code="counter").qrcode.scene == "counter"


def test_the_printable_qr_code_is_the_merchants_only(client, merchant_a, merchant_b, channel):
    url = reverse("admin:marketing_channel_qr", args=[channel.pk])
    client.force_login(merchant_a)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert 'filename="channel-pyq-1212.png"' in response["Content-Disposition"]
    assert Image.open(io.BytesIO(response.content)).width == 900
    client.force_login(merchant_b)
    assert client.get(url).status_code == 404


def test_the_figures_page(client, merchant_a, merchant_b, shop_b, channel, django_assert_max_num_queries):
    b_channel = make_channel(shop=shop_b, name="乙的朋友圈", code="pyq-b")
    services.channel_visit_record(channel_id=channel.pk, visitor="u1")
    services.channel_visit_record(channel_id=b_channel.pk, visitor="u1")
    url = reverse("admin:marketing_channel_figures")
    client.force_login(merchant_a)
    page = client.get(url).content.decode()
    assert "双十二朋友圈" in page and "乙的朋友圈" not in page and "合计" in page
    for n in range(6):  # more channels and days: the same number of queries
        make_channel(shop=channel.shop, code=f"c{n}")
    # as with one channel: the figures are three grouped queries (+1: the sidebar's 增加 of the
    # one-per-shop settings, shop.admin_base.OnePerShopAdmin)
    with django_assert_max_num_queries(10):
        client.get(url, {"days": "30"})
    client.force_login(merchant_b)
    page = client.get(url).content.decode()
    assert "双十二朋友圈" not in page and "乙的朋友圈" in page
    response = client.get(url, {"channel": channel.pk})  # A's channel through B: back to B's own figures
    assert response.status_code == 302 and response.url == url
