"""A return as the shopper (H5 after-sale page, the API) and the merchant (admin's after-sale page
and list, 退货设置) see and drive it, and the messages the shopper is sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from orders import services
from orders.models import AfterSale, Order, OrderEvent, ReturnSettings
from payments.models import Refund
from tests.factories import MerchantFactory
from tests.orders.test_returns import approve, ask_return, photo, ship_back, shipped_order, sku_of

S = AfterSale.Status
API = "/api/v1/shops/shop-a"


def page_url(after_sale: AfterSale) -> str:
    order = Order.objects.get(pk=after_sale.order_id)
    return f"/s/{order.shop.slug}/orders/{order.order_no}/after-sales/{after_sale.after_sale_no}/"


def api_url(after_sale: AfterSale, tail: str = "") -> str:
    order = Order.objects.get(pk=after_sale.order_id)
    return f"{API}/orders/{order.order_no}/after-sales/{after_sale.after_sale_no}/{tail}"


@pytest.fixture
def order(shop_a):
    return shipped_order(shop_a)


@pytest.fixture
def shopper_client(client, order):
    client.force_login(order.user)
    return client


@pytest.fixture
def api(order):
    client = APIClient()
    client.force_authenticate(order.user)
    return client


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# ---------------------------------------------------------------- the shopper's H5 page


def test_the_shoppers_page_follows_the_return_step_by_step(shopper_client, order, shop_a, merchant_a):
    asked = ask_return(order)
    order_page = shopper_client.get(f"/s/shop-a/orders/{order.order_no}/").content.decode()
    assert page_url(asked) in order_page and "查看售后详情" in order_page

    html = shopper_client.get(page_url(asked)).content.decode()
    assert "待处理" in html and "商家同意" in html and "寄回商品" in html and "超时系统自动同意退货" in html
    assert "退货地址" not in html and 'name="tracking_no"' not in html  # not approved yet
    assert "撤销申请" in html

    approve(asked)
    html = shopper_client.get(page_url(asked)).content.decode()
    assert "待寄回" in html and shop_a.business_address in html and shop_a.service_phone in html
    assert 'name="tracking_no"' in html and 'value="ship"' in html and "超时未填写申请将自动关闭" in html
    order_page = shopper_client.get(f"/s/shop-a/orders/{order.order_no}/").content.decode()
    assert "查看退货地址并填写物流" in order_page

    # a wrong number is said on the form, in Chinese, and nothing moves
    response = shopper_client.post(page_url(asked), {"action": "ship", "carrier": "sf", "tracking_no": "12"})
    assert response.status_code == 200 and "请填写正确的运单号" in response.content.decode()
    response = shopper_client.post(
        page_url(asked), {"action": "ship", "carrier": "", "tracking_no": "SF12345678"}
    )
    assert "请选择快递公司。" in response.content.decode()
    asked.refresh_from_db()
    assert asked.status == S.AWAITING_RETURN

    response = shopper_client.post(
        page_url(asked), {"action": "ship", "carrier": "yto", "tracking_no": "YT9876543210"}
    )
    assert response.status_code == 302 and response["Location"] == page_url(asked)
    assert "退货物流已提交，等待商家收货。" in said(response)
    html = shopper_client.get(page_url(asked)).content.decode()
    assert "待商家收货" in html and "圆通速递 YT9876543210" in html and "超时系统自动确认收货并退款" in html
    assert 'name="tracking_no"' not in html and "撤销申请" not in html

    services.after_sale_return_receive(shop=shop_a, after_sale_no=asked.after_sale_no, actor=merchant_a)
    html = shopper_client.get(page_url(asked)).content.decode()
    assert "已退款" in html and "商家收货" in html


def test_the_page_shows_a_refusal_with_the_merchants_photos(shopper_client, order, shop_a, merchant_a):
    asked = ship_back(approve(ask_return(order)))
    services.after_sale_return_reject(shop=shop_a, after_sale_no=asked.after_sale_no, actor=merchant_a,
                                      reason="吊牌已剪，影响二次销售", photos=[photo()])  # fmt: skip
    html = shopper_client.get(page_url(asked)).content.decode()
    assert "验货未通过" in html and "吊牌已剪，影响二次销售" in html and "验货结果" in html
    assert asked.photos.get().image.url in html and "投诉店铺" in html


def test_the_shopper_withdraws_from_the_page(shopper_client, order):
    asked = approve(ask_return(order))
    response = shopper_client.post(page_url(asked), {"action": "withdraw"})
    assert response.status_code == 302 and "售后申请已撤销。" in said(response)
    asked.refresh_from_db()
    assert asked.status == S.WITHDRAWN
    html = shopper_client.get(page_url(asked)).content.decode()
    assert "已撤销" in html and 'name="tracking_no"' not in html


def test_the_page_is_the_buyers_only(client, order, shop_a):
    asked = approve(ask_return(order))
    assert client.get(page_url(asked)).status_code == 302  # to the login
    other = shipped_order(shop_a)
    client.force_login(other.user)
    assert client.get(page_url(asked)).status_code == 404
    response = client.post(
        page_url(asked), {"action": "ship", "carrier": "sf", "tracking_no": "SF1234567890"}
    )
    assert response.status_code == 404
    # their own order with this after-sale's number
    theirs = page_url(asked).replace(order.order_no, other.order_no)
    assert client.get(theirs).status_code == 404
    asked.refresh_from_db()
    assert asked.status == S.AWAITING_RETURN


def test_the_page_runs_a_fixed_number_of_queries(shopper_client, order):
    asked = ship_back(approve(ask_return(order)))
    shopper_client.get(page_url(asked))
    with CaptureQueriesContext(connection) as few:
        shopper_client.get(page_url(asked))
    for n in range(3):  # more photos and history rows
        asked.photos.create(image=photo(f"{n}.png"))
        asked.events.create(
            shop_id=asked.shop_id, from_status=S.RETURNING, to_status=S.RETURNING, actor_kind="system"
        )
    with CaptureQueriesContext(connection) as more:
        shopper_client.get(page_url(asked))
    assert len(more) == len(few)


# ---------------------------------------------------------------- the API


def test_the_api_shows_the_step_deadline_and_address_and_takes_the_parcel(api, order, shop_a):
    asked = ask_return(order)
    body = api.get(api_url(asked)).json()
    assert (body["status"], body["kind"], body["deadline_action"], body["return_address"]) == (
        "requested", "return_refund", "auto_approve", None,
    )  # fmt: skip
    assert [s["state"] for s in body["steps"]] == ["done", "current", "todo", "todo", "todo"]
    assert body["deadline"] == body["respond_by"]

    approve(asked)
    body = api.get(api_url(asked)).json()
    assert body["status"] == "awaiting_return" and body["deadline_action"] == "auto_close"
    assert body["return_address"] == {
        "name": shop_a.name, "phone": shop_a.service_phone, "address": shop_a.business_address,
    }  # fmt: skip
    assert body["deadline"] == body["ship_back_by"] and body["return_shipment"] is None
    # the order's own detail says the same
    detail = api.get(f"{API}/orders/{order.order_no}/").json()
    assert detail["after_sales"][0]["return_address"] == body["return_address"]

    response = api.post(
        api_url(asked, "return-shipment/"), {"carrier": "sf", "tracking_no": "SF-1"}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "return_tracking_invalid"
    assert "tracking_no" in response.json()["fields"]
    response = api.post(
        api_url(asked, "return-shipment/"), {"carrier": "dhl", "tracking_no": "SF12345678"}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    response = api.post(
        api_url(asked, "return-shipment/"), {"carrier": "sf", "tracking_no": "SF12345678"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "returning" and body["deadline_action"] == "auto_receive"
    assert (
        body["return_shipment"]["carrier_name"] == "顺丰速运"
        and body["return_shipment"]["tracking_no"] == "SF12345678"
    )
    again = api.post(
        api_url(asked, "return-shipment/"), {"carrier": "sf", "tracking_no": "SF12345678"}, format="json"
    )
    assert again.status_code == 409 and again.json()["code"] == "after_sale_not_pending"


def test_the_api_refuses_late_and_foreign_parcels(api, order, shop_a):
    asked = approve(ask_return(order))
    AfterSale.objects.filter(pk=asked.pk).update(ship_back_by=timezone.now() - timedelta(minutes=1))
    late = api.post(
        api_url(asked, "return-shipment/"), {"carrier": "sf", "tracking_no": "SF12345678"}, format="json"
    )
    assert late.status_code == 409 and late.json()["code"] == "return_ship_overdue"
    other = shipped_order(shop_a)
    stranger = APIClient()
    stranger.force_authenticate(other.user)
    assert stranger.get(api_url(asked)).status_code == 404
    response = stranger.post(api_url(asked, "return-shipment/"), {"carrier": "sf", "tracking_no": "SF12345678"},
                             format="json")  # fmt: skip
    assert response.status_code == 404 and response.json()["code"] == "order_not_found"
    asked.refresh_from_db()
    assert asked.status == S.AWAITING_RETURN


def test_the_api_asks_for_lines_on_a_return(api, order):
    response = api.post(f"{API}/orders/{order.order_no}/after-sales/",
                        {"kind": "return_refund", "reason": "不合适", "amount_fen": 100}, format="json")  # fmt: skip
    assert response.status_code == 400 and response.json()["code"] == "return_lines_required"


# ---------------------------------------------------------------- the merchant's admin


@pytest.fixture
def merchant(client, merchant_a):
    client.force_login(merchant_a)
    return client


def admin_page(client, after_sale: AfterSale) -> str:
    response = client.get(f"/admin/orders/aftersale/{after_sale.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def test_admin_drives_a_return_from_its_page(merchant, order, shop_a):
    asked = ask_return(order)
    html = admin_page(merchant, asked)
    assert (
        f"/aftersale/{asked.pk}/approve/" in html and "同意退货" in html and shop_a.business_address in html
    )
    assert "同意并退款" not in html  # a return is not refunded on approval
    response = merchant.post(f"/admin/orders/aftersale/{asked.pk}/approve/")
    assert any("已同意退货" in m for m in said(response))
    asked.refresh_from_db()
    assert asked.status == S.AWAITING_RETURN and not Refund.objects.exists()
    html = admin_page(merchant, asked)
    assert "待寄回" in html and "寄回截止" in html and f"/aftersale/{asked.pk}/receive/" not in html

    ship_back(asked, tracking_no="ZT5544332211")
    html = admin_page(merchant, asked)
    assert "中通快递 ZT5544332211" in html and f"/aftersale/{asked.pk}/receive/" in html
    assert f"/aftersale/{asked.pk}/reject-goods/" in html and "可再次销售" in html
    line = order.lines.get()
    stock = sku_of(order).stock
    response = merchant.post(f"/admin/orders/aftersale/{asked.pk}/receive/", {f"restock_{line.pk}": "3"})
    assert any("2" in m for m in said(response))  # at most the 2 units that came back
    asked.refresh_from_db()
    assert asked.status == S.RETURNING
    response = merchant.post(f"/admin/orders/aftersale/{asked.pk}/receive/", {f"restock_{line.pk}": "２"})
    asked.refresh_from_db()
    assert asked.status == S.RETURNING  # ASCII digits only
    assert merchant.get(f"/admin/orders/aftersale/{asked.pk}/receive/").status_code == 405
    response = merchant.post(f"/admin/orders/aftersale/{asked.pk}/receive/", {f"restock_{line.pk}": "2"})
    assert any("已确认收货" in m and "2 件已加回库存" in m and "已退款" in m for m in said(response))
    asked.refresh_from_db()
    assert asked.status == S.REFUNDED and sku_of(order).stock == stock + 2
    event = Order.objects.get(pk=order.pk).events.get(type=OrderEvent.Type.RETURN_RECEIVED)
    assert event.actor.username == "merchant_a"


def test_admin_refuses_returned_goods_with_a_reason_and_photos(merchant, order):
    asked = ship_back(approve(ask_return(order)))
    form = merchant.get(f"/admin/orders/aftersale/{asked.pk}/reject-goods/").content.decode()
    assert "验货照片" in form and 'enctype="multipart/form-data"' in form
    response = merchant.post(f"/admin/orders/aftersale/{asked.pk}/reject-goods/", {"reason": "不是本店商品"})
    assert response.status_code == 200 and "请上传至少 1 张图片。" in response.content.decode()
    response = merchant.post(
        f"/admin/orders/aftersale/{asked.pk}/reject-goods/",
        {"reason": "不是本店商品", "photos": [photo(), photo("2.png")]},
    )
    assert response.status_code == 302 and any("已拒绝收货" in m for m in said(response))
    asked.refresh_from_db()
    assert asked.status == S.RETURN_REJECTED and asked.photos.count() == 2 and not Refund.objects.exists()
    html = admin_page(merchant, asked)
    assert "验货照片" in html and asked.photos.first().image.url in html
    assert f"/aftersale/{asked.pk}/receive/" not in html


def test_admin_list_filters_by_step_and_deadline(merchant, shop_a):
    waiting = ask_return(shipped_order(shop_a))
    parcel = ship_back(approve(ask_return(shipped_order(shop_a))))
    late = ask_return(shipped_order(shop_a))
    AfterSale.objects.filter(pk=late.pk).update(respond_by=timezone.now() - timedelta(hours=1))
    soon = approve(ask_return(shipped_order(shop_a)))
    AfterSale.objects.filter(pk=soon.pk).update(ship_back_by=timezone.now() + timedelta(hours=5))

    def shown(params) -> set[int]:
        response = merchant.get("/admin/orders/aftersale/", params)
        assert response.status_code == 200
        return {a.pk for a in response.context["cl"].result_list}

    assert shown({"step": "mine"}) == {waiting.pk, parcel.pk, late.pk}
    assert shown({"step": "awaiting_return"}) == {soon.pk}
    assert shown({"step": "returning"}) == {parcel.pk}
    assert shown({"due": "overdue"}) == {late.pk}
    assert shown({"due": "24h"}) == {soon.pk}
    assert shown({"due": "3d"}) == {soon.pk, waiting.pk}  # 48 h to answer
    html = merchant.get("/admin/orders/aftersale/").content.decode()
    assert "步骤" in html and "截止时间" in html and "到期自动同意" in html and "已过期，待系统处理" in html


def test_a_merchant_acts_only_on_their_own_shops_returns(client, shop_a, shop_b, merchant_b, order):
    asked = ship_back(approve(ask_return(order)))
    client.force_login(merchant_b)
    for url, data in (
        (f"/admin/orders/aftersale/{asked.pk}/receive/", {}),
        (f"/admin/orders/aftersale/{asked.pk}/reject-goods/", {"reason": "不行", "photos": [photo()]}),
        (f"/admin/orders/aftersale/{asked.pk}/approve/", {}),
    ):
        assert client.post(url, data).status_code == 404, url
    assert client.get(f"/admin/orders/aftersale/{asked.pk}/reject-goods/").status_code == 404
    asked.refresh_from_db()
    assert asked.status == S.RETURNING and not asked.photos.exists() and not Refund.objects.exists()


def test_return_settings_in_admin(client, shop_a, merchant_a, order):
    asked = ask_return(order)
    shop_a.business_address = ""
    shop_a.save(update_fields=["business_address"])
    client.force_login(merchant_a)
    html = admin_page(client, asked)
    assert "还没有退货地址" in html and "/admin/orders/returnsettings/" in html
    form = client.get("/admin/orders/returnsettings/add/").content.decode()
    assert "退货收件人" in form and "寄回期限（天）" in form and "48 小时" in form
    response = client.post("/admin/orders/returnsettings/add/", {
        "recipient": "李四", "phone": "0571-88886666", "address": "杭州市西湖区文三路 100 号", "ship_back_days": "5",
        "receive_days": "7",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    settings = ReturnSettings.objects.get(shop=shop_a)
    assert (settings.recipient, settings.ship_back_days, settings.receive_days) == ("李四", 5, 7)
    html = client.get(f"/admin/orders/returnsettings/{settings.pk}/change/").content.decode()
    assert "48 小时" in html
    asked = approve(asked)
    assert (
        asked.return_address == "杭州市西湖区文三路 100 号"
        and asked.ship_back_by == asked.handled_at + timedelta(days=5)
    )
    # another merchant's shop is not theirs to set
    other = MerchantFactory(
        shop=shop_a.__class__.objects.create(slug="shop-c", name="丙店"), username="merchant_c"
    )
    client.force_login(other)
    assert client.get(f"/admin/orders/returnsettings/{settings.pk}/change/").status_code in (302, 404)


# ---------------------------------------------------------------- the shopper's messages


@pytest.mark.django_db(transaction=True)
def test_the_shopper_is_told_each_decision(shop_a, merchant_a):
    from tests.factories import simulator_wechat_account
    from wechat.models import Notification, WeChatIdentity

    account = simulator_wechat_account(shop_a, tpl_after_sale="TPL_AFTER_SALE", tpl_refunded="TPL_REFUNDED")
    order = shipped_order(shop_a)
    WeChatIdentity.objects.create(user=order.user, kind="account", appid=account.appid, openid="o-buyer")
    asked = approve(ask_return(order))
    ship_back(asked)
    services.after_sale_return_receive(shop=shop_a, after_sale_no=asked.after_sale_no, actor=merchant_a)
    told = list(Notification.objects.filter(order=order).order_by("pk"))
    assert [(n.event, n.order_event.type) for n in told] == [
        ("after_sale", "return_approved"), ("after_sale", "return_received"), ("refunded", "refunded"),
    ]  # fmt: skip
    first = told[0].data
    assert first["character_string1"]["value"] == asked.after_sale_no
    assert first["thing2"]["value"] == "已同意退货，请寄回商品" and len(first["thing3"]["value"]) <= 20
    # a refused parcel and a closed request are told too
    other = shipped_order(shop_a)
    WeChatIdentity.objects.create(user=other.user, kind="account", appid=account.appid, openid="o-other")
    refused = ship_back(approve(ask_return(other)))
    services.after_sale_return_reject(shop=shop_a, after_sale_no=refused.after_sale_no, actor=merchant_a,
                                      reason="已使用", photos=[photo()])  # fmt: skip
    closed = approve(ask_return(Order.objects.get(pk=other.pk)))
    services.after_sales_close_unreturned_due(now=timezone.now() + timedelta(days=8))
    assert closed.pk
    progress = [n.data["thing2"]["value"] for n in Notification.objects.filter(order=other).order_by("pk")]
    assert progress == [
        "已同意退货，请寄回商品",
        "验货未通过，未退款",
        "已同意退货，请寄回商品",
        "超时未寄回，售后已关闭",
    ]
