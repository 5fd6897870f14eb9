"""Tracking pushes: only correctly signed, fresh pushes count; duplicates are ignored."""

import json
import time

import pytest

from orders import services
from orders.models import OrderStatus, TrackingEvent
from orders.webhooks import sign
from tests.factories import AddressFactory, ShopperFactory, make_product

SECRET = "s3cret-for-tests"


@pytest.fixture
def shipment(shop_a):
    shop_a.tracking_webhook_secret = SECRET
    shop_a.save()
    user = ShopperFactory(username="buyer")
    sku = make_product(shop=shop_a, stock=3).skus.get()
    order = services.order_place(
        shop=shop_a, user=user, items=[(sku.pk, 1)], address_id=AddressFactory(user=user).pk
    )
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    return services.order_ship(
        shop=shop_a, order_no=order.order_no, carrier="sf", tracking_no="SF100200300", actor=None
    )


def push(client, body, *, secret=SECRET, timestamp=None, slug="shop-a", signature=None):
    raw = json.dumps(body).encode()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    sig = signature if signature is not None else sign(secret=secret, timestamp=ts, body=raw)
    return client.post(
        f"/webhooks/tracking/{slug}/", raw, content_type="application/json",
        HTTP_X_WEISHOP_TIMESTAMP=ts, HTTP_X_WEISHOP_SIGNATURE=sig,
    )  # fmt: skip


BODY = {
    "tracking_no": "SF100200300",
    "carrier": "sf",
    "events": [
        {"time": "2026-11-24T09:00:00+08:00", "description": "快件已揽收", "location": "杭州"},
        {
            "time": "2026-11-25T15:30:00+08:00",
            "description": "已签收，签收人：本人",
            "location": "上海",
            "signed": True,
        },
    ],
}


def test_signed_push_adds_events_and_marks_delivered(client, shipment):
    response = push(client, BODY)
    assert response.status_code == 200
    assert response.json() == {"code": "ok", "added": 2, "duplicates": 0}
    shipment.order.refresh_from_db()
    assert shipment.order.status == OrderStatus.DELIVERED
    assert list(shipment.tracking_events.values_list("description", flat=True)) == [
        "快件已揽收",
        "已签收，签收人：本人",
    ]


def test_repeated_push_is_ignored(client, shipment):
    push(client, BODY)
    response = push(client, BODY)
    assert response.json() == {"code": "ok", "added": 0, "duplicates": 2}
    assert TrackingEvent.objects.count() == 2
    assert shipment.order.events.filter(type="delivered").count() == 1


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"secret": "wrong"}, 401, "signature_invalid"),
        ({"timestamp": int(time.time()) - 301}, 401, "timestamp_expired"),
        ({"signature": ""}, 401, "signature_missing"),
        ({"slug": "shop-b"}, 404, "shop_not_found"),
    ],
)
def test_bad_pushes_change_nothing(client, shipment, shop_b, kwargs, status, code):
    response = push(client, BODY, **kwargs)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert TrackingEvent.objects.count() == 0
    shipment.order.refresh_from_db()
    assert shipment.order.status == OrderStatus.SHIPPED


def test_another_shops_secret_cannot_push_to_this_shop(client, shipment, shop_b):
    shop_b.tracking_webhook_secret = "b-secret"
    shop_b.save()
    assert push(client, BODY, secret="b-secret").status_code == 401
    assert push(client, BODY, secret="b-secret", slug="shop-b").status_code == 404  # not B's parcel
    assert TrackingEvent.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"tracking_no": "SF100200300"},
        {"tracking_no": "SF100200300", "events": [{"time": "yesterday", "description": "x"}]},
        {"tracking_no": "SF100200300", "events": [{"time": "2026-11-24T09:00:00", "description": "no tz"}]},
    ],
)
def test_malformed_bodies_are_400(client, shipment, body):
    response = push(client, body)
    assert (response.status_code, response.json()["code"]) == (400, "malformed_request")


def test_unknown_tracking_number_is_404(client, shipment):
    response = push(client, {**BODY, "tracking_no": "SF000"})
    assert (response.status_code, response.json()["code"]) == (404, "shipment_not_found")


def test_unicode_digit_timestamps_are_refused_not_crashing(client, shipment):
    response = push(client, BODY, timestamp="１２３")  # full-width digits: isdigit() says yes, int() too
    assert response.status_code == 401
    response = push(client, BODY, timestamp="²")
    assert response.status_code == 401
