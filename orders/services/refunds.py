"""Automatic refunds: money a shop gives back by a rule, with no merchant step (a group-buy whose
group failed or was already full when the payment arrived).

``order_refund_automatic(order=, reason=, key=)`` opens an after-sale of the system's (仅退款, the
whole amount still refundable) and approves it at once through ``after_sale_approve``, the same
path a merchant's 同意并退款 takes: the refund is reserved under the order's lock and sent to the
order's payment provider (WeChat Pay) after commit, with no row locked; its result comes back
through ``after_sale_refund_result`` (a full refund before shipping closes the order and puts its
stock back). The shopper's "refunded" message is sent by the refund itself.

It is idempotent for one ``key`` per order (e.g. ``"groupbuy:42"``): the key is kept on the
after-sale's opening event and looked up under the order's lock, so two workers asking at once
make one after-sale, and a second call returns it (approving it if a crash left it unapproved).
Call it outside a transaction (after commit): the approval sends the refund.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.money import format_yuan
from orders.after_sale_state import after_sale_opened
from orders.locks import order_lock
from orders.models import AfterSale, AfterSaleEvent, Order, OrderEvent
from orders.services.after_sales import AFTER_SALE_STATUSES, _refund_committed_fen, after_sale_approve

KEY = "automatic_refund"  # the opening event's data key that holds the caller's key


def order_refund_automatic(*, order: Order, reason: str, key: str) -> AfterSale:
    """Refund what is left of ``order``'s payment, now, with no merchant step (see the module).
    Raises ``refund_not_allowed`` for an order that was never paid (or is closed) and
    ``refund_nothing_left`` when nothing is left to refund."""
    key = key.strip()[:64]
    if not key:
        raise ValueError("an automatic refund needs a key (what it is for), so it happens once")
    after_sale = _opened(order_id=order.pk, reason=reason, key=key)
    if after_sale.status == AfterSale.Status.REQUESTED:
        try:
            return after_sale_approve(
                shop=order.shop,
                after_sale_no=after_sale.after_sale_no,
                actor=None,
                actor_kind=OrderEvent.Actor.SYSTEM,
            )
        except ApplicationError as exc:
            if exc.code != "after_sale_not_pending":
                raise
            after_sale.refresh_from_db()  # another worker approved it first
    return after_sale


@transaction.atomic
def _opened(*, order_id: int, reason: str, key: str) -> AfterSale:
    """The after-sale for ``key`` (opened now if there is none yet), under the order's lock."""
    order = order_lock(pk=order_id)
    found = (
        AfterSaleEvent.objects.filter(after_sale__order_id=order.pk, data__automatic_refund=key)
        .select_related("after_sale")
        .first()
    )
    if found is not None:
        return found.after_sale
    if order.status not in AFTER_SALE_STATUSES:
        raise ApplicationError(
            "refund_not_allowed", _("订单当前状态为“%(s)s”，不能退款。") % {"s": order.get_status_display()},
            http_status=409,
        )  # fmt: skip
    amount = order.paid_fen - _refund_committed_fen(order)
    if amount <= 0:
        raise ApplicationError("refund_nothing_left", _("订单已没有可退的金额。"), http_status=409)
    reason = (reason or "").strip()[:200] or _("自动退款")
    after_sale = AfterSale.objects.create(
        shop_id=order.shop_id, order=order, kind=AfterSale.Kind.REFUND_ONLY, reason=reason, amount_fen=amount
    )
    after_sale_opened(
        after_sale=after_sale, order=order, actor=None, actor_kind=OrderEvent.Actor.SYSTEM,
        message=_("%(reason)s %(amount)s") % {"reason": reason[:100], "amount": format_yuan(amount)},
        data={KEY: key},
    )  # fmt: skip
    return after_sale
