"""Every write of distribution (分销): becoming a promoter, binding customers, commissions from
order events, settlement, withdrawals (docs/marketing.md, "Distribution and commissions").

**Binding** happens when a referred order is *placed* (the ``placed`` order event, in the order's
transaction), from what the order recorded: ``Order.referrer_code`` (the sharer's user id, from a
signed ``ref`` code of this shop, ``core.attribution``) and ``Order.attributed_at`` (when the
shopper opened the link). Never on a page view: opening a link only sets the signed attribution
cookie (``orders.middleware``), so a visit writes nothing. Not at login either: a login hook knows
the user, not the request's attribution. A code of another shop, a tampered code and a shopper's
own code never reach a binding (the middleware drops the first two; the buyer is never their own
promoter). Rules (``DistributionSettings.binding_rule``): permanent (the first promoter stays),
N days (from the binding's visit; then another promoter's link may take the customer), latest
(a newer visit through another promoter's link moves the customer). A binding to a promoter who
is no longer approved is not in force. A link of the customer's own promoter renews the visit.

**Commissions** are fixed when the order is placed (the rates then: a later change of a rate
never touches an existing commission or entry): per line, its paid share (``total_fen −
discount_fen``: goods after discounts, never shipping) × the product's rate (or the shop's
default); the sum rounded down to the fen, once per commission. Level 1 goes to the customer's
promoter, level 2 (if on) to that promoter's own promoter (never the buyer). Then, following the
order (all in the order's transaction, the order's row locked before the promoters'):

- paid → a ``pending`` ledger entry (+amount); cancelled unpaid → the commission is cancelled;
- completed → ``settle_after`` = completion + the shop's after-sales days; the settle job
  (``commissions_settle_due``) then moves what is pending to ``balance`` (two entries), unless an
  after-sales request is still open (it waits for it);
- a refund: refunds are split line by line (``AfterSaleLine``, orders/refund_split.py), so the
  commission is worked out again on what is still paid for each line (its paid share less what
  was given back of it) at the rates it was fixed with, rounded down to the fen once (a full
  refund keeps 0; a refund of shipping alone keeps it all). Before settlement the difference is
  voided from ``pending`` (nothing left: voided); after settlement it is taken back from
  ``balance`` (a ``clawback`` entry, never capped: the balance may go negative, and the next
  settlements pay it off).

**Withdrawals** lock the promoter's row (``distribution.locks``), check the minimum and the
balance, and write the hold (``balance`` −amount) with the request; the merchant approves (a
WeChat Pay 商家转账 to the promoter's WeChat balance, ``distribution.payouts``) or rejects;
rejection, the promoter's cancellation and a failed or cancelled transfer write the reversal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ApplicationError, NotFoundError
from core.money import format_yuan
from distribution import locks
from distribution.models import (
    DEFAULT_MIN_WITHDRAW_FEN,
    MAX_WITHDRAW_FEN,
    Binding,
    Commission,
    DistributionSettings,
    LedgerEntry,
    ProductCommission,
    Promoter,
    Withdrawal,
    rate_bp,
)
from orders.locks import order_lock
from orders.models import AfterSale, AfterSaleLine, Order, OrderEvent, OrderLine, OrderStatus
from orders.services import OPEN_AFTER_SALE as ORDERS_OPEN_AFTER_SALE
from payments.models import Transfer
from shop.models import Shop

P = Promoter.Status
C = Commission.Status
W = Withdrawal.Status
B = LedgerEntry.Bucket
K = LedgerEntry.Kind
WHO = DistributionSettings.WhoMayPromote
RULE = DistributionSettings.BindingRule
# an after-sale under way holds the commission back (orders' own list: a return waiting for its
# parcel or for the merchant's receipt counts too)
OPEN_AFTER_SALE = ORDERS_OPEN_AFTER_SALE
BP = 10000  # basis points in one


# ---------------------------------------------------------------- settings and promoters


def distribution_settings(*, shop_id: int) -> DistributionSettings | None:
    """The shop's settings row (None: never set up, i.e. off)."""
    return DistributionSettings.objects.filter(shop_id=shop_id).first()


def _require_on(shop: Shop) -> DistributionSettings:
    found = distribution_settings(shop_id=shop.pk)
    if found is None or not found.is_enabled:
        raise ApplicationError("distribution_off", _("本店暂未开启分销。"), http_status=409)
    return found


def promoter_of(*, shop: Shop, user: User) -> Promoter | None:
    if not user.is_authenticated:
        return None
    return Promoter.objects.filter(shop=shop, user=user).first()


def promoter_require_approved(*, shop: Shop, user: User) -> Promoter:
    promoter = promoter_of(shop=shop, user=user)
    if promoter is None or not promoter.is_approved:
        raise ApplicationError("promoter_not_approved", _("您还不是本店的推广员。"), http_status=403)
    return promoter


def _has_bought(*, shop: Shop, user: User) -> bool:
    return Order.objects.filter(shop=shop, user=user, paid_at__isnull=False).exists()


@transaction.atomic
def promoter_apply(*, shop: Shop, user: User) -> Promoter:
    """A shopper asks to promote the shop: approved at once when anyone may (or a buyer, and they
    have bought), otherwise waiting for the merchant. Asking again changes nothing, except that a
    refused request is asked again."""
    found = _require_on(shop)
    if user.is_staff:
        raise ApplicationError("promoter_staff", _("店铺员工不能成为推广员。"), http_status=403)
    if found.who_may_promote == WHO.BUYERS and not _has_bought(shop=shop, user=user):
        raise ApplicationError(
            "promoter_needs_purchase", _("在本店付款下单后即可成为推广员。"), http_status=403
        )
    now = timezone.now()
    instant = found.who_may_promote in (WHO.ANYONE, WHO.BUYERS)
    status = P.APPROVED if instant else P.PENDING
    try:
        with transaction.atomic():
            promoter, created = Promoter.objects.get_or_create(
                shop=shop, user=user,
                defaults={"status": status, "applied_at": now, "approved_at": now if instant else None},
            )  # fmt: skip
    except IntegrityError:  # the same shopper tapping twice at once: the other request made it
        promoter, created = Promoter.objects.get(shop=shop, user=user), False
    if not created and promoter.status == P.REJECTED:
        locked = locks.promoter_lock(pk=promoter.pk)
        if locked.status == P.REJECTED:
            locked.status, locked.applied_at = status, now
            locked.approved_at = now if instant else None
            locked.save(update_fields=["status", "applied_at", "approved_at", "updated_at"])
        promoter = locked
    if promoter.status == P.DISABLED:
        raise ApplicationError(
            "promoter_disabled", _("您的推广员资格已被停用，请联系商家。"), http_status=403
        )
    return promoter


def _promoter_for_merchant(*, shop: Shop, promoter_id: int) -> Promoter:
    promoter = Promoter.objects.filter(shop=shop, pk=promoter_id).first()
    if promoter is None:
        raise NotFoundError("promoter_not_found", _("没有找到这位推广员。"))
    return locks.promoter_lock(pk=promoter.pk)


@transaction.atomic
def promoter_set_status(
    *, shop: Shop, promoter_id: int, status: str, actor: User | None, note: str = ""
) -> Promoter:
    """The merchant approves, refuses, disables or re-enables a promoter."""
    promoter = _promoter_for_merchant(shop=shop, promoter_id=promoter_id)
    allowed: dict[str, tuple[str, ...]] = {
        P.APPROVED: (P.PENDING, P.REJECTED, P.DISABLED),
        P.REJECTED: (P.PENDING,),
        P.DISABLED: (P.APPROVED,),
    }
    if status not in allowed or promoter.status not in allowed[status]:
        raise ApplicationError(
            "promoter_status_invalid",
            _("推广员当前为“%(s)s”，不能这样处理。") % {"s": promoter.get_status_display()},
            http_status=409,
        )
    promoter.status = status
    promoter.handled_by = actor
    fields = ["status", "handled_by", "updated_at"]
    if status == P.APPROVED and promoter.approved_at is None:
        promoter.approved_at = timezone.now()
        fields.append("approved_at")
    if note:
        promoter.note = note[:200]
        fields.append("note")
    promoter.save(update_fields=fields)
    return promoter


# ---------------------------------------------------------------- bindings


def binding_in_force(binding: Binding, *, rule: DistributionSettings, at: datetime) -> bool:
    """Whether the binding still holds the customer at ``at``: its promoter is approved and, with
    "N days", the binding's visit is less than N days before."""
    if binding.promoter.status != P.APPROVED:
        return False
    if rule.binding_rule == RULE.DAYS:
        return at < binding.touched_at + timedelta(days=rule.binding_days)
    return True


def _touch_promoter(order: Order) -> Promoter | None:
    """The approved promoter of this shop whose signed link the order came through (not the buyer)."""
    code = order.referrer_code
    if not code or not code.isascii() or not code.isdigit() or len(code) > 18 or order.attributed_at is None:
        return None
    user_id = int(code)
    if user_id == order.user_id:
        return None  # no self-referral
    return (
        Promoter.objects.select_related("user")
        .filter(shop_id=order.shop_id, user_id=user_id, status=P.APPROVED)
        .first()
    )


def _bind(*, order: Order, rule: DistributionSettings) -> Binding | None:
    """Apply the binding rule for the order's visit; the customer's binding in force afterwards."""
    at = order.created_at
    touch = _touch_promoter(order)
    binding = (
        Binding.objects.select_related("promoter")
        .filter(shop_id=order.shop_id, customer_id=order.user_id)
        .first()
    )
    if touch is not None:
        touched_at = order.attributed_at or at  # _touch_promoter checked it is set
        if binding is None:
            try:
                with transaction.atomic():
                    binding = Binding.objects.create(
                        shop_id=order.shop_id, customer_id=order.user_id, promoter=touch,
                        touched_at=touched_at, order_no=order.order_no,
                    )  # fmt: skip
            except IntegrityError:  # made meanwhile by another order of this customer
                binding = Binding.objects.select_related("promoter").get(
                    shop_id=order.shop_id, customer_id=order.user_id
                )
        elif binding.promoter_id == touch.pk:
            if touched_at > binding.touched_at:  # their own promoter's link: the visit is renewed
                binding.touched_at = touched_at
                binding.save(update_fields=["touched_at", "updated_at"])
        elif (rule.binding_rule == RULE.LATEST and touched_at > binding.touched_at) or not binding_in_force(
            binding, rule=rule, at=at
        ):
            binding.promoter, binding.touched_at, binding.order_no = touch, touched_at, order.order_no
            binding.save(update_fields=["promoter", "touched_at", "order_no", "updated_at"])
    if binding is None or not binding_in_force(binding, rule=rule, at=at):
        return None
    return binding


def _upline(*, promoter: Promoter, order: Order, rule: DistributionSettings) -> Promoter | None:
    """The level-2 promoter: the one the level-1 promoter is bound to (never the buyer)."""
    binding = (
        Binding.objects.select_related("promoter")
        .filter(shop_id=order.shop_id, customer_id=promoter.user_id)
        .first()
    )
    if binding is None or not binding_in_force(binding, rule=rule, at=order.created_at):
        return None
    upline = binding.promoter
    if upline.pk == promoter.pk or upline.user_id == order.user_id:
        return None
    return upline


# ---------------------------------------------------------------- commissions


@dataclass(frozen=True)
class CommissionQuote:
    base_fen: int
    amount_fen: int
    lines: list[dict[str, object]]


def commission_quote(*, lines: list[OrderLine], rates: dict[int, tuple[int, int | None]], default_bp: int,
                     level: int) -> CommissionQuote:  # fmt: skip
    """A commission of ``lines`` (``rates``: product id → (level-1 bp, level-2 bp or None)): the sum of
    each line's paid share × its rate, rounded down to the fen once."""
    base = 0
    exact = 0  # fen × basis points
    detail: list[dict[str, object]] = []
    for line in lines:
        share = int(line.total_fen) - int(line.discount_fen)
        own = rates.get(line.product_id_snapshot)
        bp = default_bp
        if own is not None:
            chosen = own[0] if level == 1 else own[1]
            bp = default_bp if chosen is None else chosen
        base += share
        exact += share * bp
        detail.append({"line_id": line.pk, "title": line.title, "base_fen": share, "rate_bp": bp})
    return CommissionQuote(base_fen=base, amount_fen=exact // BP, lines=detail)


def _commissions_create(*, order: Order, rule: DistributionSettings) -> list[Commission]:
    binding = _bind(order=order, rule=rule)
    if binding is None:
        return []
    earners = [(1, binding.promoter, rule.rate_bp)]
    if rule.level2_enabled:
        upline = _upline(promoter=binding.promoter, order=order, rule=rule)
        if upline is not None:
            earners.append((2, upline, rule.level2_rate_bp))
    lines = list(order.lines.all())
    overrides = ProductCommission.objects.filter(
        shop_id=order.shop_id, product_id__in={line.product_id_snapshot for line in lines}
    )
    rates = {
        o.product_id: (rate_bp(o.rate_percent), None if o.level2_rate_percent is None else rate_bp(o.level2_rate_percent))
        for o in overrides
    }  # fmt: skip
    made = []
    for level, promoter, default_bp in earners:
        quote = commission_quote(lines=lines, rates=rates, default_bp=default_bp, level=level)
        if quote.amount_fen <= 0:
            continue
        commission = Commission.objects.create(
            shop_id=order.shop_id, order=order, promoter=promoter, level=level, base_fen=quote.base_fen,
            amount_fen=quote.amount_fen, lines=quote.lines,
        )  # fmt: skip
        made.append(commission)
    return made


def _entry(*, commission: Commission | None = None, withdrawal: Withdrawal | None = None, promoter: Promoter,
           bucket: str, kind: str, amount_fen: int, note: str = "") -> LedgerEntry:  # fmt: skip
    return LedgerEntry.objects.create(
        shop_id=promoter.shop_id, promoter=promoter, bucket=bucket, kind=kind, amount_fen=amount_fen,
        commission=commission, withdrawal=withdrawal, note=note[:200],
    )  # fmt: skip


def _order_commissions(order: Order, *statuses: str) -> list[Commission]:
    """The order's commissions in these states, their promoters locked (primary-key order)."""
    found = list(Commission.objects.filter(order_id=order.pk, status__in=statuses).order_by("level"))
    if found:
        locks.promoters_lock(pks=sorted({c.promoter_id for c in found}))
    return found


def _commissions_credit(order: Order) -> None:
    for commission in _order_commissions(order, C.AWAITING_PAYMENT):
        commission.status = C.PENDING
        commission.save(update_fields=["status", "updated_at"])
        _entry(
            commission=commission, promoter=commission.promoter, bucket=B.PENDING, kind=K.COMMISSION,
            amount_fen=commission.amount_fen, note=_("订单 %(no)s 已付款") % {"no": _masked_no(order.order_no)},
        )  # fmt: skip


def _commissions_cancel(order: Order) -> None:
    Commission.objects.filter(order_id=order.pk, status=C.AWAITING_PAYMENT).update(
        status=C.CANCELLED, updated_at=timezone.now()
    )


def _commissions_schedule(order: Order) -> None:
    completed = order.completed_at or timezone.now()
    days = Shop.objects.filter(pk=order.shop_id).values_list("after_sale_days", flat=True).get()
    Commission.objects.filter(order_id=order.pk, status=C.PENDING).update(
        settle_after=completed + timedelta(days=days), updated_at=timezone.now()
    )


def commission_kept_fen(*, lines: list[dict[str, Any]], refunded: dict[int, int]) -> int:
    """What a commission keeps after refunds: worked out again, line by line, on what is still
    paid for each line (its paid share less what refunds gave back of it, ``AfterSaleLine``), and
    rounded down to the fen once. A refund of shipping alone takes nothing back."""
    exact = 0
    for line in lines:
        base = int(line["base_fen"]) - refunded.get(int(line["line_id"]), 0)
        exact += max(base, 0) * int(line["rate_bp"])
    return exact // BP


def refunded_by_line(*, order_id: int) -> dict[int, int]:
    """Money refunded so far of each line of the order (refunds that went through)."""
    rows = (
        AfterSaleLine.objects.filter(
            after_sale__order_id=order_id, after_sale__status=AfterSale.Status.REFUNDED
        )
        .values("order_line_id")
        .annotate(s=Sum("amount_fen"))
        .values_list("order_line_id", "s")
    )
    return {int(line_id): int(total or 0) for line_id, total in rows}


def _net_fen(commission: Commission, bucket: str | None = None) -> int:
    entries = LedgerEntry.objects.filter(commission=commission)
    if bucket is not None:
        entries = entries.filter(bucket=bucket)
    return int(entries.aggregate(s=Sum("amount_fen"))["s"] or 0)


def _commissions_refund(order: Order) -> None:
    refunded = refunded_by_line(order_id=order.pk)
    for commission in _order_commissions(order, C.PENDING, C.SETTLED):
        kept = min(commission_kept_fen(lines=commission.lines, refunded=refunded), commission.amount_fen)
        delta = kept - _net_fen(commission)
        if delta >= 0:
            continue  # refunds only ever take back
        note = _("订单 %(no)s 退款") % {"no": _masked_no(order.order_no)}
        if commission.status == C.PENDING:
            _entry(commission=commission, promoter=commission.promoter, bucket=B.PENDING, kind=K.VOID,
                   amount_fen=delta, note=note)  # fmt: skip
            if kept == 0:
                commission.status = C.VOIDED
                commission.save(update_fields=["status", "updated_at"])
        else:
            _entry(commission=commission, promoter=commission.promoter, bucket=B.BALANCE, kind=K.CLAWBACK,
                   amount_fen=delta, note=note)  # fmt: skip


def distribution_order_event_listener(event: OrderEvent) -> None:
    """Registered on the order events port (in the event's transaction; the order's row is locked
    by whoever wrote the event, except at placement, where nothing else can see the order yet)."""
    order = event.order
    if event.type == OrderEvent.Type.PLACED:
        rule = distribution_settings(shop_id=order.shop_id)
        if rule is not None and rule.is_enabled:
            _commissions_create(order=order, rule=rule)
        return
    if event.to_status == OrderStatus.PAID:
        _commissions_credit(order)
    elif event.to_status == OrderStatus.CANCELLED:
        _commissions_cancel(order)
    elif event.to_status == OrderStatus.COMPLETED:
        _commissions_schedule(order)
    if event.type == OrderEvent.Type.REFUNDED or event.to_status == OrderStatus.CLOSED:
        _commissions_refund(order)


def _masked_no(order_no: str) -> str:
    """An order number as a promoter sees it (their customer's order is not theirs to look up)."""
    return f"…{order_no[-4:]}"


def commission_settle(*, commission_id: int, now: datetime | None = None) -> bool:
    """Settle one commission if it is due: the order completed, its after-sales window closed and
    no after-sales request open. True if it settled."""
    now = now or timezone.now()
    with transaction.atomic():
        order_id = Commission.objects.filter(pk=commission_id).values_list("order_id", flat=True).first()
        if order_id is None:
            return False
        order = order_lock(pk=order_id)  # the order first: a refund of it waits, or went first
        commission = Commission.objects.get(pk=commission_id)
        if commission.status != C.PENDING or commission.settle_after is None or commission.settle_after > now:
            return False
        if (
            order.status != OrderStatus.COMPLETED
            or order.after_sales.filter(status__in=OPEN_AFTER_SALE).exists()
        ):
            return False
        locks.promoter_lock(pk=commission.promoter_id)
        pending = _net_fen(commission, B.PENDING)
        if pending > 0:
            note = _("订单 %(no)s 售后期结束") % {"no": _masked_no(order.order_no)}
            promoter = commission.promoter
            _entry(commission=commission, promoter=promoter, bucket=B.PENDING, kind=K.SETTLE_OUT,
                   amount_fen=-pending, note=note)  # fmt: skip
            _entry(commission=commission, promoter=promoter, bucket=B.BALANCE, kind=K.SETTLE_IN,
                   amount_fen=pending, note=note)  # fmt: skip
        commission.status = C.SETTLED if pending > 0 else C.VOIDED
        commission.settled_at = now
        commission.save(update_fields=["status", "settled_at", "updated_at"])
        return pending > 0


def commissions_settle_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """The settle job (``orders.jobs``, Celery beat): every due commission, each in its own
    transaction. Safe to run from several workers at once (each re-checks under the order's lock)."""
    now = now or timezone.now()
    due = (
        Commission.objects.filter(status=C.PENDING, settle_after__lte=now)
        .exclude(order__after_sales__status__in=OPEN_AFTER_SALE)
        .order_by("settle_after", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(commission_settle(commission_id=pk, now=now) for pk in list(due))


# ---------------------------------------------------------------- balances


@dataclass(frozen=True)
class Balances:
    pending_fen: int  # earned, waiting for the after-sales window
    balance_fen: int  # settled and withdrawable (may be negative after a refund)
    withdrawing_fen: int  # asked for, not yet paid
    withdrawn_fen: int  # paid out


def promoter_balances(*, promoter: Promoter) -> Balances:
    """A promoter's balances: sums of their ledger entries (and of their withdrawals)."""
    sums = dict(
        LedgerEntry.objects.filter(promoter=promoter)
        .values("bucket")
        .annotate(s=Sum("amount_fen"))
        .values_list("bucket", "s")
    )
    out = dict(
        Withdrawal.objects.filter(promoter=promoter, status__in=[*Withdrawal.OPEN, W.PAID])
        .values("status")
        .annotate(s=Sum("amount_fen"))
        .values_list("status", "s")
    )
    return Balances(
        pending_fen=int(sums.get(B.PENDING) or 0),
        balance_fen=int(sums.get(B.BALANCE) or 0),
        withdrawing_fen=int((out.get(W.REQUESTED) or 0) + (out.get(W.TRANSFERRING) or 0)),
        withdrawn_fen=int(out.get(W.PAID) or 0),
    )


def _balance_fen(promoter: Promoter) -> int:
    found = LedgerEntry.objects.filter(promoter=promoter, bucket=B.BALANCE).aggregate(s=Sum("amount_fen"))[
        "s"
    ]
    return int(found or 0)


# ---------------------------------------------------------------- withdrawals


def min_withdraw_fen(*, shop: Shop) -> int:
    found = distribution_settings(shop_id=shop.pk)
    return int(found.min_withdraw_fen) if found is not None else DEFAULT_MIN_WITHDRAW_FEN


@transaction.atomic
def withdrawal_request(*, shop: Shop, user: User, amount_fen: int, client: str = "h5") -> Withdrawal:
    """A promoter asks to withdraw ``amount_fen`` of their balance to their WeChat balance: at
    least the shop's minimum, at most the balance and ¥1,999.99; the amount is held at once (a
    ledger entry). ``client`` ("h5" or "miniprogram") is where they ask from: the transfer is
    made to their openid there, so that they confirm receipt in the same client."""
    from distribution import payouts

    promoter = promoter_require_approved(shop=shop, user=user)
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ApplicationError("invalid", _("请输入提现金额。"), fields={"amount_fen": [_("无效")]})
    minimum = min_withdraw_fen(shop=shop)
    if amount_fen < minimum:
        raise ApplicationError(
            "withdraw_below_minimum", _("最低提现 %(min)s。") % {"min": format_yuan(minimum)},
            fields={"amount_fen": [_("太少")]},
        )  # fmt: skip
    if amount_fen > MAX_WITHDRAW_FEN:
        raise ApplicationError(
            "withdraw_above_maximum", _("单笔提现不超过 %(max)s。") % {"max": format_yuan(MAX_WITHDRAW_FEN)},
            fields={"amount_fen": [_("太多")]},
        )  # fmt: skip
    payee = payouts.promoter_payee(shop=shop, user=user, client=client)
    if payee is None:
        raise ApplicationError(
            "withdraw_needs_wechat", _("提现到微信零钱需要先用微信登录本店。"), http_status=409
        )
    promoter = locks.promoter_lock(pk=promoter.pk)  # one withdrawal at a time per promoter
    balance = _balance_fen(promoter)
    if amount_fen > balance:
        raise ApplicationError(
            "withdraw_exceeds_balance",
            _("可提现余额为 %(b)s，不够提现 %(a)s。") % {"b": format_yuan(max(balance, 0)), "a": format_yuan(amount_fen)},
            fields={"amount_fen": [_("超过余额")]}, http_status=409,
        )  # fmt: skip
    withdrawal = Withdrawal.objects.create(
        shop=shop, promoter=promoter, amount_fen=amount_fen, appid=payee.appid, openid=payee.openid
    )
    _entry(withdrawal=withdrawal, promoter=promoter, bucket=B.BALANCE, kind=K.WITHDRAWAL,
           amount_fen=-amount_fen, note=_("申请提现"))  # fmt: skip
    return withdrawal


def _withdrawal_locked(*, shop: Shop, withdrawal_id: int, promoter: Promoter | None = None) -> Withdrawal:
    found = Withdrawal.objects.filter(shop=shop, pk=withdrawal_id)
    if promoter is not None:
        found = found.filter(promoter=promoter)
    withdrawal = found.first()
    if withdrawal is None:
        raise NotFoundError("withdrawal_not_found", _("没有找到这笔提现。"))
    locks.promoter_lock(pk=withdrawal.promoter_id)
    return Withdrawal.objects.select_related("promoter").get(pk=withdrawal.pk)  # read again under the lock


def _withdrawal_close(withdrawal: Withdrawal, *, status: str, reason: str, actor: User | None = None) -> None:
    """End an open withdrawal without paying it: the held amount goes back to the balance."""
    now = timezone.now()
    withdrawal.status = status
    withdrawal.reason = reason[:200]
    withdrawal.finished_at = now
    fields = ["status", "reason", "finished_at", "updated_at"]
    if actor is not None:
        withdrawal.handled_by, withdrawal.handled_at = actor, now
        fields += ["handled_by", "handled_at"]
    withdrawal.save(update_fields=fields)
    _entry(withdrawal=withdrawal, promoter=withdrawal.promoter, bucket=B.BALANCE, kind=K.WITHDRAWAL_REVERSAL,
           amount_fen=withdrawal.amount_fen, note=withdrawal.get_status_display())  # fmt: skip


def _not_open(withdrawal: Withdrawal) -> ApplicationError:
    return ApplicationError(
        "withdrawal_not_open",
        _("这笔提现当前为“%(s)s”，不能再处理。") % {"s": withdrawal.get_status_display()},
        http_status=409,
    )


@transaction.atomic
def withdrawal_cancel(*, shop: Shop, user: User, withdrawal_id: int) -> Withdrawal:
    """The promoter takes back a request the merchant has not handled yet."""
    promoter = promoter_of(shop=shop, user=user)
    if promoter is None:
        raise NotFoundError("withdrawal_not_found", _("没有找到这笔提现。"))
    withdrawal = _withdrawal_locked(shop=shop, withdrawal_id=withdrawal_id, promoter=promoter)
    if withdrawal.status != W.REQUESTED:
        raise _not_open(withdrawal)
    _withdrawal_close(withdrawal, status=W.CANCELLED, reason=_("推广员撤销"))
    return withdrawal


@transaction.atomic
def withdrawal_reject(*, shop: Shop, withdrawal_id: int, actor: User | None, reason: str) -> Withdrawal:
    """The merchant refuses a request (saying why); the amount goes back to the balance."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("reason_required", _("请填写拒绝原因。"), fields={"reason": [_("必填")]})
    withdrawal = _withdrawal_locked(shop=shop, withdrawal_id=withdrawal_id)
    if withdrawal.status != W.REQUESTED:
        raise _not_open(withdrawal)
    _withdrawal_close(withdrawal, status=W.REJECTED, reason=reason, actor=actor)
    return withdrawal


@transaction.atomic
def withdrawal_approve(*, shop: Shop, withdrawal_id: int, actor: User | None) -> Withdrawal:
    """The merchant approves: a 商家转账 of the amount to the promoter's WeChat balance is created
    in this transaction and sent after commit (``distribution.payouts``); its end comes back once
    through ``withdrawal_transfer_result``. A refusal of payments (no transfer scene set up) leaves
    the request as it was."""
    from distribution import payouts

    withdrawal = _withdrawal_locked(shop=shop, withdrawal_id=withdrawal_id)
    if withdrawal.status != W.REQUESTED:
        raise _not_open(withdrawal)
    now = timezone.now()
    withdrawal.transfer = payouts.transfer_start(shop=shop, withdrawal=withdrawal, actor=actor)
    withdrawal.status = W.TRANSFERRING
    withdrawal.handled_by, withdrawal.handled_at = actor, now
    withdrawal.save(update_fields=["transfer", "status", "handled_by", "handled_at", "updated_at"])
    return withdrawal


def withdrawal_transfer_result(*, transfer: Transfer, withdrawal_id: int, outcome: str) -> Withdrawal | None:
    """A transfer's end (``distribution.payouts``, in payments' transaction, the transfer's row
    locked): ``paid``, or ``failed`` / ``cancelled`` and the amount back in the balance. Only the
    withdrawal's own transfer counts; a repeated result changes nothing."""
    found = Withdrawal.objects.filter(pk=withdrawal_id, shop_id=transfer.shop_id, transfer=transfer).first()
    if found is None:
        return None
    locks.promoter_lock(pk=found.promoter_id)
    withdrawal = Withdrawal.objects.select_related("promoter").get(pk=withdrawal_id)
    if withdrawal.status != W.TRANSFERRING:
        return withdrawal
    if outcome == "paid":
        withdrawal.status, withdrawal.finished_at = W.PAID, timezone.now()
        withdrawal.save(update_fields=["status", "finished_at", "updated_at"])
    elif outcome == "cancelled":
        _withdrawal_close(
            withdrawal, status=W.CANCELLED, reason=_("微信转账已撤销（未确认收款），金额已退回余额")
        )
    else:
        reason = transfer.fail_reason or _("微信转账未成功")
        _withdrawal_close(withdrawal, status=W.FAILED, reason=_("转账失败：%(r)s") % {"r": reason})
    return withdrawal


def commissions_settle_due_job() -> int:
    """``commissions_settle_due`` as a periodic job (``orders.jobs``: no arguments)."""
    return commissions_settle_due()
