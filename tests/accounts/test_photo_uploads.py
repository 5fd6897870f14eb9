"""Photo uploads ahead of a form (accounts.PhotoUpload, ``POST /shops/{slug}/uploads/photos/``): the
mini-program's ``wx.uploadFile`` sends one file per call, so each photo is uploaded alone and the
review, after-sales request or complaint names them by ``photo_ids``, taking them over. An upload
is its uploader's, in its shop, once; one nobody used goes with its file when it expires."""

from __future__ import annotations

import io
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from accounts import privacy
from accounts.models import PhotoUpload
from accounts.services import photo_uploads_purge_due
from complaints.models import Complaint
from orders import services as order_services
from orders.models import AfterSale
from reviews.models import Review
from tests.factories import AddressFactory, ShopperFactory, make_product
from tests.reviews.helpers import completed_order

URL = "/api/v1/shops/shop-a/uploads/photos/"
PAYLOAD = b"<html><script>alert(1)</script></html>"


def png(width: int = 300, height: int = 200, color=(30, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def upload(client: APIClient, data: bytes | None = None, name: str = "p.png", url: str = URL):
    return client.post(
        url, {"photo": SimpleUploadedFile(name, data or png(), "image/png")}, format="multipart"
    )


@pytest.fixture
def buyer(db):
    user = ShopperFactory(username="uploader", nickname="上传者")
    user.address_id = AddressFactory(user=user).pk
    return user


@pytest.fixture
def other(db):
    return ShopperFactory(username="other", nickname="别人")


@pytest.fixture
def paid_order(shop_a, buyer):
    sku = make_product(shop=shop_a, price_fen=5000, stock=5).skus.get()
    order = order_services.order_place(
        shop=shop_a, user=buyer, items=[(sku.pk, 1)], address_id=buyer.address_id
    )
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    order.refresh_from_db()
    return order


def test_an_upload_is_stored_re_encoded_and_answers_its_id_and_url(shop_a, buyer):
    response = upload(client_of(buyer), png() + PAYLOAD, name="mine.png")
    assert response.status_code == 201, response.json()
    body = response.json()
    row = PhotoUpload.objects.get(pk=body["id"])
    assert row.user == buyer and row.shop == shop_a
    assert body["url"].startswith("http://testserver/media/uploads/photos/") and body["url"].endswith(".png")
    assert "mine" not in row.image.name  # a random name
    with default_storage.open(row.image.name) as stored:
        assert PAYLOAD not in stored.read()  # re-encoded: nothing appended survives
    expires = row.expires_at - row.created_at
    assert timedelta(hours=23, minutes=59) < expires <= timedelta(hours=24)


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (PAYLOAD, "x.png", "photo_invalid"),  # not an image
        (None, "x.html", "photo_invalid"),  # a picture under a name that is not
        (png(40, 40), "x.png", "photo_invalid"),  # too small
    ],
)
def test_bad_files_are_refused_with_the_rule_s_message(shop_a, buyer, data, name, code):
    response = upload(client_of(buyer), data, name=name)
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["fields"]["photo"]
    assert not PhotoUpload.objects.exists()


def test_no_file_and_no_login(shop_a, buyer):
    response = client_of(buyer).post(URL, {}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "photo_required"
    assert upload(APIClient()).status_code in (401, 403)


def test_at_most_the_limit_of_unused_uploads(shop_a, buyer, settings):
    settings.WEISHOP_PHOTO_UPLOADS_MAX = 2
    client = client_of(buyer)
    assert upload(client).status_code == 201
    assert upload(client).status_code == 201
    refused = upload(client)
    assert refused.status_code == 429 and refused.json()["code"] == "photo_uploads_too_many"
    PhotoUpload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))  # expired ones do not count
    assert upload(client).status_code == 201


def test_an_after_sale_takes_the_uploads_by_id(shop_a, buyer, paid_order):
    client = client_of(buyer)
    ids = [upload(client).json()["id"], upload(client, png(color=(9, 9, 9))).json()["id"]]
    names = [PhotoUpload.objects.get(pk=i).image.name for i in ids]
    response = client.post(
        f"/api/v1/shops/shop-a/orders/{paid_order.order_no}/after-sales/",
        {"kind": "refund_only", "reason": "破损", "amount_fen": 100, "photo_ids": ids},
        format="json",
    )
    assert response.status_code == 201, response.json()
    after_sale = AfterSale.objects.get(order=paid_order)
    assert [p.image.name for p in after_sale.photos.order_by("pk")] == names
    assert all(default_storage.exists(name) for name in names)
    assert not PhotoUpload.objects.exists()  # used: gone as uploads, kept as the request's photos
    # an id is used once
    order_services.after_sale_withdraw(order=paid_order, user=buyer, after_sale_no=after_sale.after_sale_no)
    again = client.post(
        f"/api/v1/shops/shop-a/orders/{paid_order.order_no}/after-sales/",
        {"kind": "refund_only", "reason": "破损", "amount_fen": 100, "photo_ids": ids[:1]},
        format="json",
    )
    assert again.status_code == 400 and again.json()["code"] == "photo_upload_invalid"


def test_another_shopper_s_upload_is_refused_and_stays_theirs(shop_a, buyer, other, paid_order):
    theirs = upload(client_of(other)).json()["id"]
    response = client_of(buyer).post(
        f"/api/v1/shops/shop-a/orders/{paid_order.order_no}/after-sales/",
        {"kind": "refund_only", "reason": "破损", "amount_fen": 100, "photo_ids": [theirs]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "photo_upload_invalid" and response.json()["fields"]["photo_ids"]
    assert not AfterSale.objects.exists()
    assert PhotoUpload.objects.get(pk=theirs).user == other


def test_an_upload_of_another_shop_or_expired_or_named_twice_is_refused(shop_a, shop_b, buyer, paid_order):
    client = client_of(buyer)
    elsewhere = upload(client, url="/api/v1/shops/shop-b/uploads/photos/").json()["id"]
    expired = upload(client).json()["id"]
    PhotoUpload.objects.filter(pk=expired).update(expires_at=timezone.now() - timedelta(seconds=1))
    mine = upload(client).json()["id"]
    for ids in ([elsewhere], [expired], [mine, mine], [mine, 999999]):
        response = client.post(
            f"/api/v1/shops/shop-a/orders/{paid_order.order_no}/after-sales/",
            {"kind": "refund_only", "reason": "破损", "amount_fen": 100, "photo_ids": ids},
            format="json",
        )
        assert response.status_code == 400, ids
        assert response.json()["code"] == "photo_upload_invalid", ids
    assert PhotoUpload.objects.filter(pk=mine).exists()  # a refused form takes nothing


def test_photo_ids_must_be_json_integers_and_within_the_limit(shop_a, buyer, paid_order):
    client = client_of(buyer)
    ids = [upload(client).json()["id"] for _ in range(4)]
    url = f"/api/v1/shops/shop-a/orders/{paid_order.order_no}/after-sales/"
    base = {"kind": "refund_only", "reason": "破损", "amount_fen": 100}
    wrong = client.post(url, {**base, "photo_ids": [str(ids[0])]}, format="json")
    assert (
        wrong.status_code == 400
        and wrong.json()["code"] == "invalid"
        and "photo_ids" in wrong.json()["fields"]
    )
    many = client.post(url, {**base, "photo_ids": ids}, format="json")  # 4 > 3
    assert many.status_code == 400 and "photo_ids" in many.json()["fields"]
    assert PhotoUpload.objects.count() == 4


def test_a_review_takes_uploads_with_its_copies(shop_a, buyer):
    sku = make_product(shop=shop_a, price_fen=3000, stock=5).skus.get()
    order = completed_order(shop=shop_a, user=buyer, skus=[sku])
    client = client_of(buyer)
    ids = [upload(client, png(400, 400)).json()["id"], upload(client, png(500, 300, (1, 2, 3))).json()["id"]]
    response = client.post(
        "/api/v1/shops/shop-a/reviews/",
        {"order_no": order.order_no, "line_id": order.lines.get().pk, "rating": 5, "text": "很好看，很合身。",
         "photo_ids": ids},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    review = Review.objects.get(order=order)
    assert review.photo_count == 2 and len(response.json()["photos"]) == 2
    photos = list(review.photos.order_by("position"))
    assert all(p.thumb and p.large for p in photos)  # the list thumbnail and the large copy were made
    with default_storage.open(photos[0].thumb.name) as thumb, Image.open(thumb) as img:
        assert img.size == (240, 240)
    assert not PhotoUpload.objects.exists()


def test_a_review_s_photos_and_uploads_count_together(shop_a, buyer):
    sku = make_product(shop=shop_a, price_fen=3000, stock=5).skus.get()
    order = completed_order(shop=shop_a, user=buyer, skus=[sku])
    client = client_of(buyer)
    ids = [upload(client).json()["id"] for _ in range(2)]
    photos = [SimpleUploadedFile(f"{i}.png", png(), "image/png") for i in range(5)]
    response = client.post(
        "/api/v1/shops/shop-a/reviews/",
        {"order_no": order.order_no, "line_id": order.lines.get().pk, "rating": "5", "text": "很好看，很合身。",
         "photos": photos, "photo_ids": [str(i) for i in ids]},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 400 and response.json()["code"] == "too_many_photos"
    assert PhotoUpload.objects.count() == 2 and not Review.objects.exists()


def test_a_complaint_takes_uploads(shop_a, buyer, other, paid_order):
    client = client_of(buyer)
    mine = upload(client).json()["id"]
    theirs = upload(client_of(other)).json()["id"]
    refused = client.post(
        "/api/v1/shops/shop-a/complaints/",
        {
            "kind": "not_shipped",
            "text": "付款后一直不发货。",
            "order_no": paid_order.order_no,
            "photo_ids": [theirs],
        },
        format="json",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "photo_upload_invalid"
    response = client.post(
        "/api/v1/shops/shop-a/complaints/",
        {
            "kind": "not_shipped",
            "text": "付款后一直不发货。",
            "order_no": paid_order.order_no,
            "photo_ids": [mine],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    complaint = Complaint.objects.get(user=buyer)
    assert complaint.photos.count() == 1 and len(response.json()["photos"]) == 1
    assert list(PhotoUpload.objects.values_list("pk", flat=True)) == [theirs]


def test_the_purge_job_deletes_expired_uploads_and_their_files(
    shop_a, buyer, django_capture_on_commit_callbacks
):
    client = client_of(buyer)
    old, fresh = upload(client).json()["id"], upload(client).json()["id"]
    PhotoUpload.objects.filter(pk=old).update(expires_at=timezone.now() - timedelta(minutes=1))
    old_name = PhotoUpload.objects.get(pk=old).image.name
    with django_capture_on_commit_callbacks(execute=True):
        assert photo_uploads_purge_due() == 1
    assert not default_storage.exists(old_name)
    assert list(PhotoUpload.objects.values_list("pk", flat=True)) == [fresh]
    with django_capture_on_commit_callbacks(execute=True):
        assert photo_uploads_purge_due() == 0


def test_the_purge_job_runs_with_the_others(shop_a, buyer):
    upload(client_of(buyer))
    PhotoUpload.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    out = StringIO()
    call_command("run_jobs", stdout=out)
    assert "photo_uploads_purge=1" in out.getvalue()


def test_privacy_exports_this_shop_s_uploads_and_erasing_deletes_them(
    shop_a, shop_b, buyer, django_capture_on_commit_callbacks
):
    client = client_of(buyer)
    upload(client)
    upload(client, url="/api/v1/shops/shop-b/uploads/photos/")
    data = privacy.account_data_export(user=buyer, shop=shop_a)
    assert len(data["账号"]["待使用的上传图片"]) == 1
    names = list(PhotoUpload.objects.values_list("image", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        privacy.account_erase(user=buyer, confirmation="注销")
    assert not PhotoUpload.objects.exists()
    assert not any(default_storage.exists(name) for name in names)
