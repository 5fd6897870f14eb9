"""Complaints' rules (docs/after-sales.md#complaints): who may report what, the limits, every
operator step and its event, the merchant only answering, suspension closing the shop."""

from __future__ import annotations

import pytest

from catalog.models import StaffNotice
from complaints import services
from complaints.models import Complaint, ComplaintEvent, ShopWarning
from core.errors import ApplicationError
from orders import services as order_services
from shop.models import Shop
from tests.complaints.helpers import complaint_with_order, photo, reporter
from tests.factories import AddressFactory, make_paid_order, make_product

pytestmark = pytest.mark.django_db


def test_a_shopper_reports_a_shop_with_photos_and_their_order(shop_a):
    user = reporter()
    complaint = complaint_with_order(shop_a, user, photos=[photo(), photo("b.jpg")], kind="fake")
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.shop == shop_a and complaint.user == user and complaint.kind == "fake"
    assert complaint.status == "open" and complaint.contact_masked == "138****5678"
    assert complaint.complaint_no.startswith("T") and len(complaint.complaint_no) == 19
    assert complaint.photos.count() == 2
    assert [p.image.name.rsplit(".", 1)[1] for p in complaint.photos.all()] == ["png", "png"]  # re-encoded
    event = complaint.events.get()
    assert (event.kind, event.actor_kind, event.actor, event.to_status) == (
        "submitted",
        "shopper",
        None,
        "open",
    )


def test_bad_input_is_refused_in_chinese_and_stores_nothing(shop_a, shop_b):
    user = reporter()
    other = make_paid_order(shop=shop_a)  # another shopper's order
    mine_elsewhere = make_paid_order(shop=shop_b, user=user)
    cases = [
        ({"kind": "nope"}, "complaint_kind_invalid"),
        ({"text": "太差"}, "text_required"),
        ({"text": "长" * 1001}, "text_too_long"),
        ({"photos": [photo() for _ in range(7)]}, "too_many_photos"),
        ({"photos": [photo("x.html")]}, "photo_invalid"),
        ({"order_no": other.order_no}, "order_not_found"),
        ({"order_no": mine_elsewhere.order_no}, "order_not_found"),
    ]
    for change, code in cases:
        args = {"shop": shop_a, "user": user, "kind": "other", "text": "商品和描述完全不一样。", **change}
        with pytest.raises(ApplicationError) as caught:
            services.complaint_create(**args)
        assert caught.value.code == code, change
        assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message), caught.value.message
    assert not Complaint.objects.exists()


def test_repeated_reports_are_limited(shop_a, shop_b):
    user = reporter()
    for _ in range(services.PER_SHOP_PER_DAY):
        services.complaint_create(shop=shop_a, user=user, kind="other", text="一直联系不上商家。")
    with pytest.raises(ApplicationError) as caught:
        services.complaint_create(shop=shop_a, user=user, kind="other", text="一直联系不上商家。")
    assert caught.value.code == "complaint_rate_limited" and caught.value.http_status == 429
    services.complaint_create(shop=shop_b, user=user, kind="other", text="另一家店也一样。")  # another shop
    assert Complaint.objects.filter(user=user).count() == services.PER_SHOP_PER_DAY + 1


def test_the_operators_steps_each_write_an_event(shop_a, operator, merchant_a):
    complaint = complaint_with_order(shop_a, reporter())
    services.complaint_ask_merchant(complaint_id=complaint.pk, actor=operator, note="请说明发货情况")
    complaint.refresh_from_db()
    assert complaint.status == "waiting_merchant" and complaint.forwarded_at is not None
    notice = StaffNotice.objects.get(shop=shop_a, kind="complaint")
    assert complaint.complaint_no in notice.title and "reporter" not in notice.body
    services.complaint_answer(
        shop=shop_a, complaint_id=complaint.pk, actor=merchant_a, answer="已于今日补发，单号 SF123。"
    )
    complaint.refresh_from_db()
    assert complaint.status == "answered" and complaint.merchant_answer.startswith("已于今日补发")
    warning = services.complaint_warn_shop(
        complaint_id=complaint.pk, actor=operator, reason="发货超时，请按时发货。"
    )
    assert ShopWarning.objects.get() == warning and warning.shop == shop_a
    services.complaint_suspend_shop(complaint_id=complaint.pk, actor=operator, reason="多次投诉未改正。")
    assert not Shop.objects.get(pk=shop_a.pk).is_active
    services.complaint_reinstate_shop(complaint_id=complaint.pk, actor=operator, note="已整改")
    assert Shop.objects.get(pk=shop_a.pk).is_active
    services.complaint_resolve(
        complaint_id=complaint.pk, actor=operator, note="商家已补发，投诉成立，已警告商家。"
    )
    complaint.refresh_from_db()
    assert complaint.status == "resolved" and complaint.resolution_note.startswith("商家已补发")
    assert list(complaint.events.values_list("kind", "actor_kind")) == [
        ("submitted", "shopper"), ("asked_merchant", "platform"), ("merchant_answered", "merchant"),
        ("warned", "platform"), ("suspended", "platform"), ("reinstated", "platform"), ("resolved", "platform"),
    ]  # fmt: skip
    assert ComplaintEvent.objects.filter(actor_kind="shopper", actor__isnull=False).count() == 0


def test_a_merchant_only_answers_their_own_shops_complaints_put_to_them(
    shop_a, shop_b, merchant_a, merchant_b, operator
):
    complaint = complaint_with_order(shop_a, reporter())
    with pytest.raises(ApplicationError) as caught:  # not put to the merchant yet
        services.complaint_answer(
            shop=shop_a, complaint_id=complaint.pk, actor=merchant_a, answer="我们没有问题的。"
        )
    assert caught.value.code == "complaint_not_found"
    services.complaint_ask_merchant(complaint_id=complaint.pk, actor=operator)
    for shop, merchant in ((shop_b, merchant_b), (shop_a, merchant_b)):
        with pytest.raises(ApplicationError) as caught:
            services.complaint_answer(
                shop=shop, complaint_id=complaint.pk, actor=merchant, answer="替别人答复一下。"
            )
        assert caught.value.code == "complaint_not_found"
    for step in (
        lambda: services.complaint_resolve(
            complaint_id=complaint.pk, actor=merchant_a, note="我自己处理好了。"
        ),
        lambda: services.complaint_ask_merchant(complaint_id=complaint.pk, actor=merchant_a),
        lambda: services.complaint_warn_shop(
            complaint_id=complaint.pk, actor=merchant_a, reason="警告一下自己。"
        ),
        lambda: services.complaint_suspend_shop(
            complaint_id=complaint.pk, actor=merchant_a, reason="暂停一下自己。"
        ),
    ):
        with pytest.raises(ApplicationError) as caught:
            step()
        assert caught.value.code == "operator_only"
    complaint.refresh_from_db()
    assert complaint.status == "waiting_merchant"


def test_a_suspended_shop_takes_no_order_and_is_reversible(shop_a, operator):
    sku = make_product(shop=shop_a, stock=5).skus.get()
    address = AddressFactory()
    complaint = complaint_with_order(shop_a, reporter())
    stale = Shop.objects.get(pk=shop_a.pk)  # a page or process still holding the open shop
    services.complaint_suspend_shop(complaint_id=complaint.pk, actor=operator, reason="售假，暂停营业。")
    with pytest.raises(ApplicationError) as caught:
        order_services.order_place(shop=stale, user=address.user, items=[(sku.pk, 1)], address_id=address.pk)
    assert caught.value.code == "shop_suspended"
    with pytest.raises(ApplicationError) as caught:
        services.complaint_suspend_shop(complaint_id=complaint.pk, actor=operator, reason="再暂停一次。")
    assert caught.value.code == "shop_already_suspended"
    services.complaint_reinstate_shop(complaint_id=complaint.pk, actor=operator)
    order = order_services.order_place(
        shop=stale, user=address.user, items=[(sku.pk, 1)], address_id=address.pk
    )
    assert order.pk
