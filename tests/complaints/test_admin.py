"""Complaints in admin: the operator's queue and its steps, the merchant's side without the
reporter's identity, and the complaint counts of the operator's shop list in one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, ShopWarning
from shop.models import Shop
from tests.complaints.helpers import complaint_with_order, photo, reporter
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db


def page(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def change_url(complaint) -> str:
    return reverse("admin:complaints_complaint_change", args=[complaint.pk])


def step_url(complaint, step) -> str:
    return reverse("admin:complaints_complaint_step", args=[complaint.pk, step])


def test_the_operators_queue_shows_the_shops_details_and_only_a_masked_contact(client, shop_a, operator):
    Shop.objects.filter(pk=shop_a.pk).update(
        company_name="甲店贸易有限公司",
        licence_no="91310000MA1X",
        business_address="上海市黄浦区 1 号",
        service_phone="021-12345678",
    )
    user = reporter()
    complaint = complaint_with_order(shop_a, user, photos=[photo()])
    client.force_login(operator)
    listing = page(client, reverse("admin:complaints_complaint_changelist"))
    assert complaint.complaint_no in listing and "138****5678" in listing
    detail = page(client, change_url(complaint))
    for shown in ("甲店贸易有限公司", "91310000MA1X", "上海市黄浦区 1 号", "021-12345678", "138****5678",
                  complaint.order.order_no, "请商家答复", "处理完结", "警告店铺", "暂停店铺营业"):  # fmt: skip
        assert shown in detail, shown
    for hidden in ("13812345678", user.username, "爱买的顾客"):
        assert hidden not in detail and hidden not in listing, hidden


def test_the_operator_takes_every_step_from_the_page(client, shop_a, operator):
    complaint = complaint_with_order(shop_a, reporter())
    client.force_login(operator)
    assert client.post(step_url(complaint, "ask"), {"ask-note": "请说明"}).status_code == 302
    assert client.post(step_url(complaint, "warn"), {"warn-reason": "请按时发货。"}).status_code == 302
    assert ShopWarning.objects.get().shop == shop_a
    client.post(step_url(complaint, "suspend"), {"suspend-reason": "投诉属实，暂停营业。"})
    assert not Shop.objects.get(pk=shop_a.pk).is_active
    assert "恢复店铺营业" in page(client, change_url(complaint))
    client.post(step_url(complaint, "reinstate"), {"reinstate-note": ""})
    assert Shop.objects.get(pk=shop_a.pk).is_active
    response = client.post(
        step_url(complaint, "resolve"), {"resolve-note": ""}, follow=True
    )  # the note is required
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()
    assert Complaint.objects.get().status == "waiting_merchant"
    client.post(step_url(complaint, "resolve"), {"resolve-note": "已核实处理，商家已补发。"})
    complaint.refresh_from_db()
    assert complaint.status == "resolved"
    assert list(complaint.events.values_list("kind", flat=True)) == [
        "submitted", "asked_merchant", "warned", "suspended", "reinstated", "resolved",
    ]  # fmt: skip


def test_the_merchant_sees_only_what_was_put_to_them_without_the_reporter(
    client, shop_a, merchant_a, operator
):
    user = reporter()
    waiting = complaint_with_order(shop_a, user, photos=[photo()])
    not_yet = complaint_with_order(shop_a, reporter("second", "13700007777"), text="还没转给商家的投诉。")
    services.complaint_ask_merchant(complaint_id=waiting.pk, actor=operator)
    client.force_login(merchant_a)
    listing = page(client, reverse("admin:complaints_complaint_changelist"))
    assert waiting.complaint_no in listing and not_yet.complaint_no not in listing
    assert client.get(change_url(not_yet)).status_code in (302, 404)
    detail = page(client, change_url(waiting))
    assert "138****5678" in detail and "答复平台" in detail and "处理完结" not in detail
    for hidden in ("13812345678", user.username, "爱买的顾客"):
        assert hidden not in detail and hidden not in listing, hidden
    # searching by the reporter's phone tells nothing
    found = client.get(reverse("admin:complaints_complaint_changelist"), {"q": "13812345678"})
    assert list(found.context["cl"].result_list) == []
    # the merchant may answer, never resolve, warn or suspend
    for step, field in (
        ("resolve", "resolve-note"),
        ("warn", "warn-reason"),
        ("suspend", "suspend-reason"),
        ("ask", "ask-note"),
    ):
        assert (
            client.post(step_url(waiting, step), {field: "我自己处理好了，没有问题。"}).status_code == 403
        ), step
    assert (
        client.post(step_url(waiting, "answer"), {"answer-answer": "已补发，单号 SF1234567。"}).status_code
        == 302
    )
    waiting.refresh_from_db()
    assert waiting.status == "answered" and waiting.merchant_answer == "已补发，单号 SF1234567。"
    assert Shop.objects.get(pk=shop_a.pk).is_active


def test_another_shops_merchant_cannot_act(client, shop_a, merchant_b, operator):
    complaint = complaint_with_order(shop_a, reporter())
    services.complaint_ask_merchant(complaint_id=complaint.pk, actor=operator)
    client.force_login(merchant_b)
    assert (
        client.post(step_url(complaint, "answer"), {"answer-answer": "替甲店答复一下。"}).status_code == 404
    )
    assert Complaint.objects.get().status == "waiting_merchant"


def test_the_merchant_reads_the_platforms_warnings(client, shop_a, merchant_a, operator):
    complaint = complaint_with_order(shop_a, reporter())
    services.complaint_warn_shop(complaint_id=complaint.pk, actor=operator, reason="发货超时，请整改。")
    client.force_login(merchant_a)
    assert "发货超时，请整改。" in page(client, reverse("admin:complaints_shopwarning_changelist"))
    assert "平台警告" in page(client, reverse("admin:catalog_staffnotice_changelist"))


def test_complaint_counts_in_the_operators_shop_list_in_one_query(
    client, shop_a, shop_b, operator, merchant_a
):
    for _ in range(2):
        complaint_with_order(shop_a, reporter(f"r{_}", f"1380000000{_}"))
    done = complaint_with_order(shop_b, reporter("rb", "13800000009"))
    services.complaint_resolve(complaint_id=done.pk, actor=operator, note="已处理完结了。")
    client.force_login(operator)
    url = reverse("admin:shop_shop_changelist")
    body = page(client, url)
    assert "2（未处理 2）" in body and "1（未处理 0）" in body

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        return len(ctx.captured_queries)

    before = queries()
    for i in range(5):
        shop = ShopFactory(slug=f"more-{i}", name=f"店{i}")
        complaint_with_order(shop, reporter(f"m{i}", f"1390000000{i}"))
    assert queries() == before
    client.force_login(merchant_a)  # a merchant's own shop list has no such column
    assert "未处理" not in page(client, url)
