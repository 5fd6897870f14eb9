"""Payments and refunds. Every status change goes through payments/state.py (guarded, with an
event row); refunds are reserved in the caller's transaction and sent to the provider after commit;
no network call is made with a row locked."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.locks import order_lock, order_lock_if_exists
from payments.locks import payment_attempt_lock, refund_lock_by_number
from payments.models import PaymentAttempt, PaymentEvent, Refund
from payments.providers import (
    ProviderError,
    ProviderUnavailable,
    RefundOutcome,
    get_provider,
    online_provider,
    provider_for_order,
)
from payments.selectors import payment_of_order
from payments.state import payment_created, payment_move, payment_transition, refund_created, refund_move

if TYPE_CHECKING:
    from accounts.models import User
    from orders.models import AfterSale, Order
    from payments.models import WeChatPayConfig
    from payments.wechat.notify import NotificationRejected
    from shop.models import Shop

logger = logging.getLogger(__name__)
P = PaymentAttempt.Status
R = Refund.Status
A = PaymentEvent.Actor


def refund_start(*, order: Order, after_sale: AfterSale, actor: User | None = None) -> Refund:
    """Create the refund record (inside the caller's transaction, rows locked). It goes back
    through the payment that paid the order."""
    payment = payment_of_order(order_id=order.pk)
    refund = Refund.objects.create(
        shop_id=order.shop_id, order=order, after_sale=after_sale, payment=payment,
        provider=payment.provider if payment else provider_for_order(order).code,
        amount_fen=after_sale.amount_fen, reason=(after_sale.reason or "")[:80],
    )  # fmt: skip
    refund_created(
        refund=refund, actor_kind=A.MERCHANT if actor else A.SYSTEM, actor=actor,
        message=_("售后申请 %(no)s 同意退款") % {"no": after_sale.after_sale_no},
    )  # fmt: skip
    return refund


def refund_submit(*, refund: Refund) -> Refund:
    """Send a pending refund to its provider. Must be called with no row locked (it may do network
    I/O); the answer is applied in a short transaction of its own (``refund_record_answer``)."""
    refund.refresh_from_db()
    if refund.status != R.PENDING:
        return refund
    return _refund_send(refund)


def _refund_send(refund: Refund) -> Refund:
    provider = get_provider(refund.provider)
    reason = refund.reason or (refund.after_sale.reason if refund.after_sale else "")
    total_fen = refund.payment.amount_fen if refund.payment else refund.order.paid_fen
    try:
        outcome = provider.refund(refund=refund, total_fen=total_fen, reason=reason)
    except ProviderUnavailable as exc:
        return refund_record_answer(refund_id=refund.pk, outcome=None, detail=str(exc))
    except Exception as exc:  # the request may or may not have reached the provider
        logger.exception("refund %s: no answer from provider %s", refund.out_refund_no, provider.code)
        return refund_record_answer(refund_id=refund.pk, outcome=None, detail=str(exc))
    return refund_record_answer(refund_id=refund.pk, outcome=outcome)


def refund_record_answer(*, refund_id: int, outcome: RefundOutcome | None, detail: str = "") -> Refund:
    """Apply the provider's answer to our refund request. ``None``: no answer we can believe
    (timeout, unreachable, bad signature) — the refund may exist at the provider, so it is *not*
    failed: it waits (退款中) for the notification or the reconcile job's query. Every move is
    guarded: an answer arriving after the notification settled the refund changes nothing."""
    from orders.services import after_sale_refund_result

    with transaction.atomic():
        if outcome is None:
            refund_move(
                refund_id=refund_id, to=R.PROCESSING, actor_kind=A.SYSTEM,
                message=_("微信支付未给出可信应答，等待通知或查询确认。"), data={"detail": detail[:255]},
            )  # fmt: skip
        elif not outcome.accepted:
            moved = refund_move(
                refund_id=refund_id, to=R.FAILED, actor_kind=A.PROVIDER, message=outcome.detail,
                fields={"failure_reason": outcome.detail[:255]},
            )  # fmt: skip
            if moved is not None and moved.after_sale is not None:
                after_sale_refund_result(after_sale=moved.after_sale, succeeded=False, detail=outcome.detail)
        elif outcome.settled:
            moved = refund_move(
                refund_id=refund_id, to=R.SUCCEEDED, actor_kind=A.PROVIDER,
                fields={"provider_refund_id": outcome.provider_refund_id},
            )  # fmt: skip
            if moved is not None and moved.after_sale is not None:
                after_sale_refund_result(after_sale=moved.after_sale, succeeded=True)
        else:
            refund_move(
                refund_id=refund_id, to=R.PROCESSING, actor_kind=A.PROVIDER,
                fields={"provider_refund_id": outcome.provider_refund_id},
            )  # fmt: skip
    return Refund.objects.get(pk=refund_id)


# ---------------------------------------------------------------- payment notifications


def _reject(code: str, message: str, status: int = 400) -> NotificationRejected:
    from payments.wechat.notify import NotificationRejected

    return NotificationRejected(code, message, status)


def payment_notify_handle(*, shop: Shop, headers: Mapping[str, str], body: bytes) -> str:
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
    elif note.event_type == "MCHTRANSFER.BILL.FINISHED":  # 商家转账 (payments/transfers.py)
        from payments.transfers import transfer_apply_result

        outcome = "transfer_" + transfer_apply_result(shop=shop, config=config, resource=note.resource)
    else:
        raise _reject("event_unexpected", f"unexpected event_type {note.event_type}", 400)
    try:
        with transaction.atomic():
            PaymentNotification.objects.create(
                shop=shop, notification_id=note.id, event_type=note.event_type,
                out_trade_no=str(note.resource.get("out_trade_no") or note.resource.get("out_bill_no") or "")[:64],
                outcome=outcome,
            )  # fmt: skip
    except IntegrityError:
        return "duplicate"
    return outcome


def _give_back(code: str) -> tuple[str, str, str]:
    """Why an unwanted payment is refunded: (refund reason shown to the payer, timeline note, outcome)."""
    if code == "order_already_paid":
        return (
            _("重复支付，自动退款"),
            _("订单已支付，又收到一笔重复支付的款项，将原路退回。"),
            "refunded_duplicate_payment",
        )
    if code == "order_not_payable":
        return _("订单已取消，自动退款"), _("支付到账时订单已取消，款项将原路退回。"), "refunded_late_payment"
    return (
        _("支付金额与订单不符，自动退款"),
        _("收到的付款与订单金额不符，款项将原路退回。"),
        "refunded_amount_mismatch",
    )


def payment_apply_success(*, shop: Shop, config: WeChatPayConfig, resource: dict[str, Any]) -> str:
    """A transaction reported SUCCESS (by a notification or by our query): check it against our
    payment attempt, mark the order paid once, and refund it if the order cannot take it (paid by
    another payment already, cancelled meanwhile). Notification and query may race: the attempt
    row lock makes exactly one of them apply it."""
    from core.errors import ApplicationError
    from orders.models import OrderEvent
    from orders.services import order_mark_paid
    from orders.state import order_note

    if resource.get("mchid") != config.mchid:
        raise _reject("mchid_mismatch", "mchid does not match this shop's merchant account")
    if resource.get("appid") not in config.appids():
        raise _reject("appid_mismatch", "appid does not match this shop")
    if resource.get("trade_state") != "SUCCESS":
        raise _reject("trade_state", f"trade_state is {resource.get('trade_state')}")
    refund = None
    with transaction.atomic():
        found = (
            PaymentAttempt.objects.filter(shop=shop, out_trade_no=str(resource.get("out_trade_no", "")))
            .values_list("pk", "order_id")
            .first()
        )
        if found is None:
            raise _reject("order_unknown", "no payment with this out_trade_no", 404)
        # The order first, then the attempt, as every other path locks them (never both in one
        # statement: the order in which a join locks its rows is not ours to choose).
        order_lock_if_exists(pk=found[1])
        attempt = payment_attempt_lock(pk=found[0])
        amount = resource.get("amount") or {}
        if amount.get("total") != attempt.amount_fen or amount.get("currency", "CNY") != "CNY":
            raise _reject("amount_mismatch", "amount does not match the order")
        if attempt.status == P.SUCCEEDED:
            return "already_paid"
        transaction_id = str(resource.get("transaction_id", ""))[:64]
        paid_at = parse_datetime(str(resource.get("success_time", ""))) or timezone.now()
        fields = {
            "transaction_id": transaction_id,
            "payer_openid": str((resource.get("payer") or {}).get("openid", ""))[:64],
        }
        message = ""
        try:
            order_mark_paid(order=attempt.order, amount_fen=attempt.amount_fen, paid_at=paid_at,
                            reference=transaction_id)  # fmt: skip
            outcome = "paid"
        except ApplicationError as exc:  # the order cannot take this payment: give it back
            reason, note, outcome = _give_back(exc.code)
            fields["note"] = message = reason
            refund = Refund.objects.create(
                shop_id=shop.pk, order=attempt.order, payment=attempt, provider=attempt.provider,
                amount_fen=attempt.amount_fen, reason=reason,
            )  # fmt: skip
            refund_created(refund=refund, actor_kind=A.SYSTEM, message=reason)
            order_note(
                order=attempt.order, event=OrderEvent.Type.NOTE, actor_kind=OrderEvent.Actor.SYSTEM, message=note,
                data={"out_refund_no": refund.out_refund_no, "out_trade_no": attempt.out_trade_no},
            )  # fmt: skip
        payment_transition(
            attempt=attempt, to=P.SUCCEEDED, actor_kind=A.PROVIDER, message=message, fields=fields, at=paid_at,
            data={"transaction_id": transaction_id},
        )  # fmt: skip
    if refund is not None:
        transaction.on_commit(lambda: refund_submit(refund=refund))
    return outcome


# ---------------------------------------------------------------- paying an order


def payment_require_configured(*, shop: Shop) -> None:
    """Orders are taken only once the shop can be paid: a WeChat Pay account is set up (a
    simulator-mode one counts). ``order_place`` asks this before it reserves any stock."""
    from core.errors import ApplicationError
    from payments.models import WeChatPayConfig

    if not WeChatPayConfig.objects.filter(shop=shop).exists():
        raise ApplicationError(
            "payment_not_configured", _("本店暂未开通微信支付，暂时无法下单，请稍后再来。"), http_status=409
        )


def payment_start(
    *, order: Order, scene: str, notify_url: str, openid: str = "", client_ip: str = ""
) -> PaymentAttempt:
    """Create (or reuse) a payment attempt for an unpaid order and get the provider's prepay
    answer. The prepay is a network call: no row is locked while it runs. Any provider failure
    (timeout, no connection, an answer whose signature does not verify, not JSON, a refusal) is
    ``503 payment_provider_unavailable``; the merchant sees why on the shop's WeChat Pay config."""
    from core.errors import ApplicationError
    from orders.models import OrderStatus
    from payments.models import WeChatPayConfig

    if order.status != OrderStatus.PENDING_PAYMENT or order.pay_deadline <= timezone.now():
        raise ApplicationError(
            "order_not_payable", _("订单已支付、已取消或已超过支付时限。"), http_status=409
        )
    config = WeChatPayConfig.objects.filter(shop_id=order.shop_id).first()
    if config is None:
        raise ApplicationError("payment_not_configured", _("店铺尚未开通微信支付。"), http_status=409)
    attempt = PaymentAttempt.objects.filter(order=order, scene=scene, status=P.PENDING).first()
    if attempt is None:
        attempt = _payment_attempt_new(order=order, scene=scene, openid=openid)
    if not (attempt.prepay_id or attempt.code_url or attempt.h5_url):
        first_line = order.lines.first()
        description = f"{order.shop.name}-{first_line.title if first_line else order.order_no}"
        try:
            data = online_provider(attempt.provider).create(
                attempt=attempt,
                description=description,
                notify_url=notify_url,
                openid=openid,
                client_ip=client_ip,
            )
        except (ProviderError, OSError, ValueError) as exc:
            logger.warning("prepay failed for %s: %s", attempt.out_trade_no, exc)
            raise ApplicationError(
                "payment_provider_unavailable", _("微信支付暂时不可用，请稍后再试。"), http_status=503
            ) from exc
        PaymentAttempt.objects.filter(pk=attempt.pk, status=P.PENDING).update(
            prepay_id=data.get("prepay_id", ""), code_url=data.get("code_url", ""), h5_url=data.get("h5_url", ""),
            updated_at=timezone.now(),
        )  # fmt: skip
        attempt.refresh_from_db()
    return attempt


def _payment_attempt_new(*, order: Order, scene: str, openid: str) -> PaymentAttempt:
    """The order's next attempt (``<order_no>P01``, ``P02``, …), numbered under the order's row
    lock, so two starts at once never pick the same number; a start that finds another one just
    made an attempt for the same scene reuses it."""
    from core.errors import ApplicationError
    from orders.models import OrderStatus

    with transaction.atomic():
        locked = order_lock(pk=order.pk)
        if locked.status != OrderStatus.PENDING_PAYMENT:
            raise ApplicationError(
                "order_not_payable", _("订单已支付、已取消或已超过支付时限。"), http_status=409
            )
        attempts = PaymentAttempt.objects.filter(order=locked)
        same_scene = attempts.filter(scene=scene, status=P.PENDING).first()
        if same_scene is not None:
            return same_scene
        numbers = [int(no.rsplit("P", 1)[-1]) for no in attempts.values_list("out_trade_no", flat=True)]
        attempt = PaymentAttempt.objects.create(
            shop_id=locked.shop_id, order=locked, out_trade_no=f"{locked.order_no}P{max(numbers, default=0) + 1:02d}",
            scene=scene, amount_fen=locked.total_fen, payer_openid=openid,
        )  # fmt: skip
        payment_created(attempt=attempt, actor_kind=A.SHOPPER, actor=locked.user, message=scene)
    return attempt


def payment_refresh(*, order: Order) -> bool:
    """The shopper is back from paying but no notification has arrived: ask WeChat (query) about
    every pending attempt and apply a SUCCESS exactly as a notification would. Returns True if
    the order is now paid."""
    from orders.models import OrderStatus
    from payments.models import WeChatPayConfig

    config = WeChatPayConfig.objects.filter(shop_id=order.shop_id).first()
    if config is None or order.status != OrderStatus.PENDING_PAYMENT:
        return order.status != OrderStatus.PENDING_PAYMENT and order.paid_at is not None
    for attempt in PaymentAttempt.objects.filter(order=order, status=P.PENDING).exclude(
        prepay_id="", code_url="", h5_url=""
    ):
        try:
            resource = online_provider(attempt.provider).query(attempt=attempt)
        except (ProviderError, OSError, ValueError) as exc:
            logger.warning("query failed for %s: %s", attempt.out_trade_no, exc)
            continue
        if resource.get("trade_state") == "SUCCESS":
            payment_apply_success(
                shop=order.shop,
                config=config,
                resource={**resource, "mchid": resource.get("mchid", config.mchid)},
            )
            order.refresh_from_db()
            return order.paid_at is not None
    return False


REFUND_FINAL = {
    "SUCCESS": "",
    "CLOSED": gettext_lazy("退款已关闭"),
    "ABNORMAL": gettext_lazy("退款异常（如收款银行卡已注销），请在微信支付商户平台处理"),
}


def refund_apply_result(*, shop: Shop, config: WeChatPayConfig, resource: dict[str, Any]) -> str:
    """A refund's final state from WeChat (notification or query): record it once and tell the
    after-sales request, whose result then shows on the order's timeline. A refund already
    settled stays as it is (a late or repeated answer changes nothing)."""
    from orders.services import after_sale_refund_result

    if resource.get("mchid", config.mchid) != config.mchid:
        raise _reject("mchid_mismatch", "mchid does not match this shop's merchant account")
    status = resource.get("refund_status") or resource.get("status")
    with transaction.atomic():
        refund = refund_lock_by_number(shop_id=shop.pk, out_refund_no=str(resource.get("out_refund_no", "")))
        if refund is None:
            raise _reject("refund_unknown", "no refund with this out_refund_no", 404)
        if (resource.get("amount") or {}).get("refund") not in (None, refund.amount_fen):
            raise _reject("amount_mismatch", "refund amount does not match")
        if status not in REFUND_FINAL:  # PROCESSING (from a query): not settled yet
            return "refund_processing"
        if refund.status in (R.SUCCEEDED, R.FAILED):
            return "already_final"
        succeeded = status == "SUCCESS"
        failure = str(REFUND_FINAL[status])
        refund_move(
            refund_id=refund.pk, to=R.SUCCEEDED if succeeded else R.FAILED, actor_kind=A.PROVIDER,
            message=failure, data={"refund_status": status},
            at=parse_datetime(str(resource.get("success_time", ""))) if succeeded else None,
            fields={"provider_refund_id": str(resource.get("refund_id", refund.provider_refund_id))[:64],
                    "failure_reason": failure},
        )  # fmt: skip
        if refund.after_sale is not None:
            after_sale_refund_result(after_sale=refund.after_sale, succeeded=succeeded, detail=failure)
    return "refund_" + ("succeeded" if succeeded else "failed")


# ---------------------------------------------------------------- periodic jobs


def payments_reconcile(*, older_than_minutes: int = 3, limit: int = 200) -> int:
    """Lost notifications: ask WeChat about payments still pending after a few minutes whose order
    is still waiting (returns how many orders turned out to be paid), and settle refunds whose
    result never arrived (``refunds_reconcile``)."""
    from orders.models import OrderStatus

    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    orders = {
        attempt.order for attempt in PaymentAttempt.objects.filter(
            status=P.PENDING, created_at__lte=cutoff, order__status=OrderStatus.PENDING_PAYMENT,
        ).select_related("order", "order__shop")[:limit]
    }  # fmt: skip
    paid = sum(1 for order in orders if payment_refresh(order=order))
    refunds_reconcile(older_than_minutes=older_than_minutes, limit=limit)
    return paid


def refunds_reconcile(*, older_than_minutes: int = 3, limit: int = 200) -> int:
    """Refunds still open after a few minutes (no answer we could believe, a lost notification, a
    process killed before sending): ask the provider. A refund it does not know was never
    received and is sent again under the same ``out_refund_no`` (the provider keeps it unique, so
    this can never pay twice). Returns how many were settled."""
    from payments.models import WeChatPayConfig
    from payments.wechat.provider import WeChatPayError

    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    settled = 0
    refunds = Refund.objects.filter(
        status__in=(R.PENDING, R.PROCESSING), provider="wechat", updated_at__lte=cutoff
    ).select_related("shop", "order", "payment", "after_sale")[:limit]
    for refund in refunds:
        config = WeChatPayConfig.objects.filter(shop_id=refund.shop_id).first()
        if config is None:
            continue
        try:
            resource = online_provider(refund.provider).query_refund(refund=refund)
        except WeChatPayError as exc:
            if exc.code == "RESOURCE_NOT_EXISTS":
                settled += _refund_send(refund).status in (R.SUCCEEDED, R.FAILED)
            continue
        except (ProviderError, OSError, ValueError) as exc:
            logger.warning("refund query failed for %s: %s", refund.out_refund_no, exc)
            continue
        outcome = refund_apply_result(shop=refund.shop, config=config, resource=resource)
        settled += outcome in ("refund_succeeded", "refund_failed")
    return settled


def payments_close_abandoned(*, limit: int = 200) -> int:
    """Close at WeChat the pending payments of orders that were cancelled (e.g. expired), so a late
    payment cannot succeed. A payment that succeeded anyway is applied (and refunded) instead."""
    from orders.models import OrderStatus
    from payments.models import WeChatPayConfig
    from payments.wechat.provider import WeChatPayError

    closed = 0
    attempts = PaymentAttempt.objects.filter(
        status=P.PENDING, order__status=OrderStatus.CANCELLED
    ).select_related("order", "shop")[:limit]
    for attempt in attempts:
        config = WeChatPayConfig.objects.filter(shop_id=attempt.shop_id).first()
        if config is None:
            continue
        try:
            online_provider(attempt.provider).close(attempt=attempt)
        except WeChatPayError as exc:
            if exc.code == "ORDERPAID":
                try:
                    payment_refresh_attempt(attempt=attempt, config=config)
                except (ProviderError, OSError, ValueError) as again:
                    logger.warning("query failed for %s: %s", attempt.out_trade_no, again)
            else:
                logger.warning("close failed for %s: %s", attempt.out_trade_no, exc)
            continue
        except (ProviderError, OSError, ValueError) as exc:
            logger.warning("close failed for %s: %s", attempt.out_trade_no, exc)
            continue
        with transaction.atomic():
            moved = payment_move(
                attempt_id=attempt.pk, to=P.CLOSED, actor_kind=A.SYSTEM,
                message=_("订单已取消，这笔支付已在微信支付关闭。"),
            )  # fmt: skip
        closed += moved is not None
    return closed


def payment_refresh_attempt(*, attempt: PaymentAttempt, config: WeChatPayConfig) -> str | None:
    """Ask the provider about one attempt and apply a SUCCESS (even of a refunded payment)."""
    resource = online_provider(attempt.provider).query(attempt=attempt)
    if resource.get("trade_state") in ("SUCCESS", "REFUND"):
        return payment_apply_success(
            shop=attempt.shop, config=config, resource={**resource, "trade_state": "SUCCESS"}
        )
    return None
