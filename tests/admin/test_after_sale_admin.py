"""The merchant decides an after-sale on its own page: sees the shopper's photos, approves or
rejects with a reason (through the services), and reads the after-sale's history."""

from __future__ import annotations

import io

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from orders import services
from orders.models import AfterSale, AfterSaleEvent, Order
from tests.factories import AddressFactory, make_product

S = AfterSale.Status


@pytest.fixture
def merchant(client, merchant_a):
    client.force_login(merchant_a)
    return client


def photo(name="瑕疵.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 200), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def after_sale(shop, *, photos=()) -> AfterSale:
    address = AddressFactory()
    sku = make_product(shop=shop, stock=20, price_fen=5000, title=f"商品{Order.objects.count()}").skus.get()
    order = services.order_place(shop=shop, user=address.user, items=[(sku.pk, 1)], address_id=address.pk)
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    return services.after_sale_request(
        order=order,
        user=address.user,
        kind="refund_only",
        reason="收到时已破损",
        amount_fen=1000,
        photos=photos,
    )


def page(client, a: AfterSale) -> str:
    response = client.get(f"/admin/orders/aftersale/{a.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_page_shows_the_shoppers_photos(merchant, shop_a):
    a = after_sale(shop_a, photos=[photo(), photo("2.png")])
    html = page(merchant, a)
    for p in a.photos.all():
        assert f'href="{p.image.url}"' in html and f'src="{p.image.url}"' in html
    assert "买家图片" in html


def test_the_order_page_links_to_its_after_sales(merchant, shop_a):
    a = after_sale(shop_a)
    html = merchant.get(f"/admin/orders/order/{a.order_id}/change/").content.decode()
    assert f"/admin/orders/aftersale/{a.pk}/change/" in html


def test_approve_from_the_page(merchant, shop_a):
    a = after_sale(shop_a)
    html = page(merchant, a)
    assert (
        f"/admin/orders/aftersale/{a.pk}/approve/" in html
        and f"/admin/orders/aftersale/{a.pk}/reject/" in html
    )
    assert merchant.get(f"/admin/orders/aftersale/{a.pk}/approve/").status_code == 405  # a POST only
    response = merchant.post(f"/admin/orders/aftersale/{a.pk}/approve/")
    assert response.status_code == 302 and response["Location"].endswith(f"/aftersale/{a.pk}/change/")
    a.refresh_from_db()
    assert a.status == S.REFUNDED and Order.objects.get(pk=a.order_id).refunded_fen == 1000
    assert any("已同意" in m for m in said(response))
    approved = AfterSaleEvent.objects.get(after_sale=a, to_status=S.REFUNDING)
    assert approved.actor.username == "merchant_a"
    html = page(merchant, a)
    assert f"/aftersale/{a.pk}/approve/" not in html and f"/aftersale/{a.pk}/reject/" not in html  # decided
    assert "售后记录" in html and "退款中" in html  # its own history, read-only

    again = merchant.post(f"/admin/orders/aftersale/{a.pk}/approve/", follow=True)
    assert any("已处理" in m for m in said(again))  # the service's own Chinese refusal


def test_reject_from_the_page_needs_a_reason(merchant, shop_a):
    a = after_sale(shop_a)
    form = merchant.get(f"/admin/orders/aftersale/{a.pk}/reject/").content.decode()
    assert "拒绝原因" in form
    response = merchant.post(f"/admin/orders/aftersale/{a.pk}/reject/", {"reason": "  "})
    assert response.status_code == 200 and "该字段是必填项" in response.content.decode()
    a.refresh_from_db()
    assert a.status == S.REQUESTED
    response = merchant.post(
        f"/admin/orders/aftersale/{a.pk}/reject/", {"reason": "商品完好，照片与实物不符"}
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == S.REJECTED and a.reject_reason == "商品完好，照片与实物不符"
    assert any("已拒绝" in m for m in said(response))
    assert Order.objects.get(pk=a.order_id).events.filter(type="refund_rejected").exists()


def test_merchant_b_cannot_act_on_shop_a(client, merchant_b, shop_a):
    a = after_sale(shop_a, photos=[photo()])
    client.force_login(merchant_b)
    assert client.get(f"/admin/orders/aftersale/{a.pk}/change/").status_code in (302, 404)
    assert client.post(f"/admin/orders/aftersale/{a.pk}/approve/").status_code == 404
    assert client.post(f"/admin/orders/aftersale/{a.pk}/reject/", {"reason": "不行"}).status_code == 404
    assert client.get(f"/admin/orders/aftersale/{a.pk}/reject/").status_code == 404
    a.refresh_from_db()
    assert (
        a.status == S.REQUESTED
        and not AfterSaleEvent.objects.filter(after_sale=a).exclude(to_status=S.REQUESTED).exists()
    )


def test_the_history_cannot_be_edited(merchant, shop_a):
    a = after_sale(shop_a)
    assert merchant.get("/admin/orders/aftersaleevent/").status_code == 404  # only shown on its after-sale
    html = page(merchant, a)
    assert 'name="events-0-message"' not in html and 'name="events-0-to_status"' not in html  # read-only rows
