"""Shoppers who hit a wall on the H5 pages (issue 9): every tap gets a visible Chinese answer."""

import re

import pytest

from catalog.services import product_sync_summary
from orders import services
from orders.models import AfterSale, Order, OrderStatus
from tests.factories import AddressFactory, ShopperFactory, add_image, make_product, product_with_matrix


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def matrix(shop_a):
    return product_with_matrix(shop=shop_a, colors=("红", "蓝"), sizes=("S", "M"), price_fen=5900, stock=2)


def test_adding_without_a_spec_comes_back_to_the_product_page_with_a_clear_message(client, matrix):
    url = f"/s/shop-a/p/{matrix.pk}/"
    for extra in ({}, {"buy_now": "1"}):
        response = client.post(
            "/s/shop-a/cart/add/", {"sku_id": "", "product": matrix.pk, "quantity": "1", "back": url, **extra}
        )
        assert response.status_code == 302 and response.url.split("?")[0] == url
        page = text(client.get(response.url))
        assert "请先选择规格：颜色 / 尺码" in page
        assert "不存在" not in page  # not the "no such SKU" wording


def test_an_over_stock_quantity_keeps_the_chosen_sku_and_says_the_stock(client, matrix):
    url = f"/s/shop-a/p/{matrix.pk}/"
    sku = matrix.skus.get(spec_text="颜色:蓝 尺码:M")
    response = client.post("/s/shop-a/cart/add/", {"sku_id": sku.pk, "quantity": "5", "back": url})
    assert response.status_code == 302 and response.url.startswith(url)
    page = text(client.get(response.url))
    assert "库存只剩 2 件" in page
    assert re.search(rf'<option value="{sku.pk}" selected>', page), "the chosen SKU is kept"
    assert 'name="quantity" value="5"' in page
    # A later, plain visit is back to "choose a spec" (and the cached page never keeps a choice).
    assert "selected" not in text(client.get(url)).split('id="buy-sku"')[1].split("</select>")[0]


def test_product_page_has_a_visible_hint_above_the_buy_bar(client, matrix):
    page = text(client.get(f"/s/shop-a/p/{matrix.pk}/"))
    assert 'id="buy-hint"' in page and 'role="alert"' in page


@pytest.fixture
def shopper(db):
    return ShopperFactory(username="buyer")


def _shipped_order(shop, shopper, sku, tracking="SF1234567"):
    order = services.order_place(
        shop=shop, user=shopper, items=[(sku.pk, 1)], address_id=AddressFactory(user=shopper).pk
    )
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    services.order_ship(shop=shop, order_no=order.order_no, carrier="sf", tracking_no=tracking, actor=None)
    return Order.objects.get(pk=order.pk)


def test_order_list_cards_show_thumbnails_at_a_fixed_query_count(
    client, shop_a, shopper, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    product = make_product(shop=shop_a, title="带图商品", price_fen=5900, stock=50)
    add_image(product)
    product_sync_summary(product=product)  # the image becomes the cover the order line copies
    sku = product.skus.get()
    address = AddressFactory(user=shopper)
    client.force_login(shopper)
    counts = []
    for total in (1, 5):
        while Order.objects.filter(user=shopper).count() < total:
            services.order_place(shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=address.pk)
        client.get("/s/shop-a/orders/")
        with CaptureQueriesContext(connection) as ctx:
            page = text(client.get("/s/shop-a/orders/"))
        counts.append(len(ctx.captured_queries))
        assert len(re.findall(r'<img class="thumb" src="[^"]+\.jpg"', page)) == total
    assert counts[0] == counts[1], counts


def test_confirm_receipt_asks_first_and_works_without_javascript(client, shop_a, shopper):
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    order = _shipped_order(shop_a, shopper, sku)
    client.force_login(shopper)
    page = text(client.get(f"/s/shop-a/orders/{order.order_no}/"))
    confirm = re.search(r'<details class="confirm"[^>]*>(.*?)</details>', page, re.S)
    assert confirm, "确认收货 opens a confirmation step (a <details>, no JavaScript needed)"
    assert "确认收货" in confirm.group(1) and "确认已收到" in confirm.group(1)
    assert 'name="action" value="confirm"' in confirm.group(1)
    assert 'value="confirm"' not in page.replace(confirm.group(0), "")  # no one-tap confirm elsewhere
    client.post(f"/s/shop-a/orders/{order.order_no}/", {"action": "confirm"})
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED


def test_after_sale_button_hides_while_a_request_is_open(client, shop_a, shopper):
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    order = _shipped_order(shop_a, shopper, sku)
    client.force_login(shopper)
    url = f"/s/shop-a/orders/{order.order_no}/"
    assert "申请售后</a>" in text(client.get(url))
    services.after_sale_request(
        order=order, user=shopper, kind="refund_only", reason="不合适", amount_fen=500
    )
    page = text(client.get(url))
    assert "申请售后</a>" not in page
    assert "售后处理中" in page and "待处理" in page
    # The form itself says so too, instead of a form that can only fail.
    response = client.get(f"{url}after-sale/")
    assert response.status_code == 302 and response.url == url
    assert "该订单已有处理中的售后申请" in text(client.get(url))
    after_sale = AfterSale.objects.get()
    services.after_sale_withdraw(order=order, user=shopper, after_sale_no=after_sale.after_sale_no)
    assert "申请售后</a>" in text(client.get(url))


def test_cart_quantity_box_and_update_button_are_styled(client, shop_a, shopper):
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    client.post("/s/shop-a/cart/add/", {"sku_id": sku.pk, "quantity": "1"})
    page = text(client.get("/s/shop-a/cart/"))
    assert 'class="qtyin"' in page and 'class="btn ghost mini"' in page


def test_after_sale_type_radios_sit_with_their_labels(client, shop_a, shopper):
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    order = _shipped_order(shop_a, shopper, sku)
    client.force_login(shopper)
    page = text(client.get(f"/s/shop-a/orders/{order.order_no}/after-sale/"))
    assert re.search(r'<label[^>]*><input type="radio" name="kind"[^>]*>\s*仅退款</label>', page)
    assert 'class="choices"' in page


def test_an_unshipped_order_offers_only_a_refund(client, shop_a, shopper):
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    order = services.order_place(
        shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=AddressFactory(user=shopper).pk
    )
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    client.force_login(shopper)
    page = text(client.get(f"/s/shop-a/orders/{order.order_no}/after-sale/"))
    assert "仅退款" in page and "退货退款" not in page


def test_no_after_sale_button_for_an_unpaid_order(client, shop_a, shopper):
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    order = services.order_place(
        shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=AddressFactory(user=shopper).pk
    )
    client.force_login(shopper)
    assert "申请售后" not in text(client.get(f"/s/shop-a/orders/{order.order_no}/"))
    response = client.get(f"/s/shop-a/orders/{order.order_no}/after-sale/")
    assert response.status_code == 302 and "不能申请售后" in text(client.get(response.url))


def test_cancel_and_withdraw_ask_first_too(client, shop_a, shopper):
    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    unpaid = services.order_place(
        shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=AddressFactory(user=shopper).pk
    )
    client.force_login(shopper)
    page = text(client.get(f"/s/shop-a/orders/{unpaid.order_no}/"))
    confirms = re.findall(r'<details class="confirm[^"]*">(.*?)</details>', page, re.S)
    assert any('value="cancel"' in c and "确定取消这笔订单吗" in c for c in confirms)
    assert page.count('value="cancel"') == 1
    shipped = _shipped_order(shop_a, shopper, sku, tracking="SF7654321")
    services.after_sale_request(
        order=shipped, user=shopper, kind="refund_only", reason="不合适", amount_fen=500
    )
    page = text(client.get(f"/s/shop-a/orders/{shipped.order_no}/"))
    confirms = re.findall(r'<details class="confirm[^"]*">(.*?)</details>', page, re.S)
    assert any('value="withdraw"' in c and "确定撤销这次售后申请吗" in c for c in confirms)
    assert page.count('value="withdraw"') == 1


def test_a_sold_out_product_says_so_on_the_buy_bar(client, shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红",), sizes=("S", "M"), price_fen=5900, stock=0)
    page = text(client.get(f"/s/shop-a/p/{product.pk}/"))
    bar = page.split('id="buy-form"')[1].split("</form>")[0]
    assert re.search(r'<button type="button" class="btn" disabled>已售罄</button>', bar)
    assert "加入购物车" not in bar and "立即购买" not in bar
