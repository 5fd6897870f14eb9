"""The order-message outbox: sending the ``Notification`` rows the notifications app writes with an
order event ("paid", "shipped", "delivered", "refunded": notifications/services.py decides which
message goes out on which event and what it says), and the shopper's subscribe-message acceptances.

After commit the rows are sent in the background: a Celery task per row when a broker runs,
otherwise the periodic job (``manage.py run_jobs``, ``make run``). Each row is claimed before the
call (``sending``, with a lease of ``LEASE``; the claim locks only notification rows and skips
rows other workers hold), so a row is sent once, whoever runs it; a failure is retried with
back-off (1 min, 5 min, 30 min, 2 h) and given up after 5 attempts; a refusal (43101, or 43004:
not following the account) is recorded and never retried. A worker killed mid-send leaves its
row ``sending`` until the lease runs out; the row is then retried once more, and failed if that
send dies too.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from wechatpy.exceptions import WeChatException

from wechat.client import account_client, miniprogram_client
from wechat.locks import notifications_claimable_lock
from wechat.models import MessageSubscription, Notification, WeChatAccount

logger = logging.getLogger(__name__)

REFUSED_CODES = frozenset({43101, 43004})  # refused the subscription / does not follow the account
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(BACKOFF) + 1
# how long a claim holds a row: far above one send (two HTTP calls of WECHAT_HTTP_TIMEOUT each)
LEASE = timedelta(minutes=2)
S = Notification.Status


def subscriptions_record(*, shop_id: int, user, results: dict[str, str]) -> dict[str, int]:
    """The outcome of ``wx.requestSubscribeMessage`` (``{template_id: "accept" | "reject" | "ban"}``):
    each "accept" of one of the shop's templates allows one more message. Returns the remaining
    sends per event."""
    account = WeChatAccount.objects.filter(shop_id=shop_id).first()
    templates = miniprogram_templates(account)
    for template_id, outcome in results.items():
        if outcome != "accept" or template_id not in templates.values():
            continue  # a template of another shop, or a refusal: nothing to record
        subscription, _created = MessageSubscription.objects.get_or_create(
            shop_id=shop_id, user=user, template_id=template_id
        )
        MessageSubscription.objects.filter(pk=subscription.pk).update(remaining=F("remaining") + 1)
    return subscriptions_remaining(shop_id=shop_id, user=user, templates=templates)


MARKETING = "marketing"  # the shop's news (crm's campaigns): ``WeChatAccount.mp_tpl_marketing``


def miniprogram_templates(account: WeChatAccount | None) -> dict[str, str]:
    """{event: template id} of the mini-program's subscribe messages the shop set up: the order
    events', and ``marketing`` for campaigns (crm spends those acceptances, one per message)."""
    if account is None or not account.miniprogram_appid:
        return {}
    templates = {
        e: account.template_for(channel=Notification.Channel.MINIPROGRAM, event=e)
        for e in Notification.Event.values
    }
    templates[MARKETING] = account.mp_tpl_marketing
    return {event: template for event, template in templates.items() if template}


def subscriptions_remaining(*, shop_id: int, user, templates: dict[str, str]) -> dict[str, int]:
    counts = dict(
        MessageSubscription.objects.filter(shop_id=shop_id, user=user).values_list("template_id", "remaining")
    )
    return {event: counts.get(template, 0) for event, template in templates.items()}


def notifications_dispatch(ids: list[int]) -> None:
    """After commit: hand the rows to Celery workers when a broker runs; without one (``make run``)
    the periodic job sends them within its interval."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    from wechat.tasks import send_notification

    for pk in ids:
        send_notification.delay(pk)


def _claimable(now: datetime) -> Q:
    """Due rows, and rows whose worker's lease ran out (it died mid-send, or hangs); a row left
    ``sending`` with no lease was claimed before leases existed, and is as good as lapsed."""
    return Q(status=S.PENDING, next_attempt_at__lte=now) | (
        Q(status=S.SENDING) & (Q(lease_until__lt=now) | Q(lease_until__isnull=True))
    )


def notifications_claim_due(*, limit: int = 1, pk: int | None = None) -> list[Notification]:
    """Claim up to ``limit`` claimable rows (or the one row ``pk``) for this worker: each is set
    ``sending`` with a lease of ``LEASE``, in one short transaction.

    Only the notification rows are locked (``of=("self",)``: never the shop or order rows
    joined for the message), and rows another worker holds are skipped (``skip_locked``), so
    workers take disjoint rows and never wait for each other or for a shop's other writes.
    A row whose lease ran out is retried once; if that send dies too, it is given up (failed):
    the message may have reached the shopper, and a third copy is worse than none."""
    while True:
        now = timezone.now()
        with transaction.atomic():
            queryset = notifications_claimable_lock().filter(_claimable(now))
            if pk is not None:
                queryset = queryset.filter(pk=pk)
            rows = list(queryset[:limit])
            claimed, given_up = [], 0
            for notification in rows:
                lapsed = notification.status == S.SENDING
                if lapsed and notification.lease_lapses >= 1:
                    Notification.objects.filter(pk=notification.pk).update(
                        status=S.FAILED, lease_until=None, next_attempt_at=None, updated_at=now,
                        last_error=gettext("发送两次中断（租约过期），已放弃。"),
                    )  # fmt: skip
                    logger.warning("notification %s: lease ran out twice, given up", notification.pk)
                    given_up += 1
                    continue
                notification.status = S.SENDING
                notification.attempts += 1
                notification.lease_until = now + LEASE
                notification.lease_lapses += lapsed
                notification.save(
                    update_fields=["status", "attempts", "lease_until", "lease_lapses", "updated_at"]
                )
                claimed.append(notification)
        if claimed or not given_up or pk is not None:
            return claimed


def notification_send(*, notification_id: int) -> str:
    """Send one due notification; returns its new status ("" if it was not due or taken)."""
    claimed = notifications_claim_due(pk=notification_id)
    if not claimed:
        return ""
    return _deliver(claimed[0])


def _deliver(notification: Notification) -> str:
    """Send a claimed notification (no row locked during the call) and record the outcome."""
    account = WeChatAccount.objects.filter(shop_id=notification.shop_id).first()
    error, refused = "", False
    try:
        if account is None:
            raise ValueError("the shop has no WeChat account any more")
        if notification.channel == Notification.Channel.ACCOUNT:
            url = reverse("h5:order", args=[notification.shop.slug, notification.order.order_no])
            account_client(account).message.send_template(
                notification.openid, notification.template_id, notification.data,
                url=f"{settings.PUBLIC_URL}{url}" if settings.PUBLIC_URL else None,
            )  # fmt: skip
        else:
            miniprogram_client(account).send_subscribe_message(
                openid=notification.openid, template_id=notification.template_id, data=notification.data,
                page=f"pages/order/detail?order_no={notification.order.order_no}",
            )  # fmt: skip
    except WeChatException as exc:
        error, refused = f"{exc.errcode} {exc.errmsg}", exc.errcode in REFUSED_CODES
    except (requests.RequestException, ValueError) as exc:
        error = f"{exc.__class__.__name__}: {exc}"
    return notification_finish(notification=notification, error=error, refused=refused)


def notification_finish(*, notification: Notification, error: str, refused: bool) -> str:
    """Record how a claimed send went; returns the new status. Guarded by the claim itself
    (still ``sending``, same attempt): a worker whose lease ran out and whose row was claimed
    again changes nothing (returns "")."""
    now = timezone.now()
    fields: dict[str, Any] = {"last_error": error[:255], "updated_at": now, "lease_until": None}
    if not error:
        fields.update(status=S.SENT, sent_at=now, next_attempt_at=None)
    elif refused:
        fields.update(status=S.REFUSED, next_attempt_at=None)
    elif notification.attempts >= MAX_ATTEMPTS:
        fields.update(status=S.FAILED, next_attempt_at=None)
    else:
        fields.update(status=S.PENDING, next_attempt_at=now + BACKOFF[notification.attempts - 1])
    if error:
        logger.warning("notification %s: %s", notification.pk, error)
    updated = Notification.objects.filter(
        pk=notification.pk, status=S.SENDING, attempts=notification.attempts
    ).update(**fields)
    return fields["status"] if updated else ""


def notifications_send_due(*, limit: int = 200) -> int:
    """The periodic job: claim and send due notifications one at a time (several workers may run
    it at once: each claims rows the others do not hold); returns how many were sent."""
    sent = 0
    for _ in range(limit):
        claimed = notifications_claim_due(limit=1)
        if not claimed:
            break
        sent += _deliver(claimed[0]) == S.SENT
    return sent
