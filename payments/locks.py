"""Row locks of payments, in one place (as Saleor's ``lock_objects.py``): call inside a
transaction. The lock order, everywhere: the order first (``orders.locks``), then its payment
attempts and refunds — never both in one statement (the order in which a join locks its rows is not
ours to choose)."""

from __future__ import annotations

from payments.models import PaymentAttempt, Refund, Transfer


def payment_attempt_lock(*, pk: int) -> PaymentAttempt:
    """One attempt (not its order's row), with its order loaded: a notification and a query of the
    same payment apply it once."""
    return PaymentAttempt.objects.select_for_update(of=("self",)).select_related("order").get(pk=pk)


def refund_lock(*, pk: int) -> Refund:
    """One refund: the provider's answer, its notification and the reconcile query move it once."""
    return Refund.objects.select_for_update().get(pk=pk)


def refund_lock_by_number(*, shop_id: int, out_refund_no: str) -> Refund | None:
    """The shop's refund of that number, locked; None when there is none."""
    return Refund.objects.select_for_update().filter(shop_id=shop_id, out_refund_no=out_refund_no).first()


def transfer_lock(*, pk: int) -> Transfer:
    """One 商家转账: its send answer, its notification, a query and a cancel move it once, and the
    result listeners run once (``payments.state.transfer_move``)."""
    return Transfer.objects.select_for_update().get(pk=pk)
