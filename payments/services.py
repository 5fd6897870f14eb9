"""Refunds: reserved in the caller's transaction, sent to the provider after commit."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from payments.models import Refund
from payments.providers import ProviderError, get_provider, provider_for_order

logger = logging.getLogger(__name__)


def refund_start(*, order, after_sale) -> Refund:
    """Create the refund record (inside the caller's transaction, rows locked)."""
    return Refund.objects.create(
        shop_id=order.shop_id,
        order=order,
        after_sale=after_sale,
        provider=provider_for_order(order).code,
        amount_fen=after_sale.amount_fen,
    )


def refund_submit(*, refund: Refund) -> Refund:
    """Send a pending refund to its provider. Must be called with no row locked (it may do network
    I/O); the outcome is applied in a short transaction of its own."""
    from orders.services import after_sale_refund_result

    refund.refresh_from_db()
    if refund.status != Refund.Status.PENDING:
        return refund
    provider = provider_for_order(refund.order)
    try:
        late = refund.after_sale_id is None  # a payment that arrived for a cancelled order
        outcome = provider.refund(
            refund=refund,
            total_fen=refund.amount_fen if late else refund.order.paid_fen,
            reason="订单已取消，自动退款" if late else refund.after_sale.reason,
        )
    except Exception as exc:
        logger.exception("refund %s failed at provider %s", refund.out_refund_no, provider.code)
        outcome_failed = str(exc)[:255]
        with transaction.atomic():
            Refund.objects.filter(pk=refund.pk).update(
                status=Refund.Status.FAILED, failure_reason=outcome_failed
            )
            if refund.after_sale_id:
                after_sale_refund_result(after_sale=refund.after_sale, succeeded=False, detail=outcome_failed)
        refund.refresh_from_db()
        return refund
    with transaction.atomic():
        if not outcome.accepted:
            Refund.objects.filter(pk=refund.pk).update(
                status=Refund.Status.FAILED, failure_reason=outcome.detail[:255]
            )
            if refund.after_sale_id:
                after_sale_refund_result(after_sale=refund.after_sale, succeeded=False, detail=outcome.detail)
        elif outcome.settled:
            Refund.objects.filter(pk=refund.pk).update(
                status=Refund.Status.SUCCEEDED, provider_refund_id=outcome.provider_refund_id,
                succeeded_at=timezone.now(),
            )  # fmt: skip
            if refund.after_sale_id:
                after_sale_refund_result(after_sale=refund.after_sale, succeeded=True)
        else:
            # the refund notification may already have settled it (it can arrive before this answer)
            Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
                status=Refund.Status.PROCESSING, provider_refund_id=outcome.provider_refund_id
            )
    refund.refresh_from_db()
    return refund


# ---------------------------------------------------------------- payment notifications


def _reject(code: str, message: str, status: int = 400):
    from payments.wechat.notify import NotificationRejected

    return NotificationRejected(code, message, status)


def payment_notify_handle(*, shop, headers, body: bytes) -> str:
    """Handle a WeChat Pay notification for ``shop``. Returns what happened; raises
    ``NotificationRejected`` (answered 4xx with ``{"code": "FAIL"}``) if it must not be believed.
    Handling the same notification again changes nothing."""
    from payments.models import PaymentNotification, WeChatPayConfig
    from payments.wechat.notify import verify_notification

    config = WeChatPayConfig.objects.filter(shop=shop).first()
    if config is None:
        raise _reject("not_configured", "WeChat Pay is not configured for this shop", 404)
    note = verify_notification(
        headers=headers, body=body, platform_keys=config.platform_keys(), apiv3_key=config.apiv3_key
    )
    if PaymentNotification.objects.filter(notification_id=note.id).exists():
        return "duplicate"
    if note.event_type == "TRANSACTION.SUCCESS":
        outcome = payment_apply_success(shop=shop, config=config, resource=note.resource)
    elif note.event_type in ("REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED"):
        outcome = refund_apply_result(shop=shop, config=config, resource=note.resource)
    else:
        raise _reject("event_unexpected", f"unexpected event_type {note.event_type}", 400)
    try:
        with transaction.atomic():
            PaymentNotification.objects.create(
                shop=shop, notification_id=note.id, event_type=note.event_type,
                out_trade_no=str(note.resource.get("out_trade_no", "")), outcome=outcome,
            )  # fmt: skip
    except IntegrityError:
        return "duplicate"
    return outcome


def payment_apply_success(*, shop, config, resource: dict) -> str:
    """A transaction reported SUCCESS (by a notification or by our query): check it against our
    payment attempt, mark the order paid once, and refund it if the order was cancelled meanwhile.
    Notification and query may race: the attempt row lock makes exactly one of them apply it."""
    from django.utils.dateparse import parse_datetime

    from orders.models import OrderEvent
    from orders.services import order_mark_paid
    from orders.state import order_note
    from payments.models import PaymentAttempt
    from shop.errors import ApplicationError

    if resource.get("mchid") != config.mchid:
        raise _reject("mchid_mismatch", "mchid does not match this shop's merchant account")
    if resource.get("appid") not in config.appids():
        raise _reject("appid_mismatch", "appid does not match this shop")
    if resource.get("trade_state") != "SUCCESS":
        raise _reject("trade_state", f"trade_state is {resource.get('trade_state')}")
    refund = None
    with transaction.atomic():
        attempt = (
            PaymentAttempt.objects.select_for_update()
            .select_related("order")
            .filter(shop=shop, out_trade_no=str(resource.get("out_trade_no", "")))
            .first()
        )
        if attempt is None:
            raise _reject("order_unknown", "no payment with this out_trade_no", 404)
        amount = resource.get("amount") or {}
        if amount.get("total") != attempt.amount_fen or amount.get("currency", "CNY") != "CNY":
            raise _reject("amount_mismatch", "amount does not match the order")
        if attempt.status == PaymentAttempt.Status.SUCCEEDED:
            return "already_paid"
        attempt.status = PaymentAttempt.Status.SUCCEEDED
        attempt.transaction_id = str(resource.get("transaction_id", ""))[:64]
        attempt.payer_openid = str((resource.get("payer") or {}).get("openid", ""))[:64]
        attempt.paid_at = parse_datetime(str(resource.get("success_time", ""))) or timezone.now()
        try:
            order_mark_paid(order=attempt.order, amount_fen=attempt.amount_fen, paid_at=attempt.paid_at,
                            reference=attempt.transaction_id)  # fmt: skip
            outcome = "paid"
        except ApplicationError as exc:  # cancelled (or otherwise unpayable) meanwhile: give it back
            attempt.note = f"{exc.code}: 已自动退款"
            refund = Refund.objects.create(
                shop_id=shop.pk, order=attempt.order, provider="wechat", amount_fen=attempt.amount_fen,
            )  # fmt: skip
            order_note(
                order=attempt.order, event=OrderEvent.Type.NOTE, actor_kind=OrderEvent.Actor.SYSTEM,
                message="支付到账时订单已取消，款项将原路退回。", data={"out_refund_no": refund.out_refund_no},
            )  # fmt: skip
            outcome = "refunded_late_payment"
        attempt.save(
            update_fields=["status", "transaction_id", "payer_openid", "paid_at", "note", "updated_at"]
        )
    if refund is not None:
        transaction.on_commit(lambda: refund_submit(refund=refund))
    return outcome


# ---------------------------------------------------------------- paying an order


def payment_require_configured(*, shop) -> None:
    """Orders are taken only once the shop can be paid: a WeChat Pay account is set up (a
    simulator-mode one counts). ``order_place`` asks this before it reserves any stock."""
    from payments.models import WeChatPayConfig
    from shop.errors import ApplicationError

    if not WeChatPayConfig.objects.filter(shop=shop).exists():
        raise ApplicationError(
            "payment_not_configured", _("本店暂未开通微信支付，暂时无法下单，请稍后再来。"), http_status=409
        )


def payment_start(*, order, scene: str, notify_url: str, openid: str = "", client_ip: str = ""):
    """Create (or reuse) a payment attempt for an unpaid order and get the provider's prepay
    answer. The prepay is a network call: no row is locked while it runs."""
    from orders.models import OrderStatus
    from payments.models import PaymentAttempt, WeChatPayConfig
    from shop.errors import ApplicationError

    if order.status != OrderStatus.PENDING_PAYMENT or order.pay_deadline <= timezone.now():
        raise ApplicationError("order_not_payable", "订单已支付、已取消或已超过支付时限。", http_status=409)
    config = WeChatPayConfig.objects.filter(shop_id=order.shop_id).first()
    if config is None:
        raise ApplicationError("payment_not_configured", "店铺尚未开通微信支付。", http_status=409)
    attempt = PaymentAttempt.objects.filter(
        order=order, scene=scene, status=PaymentAttempt.Status.PENDING
    ).first()
    if attempt is None or not (attempt.prepay_id or attempt.code_url or attempt.h5_url):
        if attempt is None:
            with transaction.atomic():
                number = PaymentAttempt.objects.filter(order=order).count() + 1
                attempt = PaymentAttempt.objects.create(
                    shop_id=order.shop_id, order=order, out_trade_no=f"{order.order_no}P{number:02d}", scene=scene,
                    amount_fen=order.total_fen, payer_openid=openid,
                )  # fmt: skip
        first_line = order.lines.first()
        description = f"{order.shop.name}-{first_line.title if first_line else order.order_no}"
        try:
            data = get_provider(attempt.provider).create(
                attempt=attempt,
                description=description,
                notify_url=notify_url,
                openid=openid,
                client_ip=client_ip,
            )
        except (ProviderError, OSError, ValueError) as exc:
            logger.warning("prepay failed for %s: %s", attempt.out_trade_no, exc)
            raise ApplicationError(
                "payment_unavailable", "微信支付暂时不可用，请稍后再试。", http_status=503
            ) from exc
        PaymentAttempt.objects.filter(pk=attempt.pk).update(
            prepay_id=data.get("prepay_id", ""), code_url=data.get("code_url", ""), h5_url=data.get("h5_url", ""),
            updated_at=timezone.now(),
        )  # fmt: skip
        attempt.refresh_from_db()
    return attempt


def payment_refresh(*, order) -> bool:
    """The shopper is back from paying but no notification has arrived: ask WeChat (query) about
    every pending attempt and apply a SUCCESS exactly as a notification would. Returns True if
    the order is now paid."""
    from orders.models import OrderStatus
    from payments.models import PaymentAttempt, WeChatPayConfig

    config = WeChatPayConfig.objects.filter(shop_id=order.shop_id).first()
    if config is None or order.status != OrderStatus.PENDING_PAYMENT:
        return order.status != OrderStatus.PENDING_PAYMENT and order.paid_at is not None
    for attempt in PaymentAttempt.objects.filter(order=order, status=PaymentAttempt.Status.PENDING).exclude(
        prepay_id="", code_url="", h5_url=""
    ):
        try:
            resource = get_provider(attempt.provider).query(attempt=attempt)
        except (ProviderError, OSError, ValueError) as exc:
            logger.warning("query failed for %s: %s", attempt.out_trade_no, exc)
            continue
        if resource.get("trade_state") == "SUCCESS":
            payment_apply_success(
                shop=order.shop,
                config=config,
                resource={**resource, "mchid": resource.get("mchid", config.mchid)},
            )
            return True
    return False


def refund_apply_result(*, shop, config, resource: dict) -> str:
    """A refund's final state from WeChat (notification or query): record it once and tell the
    after-sales request, whose result then shows on the order's timeline."""
    from orders.services import after_sale_refund_result

    if resource.get("mchid", config.mchid) != config.mchid:
        raise _reject("mchid_mismatch", "mchid does not match this shop's merchant account")
    status = resource.get("refund_status") or resource.get("status")
    with transaction.atomic():
        refund = (
            Refund.objects.select_for_update()
            .filter(shop=shop, out_refund_no=str(resource.get("out_refund_no", "")))
            .first()
        )
        if refund is None:
            raise _reject("refund_unknown", "no refund with this out_refund_no", 404)
        if (resource.get("amount") or {}).get("refund") not in (None, refund.amount_fen):
            raise _reject("amount_mismatch", "refund amount does not match")
        if refund.status in (Refund.Status.SUCCEEDED, Refund.Status.FAILED):
            return "already_final"
        succeeded = status == "SUCCESS"
        refund.status = Refund.Status.SUCCEEDED if succeeded else Refund.Status.FAILED
        refund.provider_refund_id = str(resource.get("refund_id", refund.provider_refund_id))[:64]
        refund.succeeded_at = timezone.now() if succeeded else None
        refund.failure_reason = "" if succeeded else f"WeChat: {status}"
        refund.save(
            update_fields=["status", "provider_refund_id", "succeeded_at", "failure_reason", "updated_at"]
        )
        if refund.after_sale_id:
            after_sale_refund_result(
                after_sale=refund.after_sale, succeeded=succeeded, detail=refund.failure_reason
            )
    return "refund_" + ("succeeded" if succeeded else "failed")


# ---------------------------------------------------------------- periodic jobs


def payments_reconcile(*, older_than_minutes: int = 3, limit: int = 200) -> int:
    """Lost notifications: ask WeChat about payments still pending after a few minutes whose order
    is still waiting. Returns how many orders turned out to be paid."""
    from orders.models import OrderStatus
    from payments.models import PaymentAttempt

    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    orders = {
        attempt.order for attempt in PaymentAttempt.objects.filter(
            status=PaymentAttempt.Status.PENDING, created_at__lte=cutoff, order__status=OrderStatus.PENDING_PAYMENT,
        ).select_related("order", "order__shop")[:limit]
    }  # fmt: skip
    return sum(1 for order in orders if payment_refresh(order=order))


def payments_close_abandoned(*, limit: int = 200) -> int:
    """Close at WeChat the pending payments of orders that were cancelled (e.g. expired), so a late
    payment cannot succeed. A payment that succeeded anyway is applied (and refunded) instead."""
    from orders.models import OrderStatus
    from payments.models import PaymentAttempt, WeChatPayConfig

    closed = 0
    attempts = PaymentAttempt.objects.filter(
        status=PaymentAttempt.Status.PENDING, order__status=OrderStatus.CANCELLED
    ).select_related("order", "shop")[:limit]
    for attempt in attempts:
        config = WeChatPayConfig.objects.filter(shop_id=attempt.shop_id).first()
        if config is None:
            continue
        try:
            get_provider(attempt.provider).close(attempt=attempt)
        except ProviderError as exc:
            if "ORDERPAID" in str(exc):
                payment_refresh_attempt(attempt=attempt, config=config)
            else:
                logger.warning("close failed for %s: %s", attempt.out_trade_no, exc)
            continue
        except (OSError, ValueError) as exc:
            logger.warning("close failed for %s: %s", attempt.out_trade_no, exc)
            continue
        PaymentAttempt.objects.filter(pk=attempt.pk, status=PaymentAttempt.Status.PENDING).update(
            status=PaymentAttempt.Status.CLOSED, updated_at=timezone.now()
        )
        closed += 1
    return closed


def payment_refresh_attempt(*, attempt, config) -> str | None:

    resource = get_provider(attempt.provider).query(attempt=attempt)
    if resource.get("trade_state") in ("SUCCESS", "REFUND"):
        return payment_apply_success(
            shop=attempt.shop, config=config, resource={**resource, "trade_state": "SUCCESS"}
        )
    return None
