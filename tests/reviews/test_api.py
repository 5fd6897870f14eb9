"""Reviews in the API: a product's reviews with the H5 list's filters and its figures (public), my
reviews, writing one as JSON or multipart with photos, 待评价, and the documented refusals."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from reviews import services
from reviews.models import Review
from tests.factories import product_with_matrix
from tests.reviews.helpers import buyer, completed_order, photo, review

pytestmark = pytest.mark.django_db
API = "/api/v1/shops/shop-a"


@pytest.fixture
def tee(shop_a):
    return product_with_matrix(shop=shop_a, title="纯棉T恤", colors=("黑",), sizes=("M", "L"), stock=80)


def make(shop, product, n, **extra):
    return [review(completed_order(shop=shop, user=buyer(f"顾客{i}"), skus=[product.skus.first()]), **extra)
            for i in range(n)]  # fmt: skip


def as_shopper(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_products_reviews_and_figures(shop_a, tee, merchant_a):
    make(shop_a, tee, 3, rating=5)
    low = make(shop_a, tee, 1, rating=1, text="做工很差，不推荐。", photos=[photo()])[0]
    hidden = make(shop_a, tee, 1, rating=1, text="广告：加微信领红包")[0]
    services.review_hide(shop=shop_a, review_id=hidden.pk, reason="广告", actor=merchant_a)
    services.review_reply(shop=shop_a, review_id=low.pk, text="已联系您处理", actor=merchant_a)
    api = APIClient()
    body = api.get(f"{API}/products/{tee.pk}/reviews/").json()
    assert body["count"] == 4 and body["results"][0]["id"] == low.pk
    first = body["results"][0]
    assert (
        first["reply"] == "已联系您处理" and first["spec_text"] == "颜色:黑 尺码:M" and first["rating"] == 1
    )
    assert first["photos"][0]["thumb"].startswith("http://testserver/media/thumbs/reviews/")
    assert set(first) == {"id", "author_name", "is_anonymous", "rating", "text", "spec_text", "photos", "reply",
                          "replied_at", "created_at"}  # fmt: skip
    assert [
        r["id"] for r in api.get(f"{API}/products/{tee.pk}/reviews/", {"filter": "low"}).json()["results"]
    ] == [low.pk]
    assert api.get(f"{API}/products/{tee.pk}/reviews/", {"filter": "photos"}).json()["count"] == 1
    assert api.get(f"{API}/products/{tee.pk}/reviews/", {"filter": "good"}).json()["count"] == 3
    refused = api.get(f"{API}/products/{tee.pk}/reviews/", {"filter": "bad"})
    assert refused.status_code == 400 and refused.json()["code"] == "invalid"
    summary = api.get(f"{API}/products/{tee.pk}/reviews/summary/").json()
    assert {k: summary[k] for k in ("review_count", "average", "average_tenths", "good_percent", "photo_count",
                                    "photo_percent", "low_count")} == {
        "review_count": 4, "average": "4.0", "average_tenths": 40, "good_percent": 75, "photo_count": 1,
        "photo_percent": 25, "low_count": 1,
    }  # fmt: skip
    assert len(summary["latest"]) == 3
    assert api.get(f"/api/v1/shops/shop-b/products/{tee.pk}/reviews/").json()["code"] in ("shop_not_found",
                                                                                          "product_not_found")  # fmt: skip


def test_the_list_costs_the_same_queries_whatever_its_size(shop_a, tee):
    make(shop_a, tee, 1, photos=[photo()])
    api = APIClient()
    api.get(f"{API}/products/{tee.pk}/reviews/")  # the shop's lookup is cached from here on
    counts = []
    for extra in (0, 6):
        make(shop_a, tee, extra, photos=[photo(), photo()])
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(f"{API}/products/{tee.pk}/reviews/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_writing_a_review_as_json_and_as_multipart_with_photos(shop_a, tee):
    user = buyer("吴十")
    order = completed_order(shop=shop_a, user=user, skus=list(tee.skus.order_by("pk")))
    first, second = order.lines.order_by("pk")
    api = as_shopper(user)
    pending = api.get(f"{API}/reviews/pending/").json()
    assert [(p["order_no"], p["line_id"]) for p in pending] == [
        (order.order_no, first.pk),
        (order.order_no, second.pk),
    ]
    assert pending[0]["review_deadline"] > pending[0]["completed_at"]
    made = api.post(f"{API}/reviews/", {"order_no": order.order_no, "line_id": first.pk, "rating": 5,
                                        "text": "很好穿，推荐购买。"}, format="json")  # fmt: skip
    assert made.status_code == 201, made.content
    assert made.json()["line_id"] == first.pk and made.json()["author_name"] == "吴十"
    again = api.post(f"{API}/reviews/", {"order_no": order.order_no, "line_id": first.pk, "rating": 5,
                                         "text": "再来一次试试"}, format="json")  # fmt: skip
    assert again.status_code == 409 and again.json()["code"] == "review_exists"
    response = api.post(
        f"{API}/reviews/",
        {"order_no": order.order_no, "line_id": str(second.pk), "rating": "3", "text": "一般般吧，还行。",
         "is_anonymous": "true", "photos": [photo(), photo("b.png")]},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_anonymous"] and body["author_name"] == "吴**" and len(body["photos"]) == 2
    assert Review.objects.get(order_line=second).photo_count == 2
    assert api.get(f"{API}/reviews/pending/").json() == []
    mine = api.get(f"{API}/reviews/").json()
    assert [r["line_id"] for r in mine["results"]] == [second.pk, first.pk]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [({"rating": "5"}, 400, "invalid"), ({"rating": 5.0}, 400, "invalid"), ({"rating": 0}, 400, "invalid"),
     ({"line_id": True}, 400, "invalid"), ({"text": "好"}, 400, "review_text_too_short"),
     ({"order_no": "20260101000000000000"}, 404, "order_not_found"), ({"line_id": 999999}, 404, "order_line_not_found")],
)  # fmt: skip
def test_refusals_are_documented_codes(shop_a, tee, change, status, code):
    user = buyer()
    order = completed_order(shop=shop_a, user=user, skus=[tee.skus.first()])
    body = {
        "order_no": order.order_no,
        "line_id": order.lines.get().pk,
        "rating": 5,
        "text": "质量很好很好",
        **change,
    }
    response = as_shopper(user).post(f"{API}/reviews/", body, format="json")
    assert (response.status_code, response.json()["code"]) == (status, code), response.content
    assert not Review.objects.exists()


def test_photos_in_multipart_are_checked_and_an_unfinished_order_refused(shop_a, tee):
    user = buyer()
    order = completed_order(shop=shop_a, user=user, skus=[tee.skus.first()])
    api = as_shopper(user)
    base = {
        "order_no": order.order_no,
        "line_id": str(order.lines.get().pk),
        "rating": "5",
        "text": "质量很好很好",
    }
    response = api.post(
        f"{API}/reviews/", {**base, "photos": [photo() for _ in range(7)]}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid"  # more than six
    response = api.post(f"{API}/reviews/", {**base, "photos": [photo(size=50)]}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "photo_invalid"
    open_order = completed_order(shop=shop_a, user=user, skus=[tee.skus.first()], complete=False)
    response = api.post(f"{API}/reviews/", {**base, "order_no": open_order.order_no,
                                            "line_id": str(open_order.lines.get().pk)}, format="multipart")  # fmt: skip
    assert response.status_code == 409 and response.json()["code"] == "review_not_allowed"
    assert APIClient().post(f"{API}/reviews/", base, format="multipart").status_code == 401
    assert not Review.objects.exists()


def test_my_reviews_show_a_hidden_one_with_its_reason_and_only_mine(shop_a, tee, merchant_a):
    mine = make(shop_a, tee, 1)[0]
    make(shop_a, tee, 1)
    services.review_hide(shop=shop_a, review_id=mine.pk, reason="含有联系方式", actor=merchant_a)
    body = as_shopper(mine.user).get(f"{API}/reviews/").json()
    assert (
        body["count"] == 1
        and body["results"][0]["is_hidden"]
        and body["results"][0]["hidden_reason"] == "含有联系方式"
    )
