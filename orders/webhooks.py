"""Carrier tracking pushes from a tracking provider (快递100-style), one endpoint per shop.

``POST /webhooks/tracking/<shop>/`` with headers

- ``X-WeiShop-Timestamp``: Unix seconds; refused if more than 300 s from now (replays);
- ``X-WeiShop-Signature``: hex HMAC-SHA256 of ``"<timestamp>.<raw body>"`` with the shop's
  ``tracking_webhook_secret``;

and a JSON body ``{"tracking_no": "SF123", "carrier": "sf", "events": [{"time": "2026-11-24T10:00:00+08:00",
"description": "已签收", "location": "上海", "signed": true}]}``. Events already recorded are ignored;
a signed-for event marks the order delivered. Answers use the API's error shape.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time

from django.http import HttpRequest, JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from orders.models import Shipment
from orders.services.shipping import tracking_event_add
from shop.models import Shop

MAX_SKEW_SECONDS = 300
MAX_EVENTS = 200


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "fields": {}}, status=status)


@csrf_exempt
@require_POST
def tracking_push(request: HttpRequest, shop_slug: str) -> JsonResponse:
    shop = Shop.objects.filter(slug=shop_slug, is_active=True).first()
    if shop is None or not shop.tracking_webhook_secret:
        return _error("shop_not_found", "unknown shop or tracking push not enabled", 404)
    timestamp = request.headers.get("X-WeiShop-Timestamp", "")
    signature = request.headers.get("X-WeiShop-Signature", "")
    if not re.fullmatch(r"[0-9]{1,12}", timestamp) or not signature:
        return _error("signature_missing", "X-WeiShop-Timestamp and X-WeiShop-Signature are required", 401)
    if abs(time.time() - int(timestamp)) > MAX_SKEW_SECONDS:
        return _error("timestamp_expired", "timestamp is more than 300 seconds from now", 401)
    expected = sign(secret=shop.tracking_webhook_secret, timestamp=timestamp, body=request.body)
    if not hmac.compare_digest(expected, signature.lower()):
        return _error("signature_invalid", "signature does not match", 401)

    try:
        payload = json.loads(request.body)
        tracking_no = str(payload["tracking_no"]).strip().upper()
        events = payload["events"]
        if not isinstance(events, list) or len(events) > MAX_EVENTS:
            raise ValueError("events must be a list of at most 200 items")
        parsed = []
        for event in events:
            occurred_at = parse_datetime(str(event["time"]))
            if occurred_at is None or occurred_at.tzinfo is None:
                raise ValueError("time must be an ISO 8601 datetime with a timezone")
            parsed.append(
                (
                    occurred_at,
                    str(event["description"]),
                    str(event.get("location", "")),
                    bool(event.get("signed")),
                )
            )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return _error("malformed_request", f"malformed body: {exc}", 400)

    shipments = Shipment.objects.filter(shop=shop, tracking_no=tracking_no).select_related("order")
    if carrier := payload.get("carrier"):
        shipments = shipments.filter(carrier=carrier)
    shipment = shipments.first()
    if shipment is None:
        return _error("shipment_not_found", "no shipment with this tracking number in this shop", 404)

    added = 0
    try:
        for occurred_at, description, location, signed in sorted(parsed, key=lambda e: e[0]):
            event = tracking_event_add(
                shipment=shipment, occurred_at=occurred_at, description=description, location=location,
                is_signed=signed, source="push",
            )  # fmt: skip
            added += event is not None
    except ApplicationError as exc:
        return _error(exc.code, exc.message, exc.http_status)
    return JsonResponse({"code": "ok", "added": added, "duplicates": len(parsed) - added})
