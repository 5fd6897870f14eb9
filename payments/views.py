"""WeChat Pay's notify URL: ``POST /payments/wechat/notify/<shop>/``."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.services import payment_notify_handle
from payments.wechat.notify import NotificationRejected
from shop.models import Shop

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def wechat_notify(request: HttpRequest, shop_slug: str) -> HttpResponse:
    """Answer 204 once handled (WeChat stops retrying); 4xx/5xx with ``{"code": "FAIL"}`` otherwise."""
    shop = Shop.objects.filter(slug=shop_slug).first()
    if shop is None:
        return JsonResponse({"code": "FAIL", "message": "unknown shop"}, status=404)
    try:
        outcome = payment_notify_handle(shop=shop, headers=request.headers, body=request.body)
    except NotificationRejected as exc:
        logger.warning("wechat notify rejected for %s: %s %s", shop_slug, exc.code, exc.message)
        return JsonResponse({"code": "FAIL", "message": exc.message}, status=exc.status)
    logger.info("wechat notify for %s: %s", shop_slug, outcome)
    return HttpResponse(status=204)
