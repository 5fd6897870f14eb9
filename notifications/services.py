"""Order messages: on each order event the shopper is told about (``messages.EVENTS``), one
WeChat ``Notification`` row per channel the shopper can be reached on (the account's template
message and/or the mini-program's subscribe message, when the shop configured the template and the
shopper has an openid there), written in the same transaction as the event. wechat sends the rows
after commit (``wechat.notifications``: the outbox, its claims, retries and the delivery job).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from notifications.messages import EVENTS, payload
from orders.models import Order, OrderEvent
from wechat.identity import openid_for
from wechat.models import Follower, MessageSubscription, Notification, WeChatAccount
from wechat.notifications import notifications_dispatch


def order_event_listener(event: OrderEvent) -> None:
    """Registered on the order events port "in the transaction" (``NotificationsConfig.ready``): the
    rows are written with the event, so they commit or roll back with it."""
    notifications_queue(order_event=event)


def notifications_queue(*, order_event: OrderEvent) -> list[Notification]:
    """Called where an order event is recorded, inside its transaction."""
    kind = EVENTS.get(order_event.type)
    if kind is None:
        return []
    order = order_event.order
    account = WeChatAccount.objects.filter(shop_id=order.shop_id).first()
    if account is None:
        return []
    created = []
    for channel, appid in ((Notification.Channel.ACCOUNT, account.appid),
                           (Notification.Channel.MINIPROGRAM, account.miniprogram_appid)):  # fmt: skip
        template = account.template_for(channel=channel, event=kind)
        openid = openid_for(user=order.user, appid=appid) if template else ""
        if not openid:
            continue
        if (
            channel == Notification.Channel.ACCOUNT
            and Follower.objects.filter(shop_id=order.shop_id, openid=openid, is_subscribed=False).exists()
        ):
            continue  # template messages reach followers only
        if channel == Notification.Channel.MINIPROGRAM and not _use_subscription(
            order=order, template_id=template
        ):
            continue  # subscribe messages need an acceptance each
        created.append(
            Notification.objects.create(
                shop_id=order.shop_id,
                order=order,
                order_event=order_event,
                event=kind,
                channel=channel,
                openid=openid,
                template_id=template,
                data=payload(order=order, event=order_event, kind=kind),
                next_attempt_at=timezone.now(),
            )
        )
    if created:
        ids = [n.pk for n in created]
        transaction.on_commit(lambda: notifications_dispatch(ids))
    return created


def _use_subscription(*, order: Order, template_id: str) -> bool:
    """Spend one of the shopper's acceptances of this template, if they have one left."""
    return bool(
        MessageSubscription.objects.filter(
            shop_id=order.shop_id, user_id=order.user_id, template_id=template_id, remaining__gt=0
        ).update(remaining=F("remaining") - 1)
    )
