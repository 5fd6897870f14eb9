"""Reviews in admin: a merchant lists, filters, replies once and hides with a reason, and can never
create, edit or delete a review (add, change and delete POSTs refused, rows unchanged); another
shop's merchant reaches nothing; the operator sees every shop's reviews, hidden ones with their
reasons, and restores one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviews.models import ProductRating, Review, ReviewSettings
from tests.factories import make_product
from tests.reviews.helpers import buyer, completed_order, photo, review

pytestmark = pytest.mark.django_db
LIST = "/admin/reviews/review/"


@pytest.fixture
def reviews(shop_a, shop_b):
    bag = make_product(shop=shop_a, title="甲的帆布包", stock=20).skus.get()
    good = review(completed_order(shop=shop_a, user=buyer("好评人"), skus=[bag]), rating=5, photos=[photo()],
                  text="甲店的好评内容")  # fmt: skip
    bad = review(
        completed_order(shop=shop_a, user=buyer("差评人"), skus=[bag]), rating=1, text="甲店的差评内容"
    )
    cup = make_product(shop=shop_b, title="乙的水杯", stock=20).skus.get()
    other = review(completed_order(shop=shop_b, user=buyer(), skus=[cup]), rating=3, text="乙店的评价内容")
    return {"good": good, "bad": bad, "other": other}


def row(review_obj) -> dict:
    return Review.objects.filter(pk=review_obj.pk).values().get()


def shown(response) -> set[int]:
    return {obj.pk for obj in response.context["cl"].result_list}


def test_a_merchant_can_never_create_edit_or_delete_a_review(client, reviews, merchant_a):
    client.force_login(merchant_a)
    target = reviews["bad"]
    before = row(target)
    assert client.get(f"{LIST}add/").status_code == 403
    response = client.post(
        f"{LIST}add/", {"rating": "5", "text": "商家自己写的好评", "order_line": target.order_line_id}
    )
    assert response.status_code == 403
    page = client.get(f"{LIST}{target.pk}/change/")
    assert page.status_code == 200 and 'name="rating"' not in page.content.decode()  # every field read-only
    response = client.post(f"{LIST}{target.pk}/change/", {"rating": "5", "text": "改成好评", "_save": ""})
    assert response.status_code == 403
    assert client.get(f"{LIST}{target.pk}/delete/").status_code == 403
    assert client.post(f"{LIST}{target.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(LIST, {"action": "delete_selected", "_selected_action": [target.pk], "post": "yes"})
    assert row(target) == before and Review.objects.count() == 3


def test_the_merchant_list_and_its_filters(client, reviews, merchant_a):
    client.force_login(merchant_a)
    page = client.get(LIST)
    assert shown(page) == {reviews["good"].pk, reviews["bad"].pk}
    body = page.content.decode()
    for label in ("评分", "有图", "回复", "已隐藏", "隐藏原因", "展示中"):
        assert label in body, label
    assert shown(client.get(LIST, {"rating__exact": "1"})) == {reviews["bad"].pk}
    assert shown(client.get(LIST, {"photos": "yes"})) == {reviews["good"].pk}
    assert shown(client.get(LIST, {"replied": "no"})) == {reviews["good"].pk, reviews["bad"].pk}
    assert shown(client.get(LIST, {"is_hidden__exact": "1"})) == set()
    assert shown(client.get(LIST, {"q": "差评"})) == {reviews["bad"].pk}


def test_reply_once_and_hide_with_a_reason(client, reviews, merchant_a):
    client.force_login(merchant_a)
    target = reviews["bad"]
    page = client.get(f"{LIST}{target.pk}/change/").content.decode()
    assert "公开回复" in page and "隐藏这条评价" in page and "恢复显示" not in page
    reply = reverse("admin:reviews_review_reply", args=[target.pk])
    assert client.get(reply).status_code == 405
    client.post(reply, {"reply": "很抱歉，已为您换货。"})
    response = client.post(reply, {"reply": "再回复一次"}, follow=True)
    assert "这条评价已经回复过了，回复不能修改。" in response.content.decode()
    target.refresh_from_db()
    assert target.reply == "很抱歉，已为您换货。" and target.replied_by == merchant_a
    hide = reverse("admin:reviews_review_hide", args=[target.pk])
    response = client.post(hide, {"reason": ""}, follow=True)
    assert "请填写隐藏原因" in response.content.decode()
    assert not Review.objects.get(pk=target.pk).is_hidden
    client.post(hide, {"reason": "竞争对手恶意差评"})
    target.refresh_from_db()
    assert target.is_hidden and target.hidden_reason == "竞争对手恶意差评"
    assert ProductRating.objects.get(product_id=target.product_id).review_count == 1
    page = client.get(f"{LIST}{target.pk}/change/").content.decode()
    assert "这条评价已隐藏。如需恢复，请联系平台运营。" in page and "隐藏这条评价" not in page
    restore = reverse("admin:reviews_review_restore", args=[target.pk])
    assert client.post(restore).status_code == 403  # only the operator restores
    assert Review.objects.get(pk=target.pk).is_hidden


def test_another_shops_merchant_reaches_none_of_it(client, reviews, merchant_b):
    client.force_login(merchant_b)
    target = reviews["bad"]
    before = row(target)
    assert shown(client.get(LIST)) == {reviews["other"].pk}
    for name, body in (("reply", {"reply": "乙店回复"}), ("hide", {"reason": "乙店隐藏"}), ("restore", {})):
        assert client.post(reverse(f"admin:reviews_review_{name}", args=[target.pk]), body).status_code in (
            403,
            404,
        )
    assert client.get(f"{LIST}{target.pk}/change/").status_code in (302, 404)
    assert row(target) == before


def test_the_operator_sees_every_shop_hidden_ones_with_reasons_and_restores(
    client, reviews, merchant_a, operator
):
    client.force_login(merchant_a)
    client.post(
        reverse("admin:reviews_review_hide", args=[reviews["bad"].pk]), {"reason": "竞争对手恶意差评"}
    )
    client.force_login(operator)
    page = client.get(LIST)
    assert shown(page) == {r.pk for r in reviews.values()}
    assert "竞争对手恶意差评" in page.content.decode()
    assert shown(client.get(LIST, {"is_hidden__exact": "1"})) == {reviews["bad"].pk}
    detail = client.get(f"{LIST}{reviews['bad'].pk}/change/").content.decode()
    assert "竞争对手恶意差评" in detail and "恢复显示" in detail
    assert client.get(f"{LIST}add/").status_code == 403  # nobody adds one, the operator neither
    client.post(reverse("admin:reviews_review_restore", args=[reviews["bad"].pk]))
    restored = Review.objects.get(pk=reviews["bad"].pk)
    assert (
        not restored.is_hidden
        and restored.restored_by == operator
        and restored.hidden_reason == "竞争对手恶意差评"
    )
    assert ProductRating.objects.get(product_id=restored.product_id).review_count == 2
    client.force_login(merchant_a)
    page = client.get(f"{LIST}{restored.pk}/change/").content.decode()
    assert "平台运营已恢复这条评价，商家不能再次隐藏。" in page and "隐藏这条评价" not in page
    client.post(reverse("admin:reviews_review_hide", args=[restored.pk]), {"reason": "再隐藏"})
    assert not Review.objects.get(pk=restored.pk).is_hidden


def test_the_review_window_setting(client, shop_a, merchant_a):
    client.force_login(merchant_a)
    response = client.post("/admin/reviews/reviewsettings/add/", {"window_days": "0", "_save": ""})
    assert response.status_code == 200 and "1" in str(response.context["adminform"].form.errors)
    response = client.post("/admin/reviews/reviewsettings/add/", {"window_days": "30", "_save": ""})
    assert response.status_code == 302
    assert ReviewSettings.objects.get(shop=shop_a).window_days == 30
