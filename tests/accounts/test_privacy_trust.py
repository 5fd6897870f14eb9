"""A shopper's reviews and complaints in their data export and after their account is deleted: the
review stays on its product but names nobody; the complaint stays in the platform's records of the
shop but no longer points at its maker."""

from __future__ import annotations

import pytest

from accounts import privacy
from complaints import services as complaint_services
from complaints.models import Complaint
from reviews.models import Review
from tests.factories import make_product
from tests.reviews.helpers import buyer, completed_order, review

pytestmark = pytest.mark.django_db


def test_reviews_and_complaints_are_exported_then_anonymised(shop_a):
    shopper = buyer("张三丰")
    order = completed_order(
        shop=shop_a, user=shopper, skus=[make_product(shop=shop_a, title="羊毛围巾").skus.get()]
    )
    written = review(order, rating=4, text="围巾很暖和，颜色正。")
    complaint = complaint_services.complaint_create(
        shop=shop_a, user=shopper, kind="other", text="客服回复太慢了，等了两天。"
    )

    data = privacy.account_data_export(user=shopper, shop=shop_a)
    assert [r["评价内容"] for r in data["评价"]["我的评价"]] == ["围巾很暖和，颜色正。"]
    assert [c["投诉编号"] for c in data["投诉"]["我的投诉"]] == [complaint.complaint_no]

    privacy.account_erase(user=shopper, confirmation="注销")

    kept = Review.objects.get(pk=written.pk)
    assert (kept.author_name, kept.is_anonymous, kept.rating) == ("已注销用户", True, 4)
    record = Complaint.objects.get(pk=complaint.pk)
    assert (record.user_id, record.contact_masked, record.text) == (None, "", "客服回复太慢了，等了两天。")
