"""What the shopper does and sees: the report link on every shop page, the report form (guests
log in first), 我的投诉 with the operator's note, the suspended shop's notice; the same through the
API (multipart create, list, detail) in the schema."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from complaints import services
from complaints.models import Complaint
from tests.complaints.helpers import complaint_with_order, photo, reporter
from tests.factories import make_paid_order, make_product

pytestmark = pytest.mark.django_db
WECHAT_UA = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50"


def text(response) -> str:
    return response.content.decode()


def test_every_shop_page_links_to_the_report_form(client, shop_a):
    product = make_product(shop=shop_a)
    for url in ("/s/shop-a/", f"/s/shop-a/p/{product.pk}/", "/s/shop-a/categories/", "/s/shop-a/about/"):
        assert 'href="/s/shop-a/complaints/new/"' in text(client.get(url)), url
    client.force_login(reporter())
    assert 'href="/s/shop-a/complaints/"' in text(client.get("/s/shop-a/me/"))  # 个人中心: 我的投诉


def test_a_guest_logs_in_first_and_comes_back(client, shop_a):
    for url in ("/s/shop-a/complaints/new/", "/s/shop-a/complaints/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
        assert response.url.endswith("next=" + url)
    response = client.post("/s/shop-a/complaints/new/", {"kind": "fake", "text": "假货，和图片不一样。"})
    assert response.status_code == 302 and not Complaint.objects.exists()


def test_reporting_from_the_form(client, shop_a):
    user = reporter()
    order = make_paid_order(shop=shop_a, user=user)
    someone_elses = make_paid_order(shop=shop_a)
    client.force_login(user)
    page = text(client.get("/s/shop-a/complaints/new/", HTTP_USER_AGENT=WECHAT_UA))
    for label in ("假货", "不发货", "拒绝退款", "信息不实", "其他"):
        assert label in page
    assert order.order_no in page and someone_elses.order_no not in page
    response = client.post(  # bad input: the form again with the Chinese message, nothing stored
        "/s/shop-a/complaints/new/", {"kind": "fake", "text": "差", "order_no": order.order_no}
    )
    assert response.status_code == 200 and "至少 5 个字" in text(response)
    assert not Complaint.objects.exists()
    response = client.post(
        "/s/shop-a/complaints/new/",
        {"kind": "fake", "text": "收到的是假货，做工和图片完全不一样。", "order_no": order.order_no,
         "photos": [photo(), photo("b.png")]},
    )  # fmt: skip
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response.url == f"/s/shop-a/complaints/{complaint.complaint_no}/"
    assert complaint.order == order and complaint.photos.count() == 2
    detail = text(client.get(response.url))
    assert "待平台处理" in detail and "收到的是假货" in detail and "您提交了投诉" in detail


def test_my_complaints_show_the_state_and_the_operators_note(client, shop_a, operator):
    user = reporter()
    complaint = complaint_with_order(shop_a, user)
    complaint_with_order(shop_a, reporter("other", "13900001111"), text="别人的投诉内容，不该被看到。")
    client.force_login(user)
    listing = text(client.get("/s/shop-a/complaints/", HTTP_USER_AGENT=WECHAT_UA))
    assert complaint.complaint_no in listing and "待平台处理" in listing and "别人的投诉" not in listing
    services.complaint_ask_merchant(complaint_id=complaint.pk, actor=operator, note="给商家的话")
    services.complaint_resolve(complaint_id=complaint.pk, actor=operator, note="已核实，商家已补发并致歉。")
    detail = text(client.get(f"/s/shop-a/complaints/{complaint.complaint_no}/"))
    assert "已处理" in detail and "已核实，商家已补发并致歉。" in detail and "平台已请商家说明情况" in detail
    assert "给商家的话" not in detail  # what the operator told the merchant stays between them
    other = Complaint.objects.exclude(pk=complaint.pk).get()
    assert client.get(f"/s/shop-a/complaints/{other.complaint_no}/").status_code == 404
    assert client.get("/s/shop-a/complaints/?page=x").status_code == 404


def test_a_suspended_shop_shows_the_notice_and_keeps_its_complaint_pages(client, shop_a, operator):
    user = reporter()
    complaint = complaint_with_order(shop_a, user)
    product = make_product(shop=shop_a)
    services.complaint_suspend_shop(complaint_id=complaint.pk, actor=operator, reason="售假，暂停营业。")
    client.force_login(user)
    for url in ("/s/shop-a/", f"/s/shop-a/p/{product.pk}/", "/s/shop-a/checkout/", "/s/shop-a/cart/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "店铺已暂停营业" in text(response) and "暂时无法浏览商品和下单" in text(response), url
    api = APIClient()
    body = api.get("/api/v1/shops/shop-a/products/").json()
    assert body["code"] == "shop_not_found" and "暂停营业" in body["message"]
    detail = text(client.get(f"/s/shop-a/complaints/{complaint.complaint_no}/"))
    assert "平台已暂停该店铺营业" in detail
    assert "该店铺已被平台暂停营业" in text(client.get("/s/shop-a/complaints/"))
    services.complaint_reinstate_shop(complaint_id=complaint.pk, actor=operator)
    assert client.get("/s/shop-a/").status_code == 200


def test_the_api_creates_lists_and_shows(shop_a):
    user = reporter()
    order = make_paid_order(shop=shop_a, user=user)
    api = APIClient()
    assert api.get("/api/v1/shops/shop-a/complaints/").status_code == 401
    api.force_authenticate(user)
    response = api.post(
        "/api/v1/shops/shop-a/complaints/",
        {
            "kind": "refund_refused",
            "text": "申请退款三次都被拒绝。",
            "order_no": order.order_no,
            "photos": [photo()],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (
        body["status"] == "open" and body["kind_label"] == "拒绝退款" and body["order_no"] == order.order_no
    )
    assert len(body["photos"]) == 1 and body["photos"][0].startswith("http")
    assert [e["kind"] for e in body["events"]] == ["submitted"] and body["shop_suspended"] is False
    listed = api.get("/api/v1/shops/shop-a/complaints/").json()
    assert [c["complaint_no"] for c in listed["results"]] == [body["complaint_no"]]
    detail = api.get(f"/api/v1/shops/shop-a/complaints/{body['complaint_no']}/").json()
    assert detail["text"] == "申请退款三次都被拒绝。" and detail["resolution_note"] == ""
    errors = [
        ({"kind": "fake", "text": "差"}, 400, "text_required"),
        ({"kind": "fake", "text": "别人的订单呢？", "order_no": make_paid_order(shop=shop_a).order_no}, 404, "order_not_found"),
        ({"kind": "bad", "text": "类型不对的投诉"}, 400, "invalid"),
    ]  # fmt: skip
    for data, status, code in errors:
        response = api.post("/api/v1/shops/shop-a/complaints/", data, format="multipart")
        assert (response.status_code, response.json()["code"]) == (status, code), data
    response = api.post(
        "/api/v1/shops/shop-a/complaints/", {"kind": "fake", "text": "再投诉一次看看。"}, format="json"
    )
    assert response.status_code == 201
    response = api.post(
        "/api/v1/shops/shop-a/complaints/", {"kind": "fake", "text": "第三次投诉内容。"}, format="json"
    )
    response = api.post(
        "/api/v1/shops/shop-a/complaints/", {"kind": "fake", "text": "第四次投诉内容。"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (429, "complaint_rate_limited")
    other = APIClient()
    other.force_authenticate(reporter("other", "13900001111"))
    assert other.get(f"/api/v1/shops/shop-a/complaints/{body['complaint_no']}/").status_code == 404
    assert other.get("/api/v1/shops/shop-a/complaints/").json()["results"] == []


def test_the_schema_describes_the_complaint_routes(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    create = paths["/api/v1/shops/{shop_slug}/complaints/"]["post"]
    assert "multipart/form-data" in create["requestBody"]["content"]
    assert {"201", "400", "401", "404", "429"} <= set(create["responses"])
    assert "complaint_rate_limited" in create["responses"]["429"]["description"]
    detail = paths["/api/v1/shops/{shop_slug}/complaints/{complaint_no}/"]["get"]
    assert "complaint_not_found" in detail["responses"]["404"]["description"]
