"""After-sales: the shopper's refund request, the merchant's answer, the refund's result."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import photo_uploads_take
from core.errors import ApplicationError, NotFoundError
from core.integers import is_int
from core.money import format_yuan
from orders.after_sale_state import after_sale_can_transition, after_sale_opened, after_sale_transition
from orders.locks import order_and_after_sale_lock, order_lock
from orders.models import AfterSale, Order, OrderEvent, OrderStatus
from orders.ports import refund_gateway
from orders.services.after_sale_lines import (
    after_sale_lines_write,
    chosen_lines,
    chosen_most_fen,
    line_rooms,
    split_for_chosen,
)
from orders.services.stock import order_stock_release, order_unsell
from orders.state import order_transition
from shop.models import Shop

E = OrderEvent.Type
A = OrderEvent.Actor

AS = AfterSale.Status
AFTER_SALE_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)
# an after-sale still under way: the order takes no other request meanwhile
OPEN_AFTER_SALE = (AS.REQUESTED, AS.AWAITING_RETURN, AS.RETURNING, AS.REFUNDING)
# waiting for the merchant or the shopper (not for the payment provider): the order is not
# completed automatically meanwhile
WAITING_AFTER_SALE = (AS.REQUESTED, AS.AWAITING_RETURN, AS.RETURNING)
PHOTOS_MAX = 3


def _refund_committed_fen(order: Order) -> int:
    """Already refunded plus refunds under way: what no new refund may eat into."""
    in_flight = sum(
        order.after_sales.filter(status=AfterSale.Status.REFUNDING).values_list("amount_fen", flat=True)
    )
    return int(order.refunded_fen) + in_flight


@transaction.atomic
def after_sale_request(
    *,
    order: Order,
    user: User,
    kind: str,
    reason: str,
    amount_fen: int | None = None,
    lines: Sequence[tuple[int, int]] | None = None,
    photos: Sequence[File[Any]] = (),
    photo_ids: Sequence[int] = (),
) -> AfterSale:
    """The shopper asks for a refund (or a return and refund) of up to what they paid, with up to
    ``PHOTOS_MAX`` photos: sent with the request, or uploaded before and named by ``photo_ids``
    (the request takes them over: ``accounts.services.photo_uploads_take``).

    ``lines`` (``[(order line id, quantity), ...]``, optional): what is being refunded. Each line
    gives back at most what was paid for those units and not yet refunded
    (orders/refund_split.py); ``amount_fen`` then defaults to, and may not exceed, the lines' sum
    (plus the shipping fee when they are the whole rest of an order not yet shipped), and the
    lines are stored with the request. Without lines ``amount_fen`` is required and is split over
    the order's lines when the merchant approves. A return (退货退款) must say which goods come
    back (``lines``): ``return_lines_required`` otherwise."""
    order = order_lock(pk=order.pk)
    if order.user_id != user.pk:
        raise NotFoundError("order_not_found", _("订单不存在。"))
    if kind not in AfterSale.Kind.values:
        raise ApplicationError("after_sale_kind_invalid", _("请选择售后类型。"), fields={"kind": [_("无效")]})
    if order.status not in AFTER_SALE_STATUSES:
        raise ApplicationError(
            "after_sale_not_allowed", _("订单当前状态为“%(s)s”，不能申请售后。") % {"s": order.get_status_display()},
            http_status=409,
        )  # fmt: skip
    if (
        order.status == OrderStatus.COMPLETED
        and order.completed_at
        and (timezone.now() - order.completed_at > timedelta(days=order.shop.after_sale_days))
    ):
        raise ApplicationError("after_sale_expired", _("已超过售后申请期限。"), http_status=409)
    if kind == AfterSale.Kind.RETURN_REFUND and order.status == OrderStatus.PAID:
        raise ApplicationError(
            "after_sale_kind_invalid", _("订单还未发货，请选择“仅退款”。"), fields={"kind": [_("无效")]}
        )
    if order.after_sales.filter(status__in=OPEN_AFTER_SALE).exists():
        raise ApplicationError("after_sale_open", _("该订单已有处理中的售后申请。"), http_status=409)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "after_sale_reason_required", _("请填写售后原因。"), fields={"reason": [_("必填")]}
        )
    if kind == AfterSale.Kind.RETURN_REFUND and not lines:
        raise ApplicationError(
            "return_lines_required",
            _("退货退款请选择要寄回的商品和数量。"),
            fields={"lines": [_("请选择要寄回的商品")]},
        )
    available = order.paid_fen - _refund_committed_fen(order)
    split = None
    if lines:
        rooms = line_rooms(order=order)
        chosen = chosen_lines(order=order, lines=lines, rooms=rooms)
        most = min(available, chosen_most_fen(order=order, rooms=rooms, chosen=chosen))
        if most <= 0:
            raise ApplicationError(
                "refund_amount_invalid", _("所选商品已没有可退的金额。"), fields={"lines": [_("无效")]}
            )
        amount_fen = most if amount_fen is None else amount_fen
        if not is_int(amount_fen) or amount_fen <= 0 or amount_fen > most:
            raise ApplicationError(
                "refund_amount_invalid",
                _("退款金额必须大于 0 且不超过所选商品的可退金额 %(max)s。") % {"max": format_yuan(most)},
                fields={"amount_fen": [_("无效")]},
            )
        split = split_for_chosen(order=order, rooms=rooms, chosen=chosen, amount_fen=amount_fen)
    elif amount_fen is None:
        raise ApplicationError(
            "refund_amount_invalid",
            _("请填写退款金额，或选择要退的商品。"),
            fields={"amount_fen": [_("必填")]},
        )
    if not is_int(amount_fen) or amount_fen <= 0 or amount_fen > available:
        raise ApplicationError(
            "refund_amount_invalid",
            _("退款金额必须大于 0 且不超过 %(max)s。") % {"max": format_yuan(available)},
            fields={"amount_fen": [_("无效")]},
        )
    photos_check(photos, most=PHOTOS_MAX, uploads=len(photo_ids))
    uploaded = photo_uploads_take(shop=order.shop, user=user, photo_ids=photo_ids)
    after_sale = AfterSale.objects.create(
        shop=order.shop, order=order, kind=kind, reason=reason[:200], amount_fen=amount_fen,
    )  # fmt: skip
    # the deadline counts from the request's own time (never before it, even at 0 hours)
    after_sale.respond_by = after_sale.created_at + timedelta(hours=order.shop.after_sale_response_hours)
    after_sale.save(update_fields=["respond_by"])
    if split is not None:
        after_sale_lines_write(after_sale=after_sale, split=split)
    for photo in photos:
        after_sale.photos.create(image=photo)
    for name in uploaded:
        after_sale.photos.create(image=name)  # the upload's file, already under the upload rule
    after_sale_opened(
        after_sale=after_sale, order=order, actor=user,
        message=f"{after_sale.get_kind_display()} {format_yuan(amount_fen)}：{reason[:100]}",
    )  # fmt: skip
    return after_sale


def photos_check(photos: Sequence[File[Any]], *, most: int, least: int = 0, uploads: int = 0) -> None:
    """Every photo under the project's upload rule (core.uploads), at least ``least`` and at most
    ``most`` of them with ``uploads`` (photo uploads named by id, checked when they were uploaded):
    ``photos_required``, ``too_many_photos``, ``photo_invalid``."""
    from core.uploads import validate_image_file

    if len(photos) + uploads < least:
        raise ApplicationError(
            "photos_required", _("请上传至少 %(n)d 张图片。") % {"n": least}, fields={"photos": [_("必填")]}
        )
    if len(photos) + uploads > most:
        raise ApplicationError(
            "too_many_photos", _("最多上传 %(n)d 张图片。") % {"n": most}, fields={"photos": [_("太多")]}
        )
    for photo in photos:
        try:
            validate_image_file(photo)
        except Exception as exc:  # django ValidationError -> our error shape
            raise ApplicationError(
                "photo_invalid",
                " ".join(getattr(exc, "messages", [str(exc)])),
                fields={"photos": [_("无效")]},
            ) from exc


def after_sale_locked(*, shop_id: int, after_sale_no: str) -> tuple[AfterSale, Order]:
    """A shop's after-sale by its number and its order, both locked (order first)."""
    found = (
        AfterSale.objects.filter(shop_id=shop_id, after_sale_no=after_sale_no)
        .values_list("order_id", flat=True)
        .first()
    )
    if found is None:
        raise NotFoundError("after_sale_not_found", _("售后申请不存在。"))
    order, after_sale = order_and_after_sale_lock(
        order_id=found, shop_id=shop_id, after_sale_no=after_sale_no
    )
    return after_sale, order


def after_sale_refund_reserve(
    *, order: Order, after_sale: AfterSale, actor: User | None, actor_kind: str, message: str = ""
) -> Any:
    """Move a locked after-sale to ``refunding`` and reserve its refund (the caller sends it after
    commit with ``refund_gateway().refund_send``). From ``requested`` for 仅退款; from ``returning``
    (the goods arrived) for 退货退款 — the state machine allows no other way."""
    if after_sale.amount_fen > order.paid_fen - _refund_committed_fen(order):
        raise ApplicationError("refund_exceeds_paid", _("退款金额超过了可退金额。"), http_status=409)
    after_sale_transition(
        after_sale=after_sale, order=order, to=AS.REFUNDING, actor_kind=actor_kind, actor=actor,
        message=message,
    )  # fmt: skip
    return refund_gateway().refund_reserve(order=order, after_sale=after_sale)


def after_sale_approve(
    *,
    shop: Shop,
    after_sale_no: str,
    actor: User | None,
    actor_kind: str = A.MERCHANT,
    message: str = "",
) -> AfterSale:
    """The merchant (or the system: ``actor_kind``, at the deadline or for an automatic refund)
    approves a request.

    仅退款: the refund goes out through the order's payment provider. It is reserved under the
    order's lock; the provider is called after commit, with no row locked, and reports back through
    ``after_sale_refund_result`` (the refund gateway port, orders/ports.py: payments implements it).

    退货退款: nothing is refunded yet. The shop's return address is copied onto the request and
    shown to the shopper, who has the shop's ``ship_back_days`` to send the goods back
    (orders/services/returns.py); the refund follows when the merchant confirms they arrived."""
    from orders.services.returns import return_approve

    gateway = refund_gateway()
    with transaction.atomic():
        after_sale, order = after_sale_locked(shop_id=shop.pk, after_sale_no=after_sale_no)
        target = AS.AWAITING_RETURN if after_sale.is_return else AS.REFUNDING
        if not after_sale_can_transition(after_sale.status, target, kind=after_sale.kind):
            raise ApplicationError(
                "after_sale_not_pending", _("该售后申请已处理（%(s)s）。") % {"s": after_sale.get_status_display()},
                http_status=409,
            )  # fmt: skip
        if after_sale.is_return:
            return_approve(
                order=order, after_sale=after_sale, actor=actor, actor_kind=actor_kind, message=message
            )
            return after_sale
        refund = after_sale_refund_reserve(
            order=order, after_sale=after_sale, actor=actor, actor_kind=actor_kind, message=message
        )
    gateway.refund_send(refund=refund)
    after_sale.refresh_from_db()
    return after_sale


@transaction.atomic
def after_sale_reject(*, shop: Shop, after_sale_no: str, actor: User | None, reason: str) -> AfterSale:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "reject_reason_required", _("请填写拒绝原因。"), fields={"reason": [_("必填")]}
        )
    after_sale, order = after_sale_locked(shop_id=shop.pk, after_sale_no=after_sale_no)
    after_sale_transition(
        after_sale=after_sale, order=order, to=AfterSale.Status.REJECTED, actor_kind=A.MERCHANT, actor=actor,
        message=reason[:200], extra_fields={"reject_reason": reason[:200]},
    )  # fmt: skip
    return after_sale


@transaction.atomic
def after_sale_withdraw(*, order: Order, user: User, after_sale_no: str) -> AfterSale:
    """The shopper withdraws their own request on ``order``: while the merchant has not answered,
    or, for a return, until they send the goods. An after-sale number of another order (another
    shopper's, too) is not found, and changes nothing."""
    after_sale, order = shopper_after_sale_locked(order=order, user=user, after_sale_no=after_sale_no)
    if after_sale.status not in (AS.REQUESTED, AS.AWAITING_RETURN):
        raise ApplicationError("after_sale_not_pending", _("该售后申请已处理，不能撤销。"), http_status=409)
    after_sale_transition(
        after_sale=after_sale, order=order, to=AfterSale.Status.WITHDRAWN, actor_kind=A.SHOPPER, actor=user
    )
    return after_sale


def shopper_after_sale_locked(*, order: Order, user: User, after_sale_no: str) -> tuple[AfterSale, Order]:
    """The shopper's own after-sale of ``order``, locked with its order (order first); an
    after-sale of another order, or another shopper's, is ``after_sale_not_found``."""
    if order.user_id != user.pk:
        raise NotFoundError("order_not_found", _("订单不存在。"))
    after_sale, locked = after_sale_locked(shop_id=order.shop_id, after_sale_no=after_sale_no)
    if after_sale.order_id != order.pk or locked.user_id != user.pk:
        raise NotFoundError("after_sale_not_found", _("售后申请不存在。"))
    return after_sale, locked


@transaction.atomic
def after_sale_refund_result(*, after_sale: AfterSale, succeeded: bool, detail: str = "") -> AfterSale:
    """The payment provider's answer for a refund (synchronously or from its notification).
    Applying the same result twice changes nothing."""
    order, after_sale = order_and_after_sale_lock(order_id=after_sale.order_id, pk=after_sale.pk)
    if after_sale.status != AfterSale.Status.REFUNDING:
        return after_sale  # already applied (or never approved): a repeated answer changes nothing
    if not succeeded:
        after_sale_transition(
            after_sale=after_sale,
            order=order,
            to=AfterSale.Status.FAILED,
            actor_kind=A.SYSTEM,
            message=detail[:255],
        )
        return after_sale
    order.refunded_fen = F("refunded_fen") + after_sale.amount_fen
    order.save(update_fields=["refunded_fen", "updated_at"])
    order.refresh_from_db()
    after_sale_transition(
        after_sale=after_sale, order=order, to=AfterSale.Status.REFUNDED, actor_kind=A.SYSTEM,
        message=_("已退款 %(amount)s") % {"amount": format_yuan(after_sale.amount_fen)},
    )  # fmt: skip
    if order.refunded_fen >= order.paid_fen:
        unshipped = order.status == OrderStatus.PAID
        order_transition(order=order, to=OrderStatus.CLOSED, event=E.CLOSED, actor_kind=A.SYSTEM,
                         message=_("全额退款，订单关闭。"))  # fmt: skip
        if unshipped:  # nothing left the warehouse: the goods are for sale again, and were never sold
            order_stock_release(order)
            order_unsell(order)
    return after_sale
