"""Commissions and the ledger (issue 12's money rules): created when a referred order is placed,
pending when paid, settled after the after-sales window, voided or taken back by refunds."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from distribution import services
from distribution.models import Commission, ImmutableEntry, LedgerEntry, ProductCommission
from orders.models import OrderLine
from tests.distribution.helpers import (
    after_window,
    balances,
    buyer,
    complete,
    enable,
    make_promoter,
    pay,
    place,
    refund,
    sums,
    via,
)
from tests.factories import make_product

C = Commission.Status
K = LedgerEntry.Kind


@pytest.fixture
def promoter(shop_a):
    enable(shop_a)
    return make_promoter(shop_a)


def entries(promoter) -> list[tuple[str, str, int]]:
    return [
        (e.bucket, e.kind, e.amount_fen) for e in LedgerEntry.objects.filter(promoter=promoter).order_by("pk")
    ]


def test_a_referred_order_earns_its_rate_of_the_paid_goods_pending_once_paid(shop_a, promoter):
    order = place(shop_a, buyer(), attribution=via(promoter), price_fen=12345)
    commission = Commission.objects.get(order=order)
    # 10% of ¥123.45, rounded down to the fen; shipping is never part of the base
    assert (commission.level, commission.base_fen, commission.amount_fen) == (1, 12345, 1234)
    assert commission.status == C.AWAITING_PAYMENT and entries(promoter) == []  # nothing before payment
    pay(order)
    commission.refresh_from_db()
    assert commission.status == C.PENDING
    assert entries(promoter) == [("pending", K.COMMISSION, 1234)]
    assert balances(promoter) == (1234, 0)


def test_an_unreferred_order_and_distribution_off_earn_nothing(shop_a, promoter):
    pay(place(shop_a, buyer("a")))
    enable(shop_a, is_enabled=False)
    pay(place(shop_a, buyer("b"), attribution=via(promoter)))
    assert not Commission.objects.exists() and not LedgerEntry.objects.exists()


def test_a_cancelled_unpaid_order_cancels_its_commission_without_entries(shop_a, promoter):
    from orders import services as order_services

    order = place(shop_a, buyer(), attribution=via(promoter))
    order_services.order_cancel(order=order, actor=order.user, actor_kind="shopper")
    assert Commission.objects.get(order=order).status == C.CANCELLED
    assert not LedgerEntry.objects.exists()


def test_the_base_is_each_lines_paid_share_and_a_product_rate_overrides_the_shop(shop_a, promoter):
    cheap = make_product(shop=shop_a, title="袜子", price_fen=999, stock=50)
    dear = make_product(shop=shop_a, title="外套", price_fen=30001, stock=50)
    ProductCommission.objects.create(shop=shop_a, product=dear, rate_percent=Decimal("3.33"))
    from orders import services as order_services
    from tests.factories import AddressFactory

    shopper = buyer()
    address = AddressFactory(user=shopper)
    order = order_services.order_place(
        shop=shop_a, user=shopper, address_id=address.pk, attribution=via(promoter),
        items=[(cheap.skus.get().pk, 3), (dear.skus.get().pk, 1)],
    )  # fmt: skip
    OrderLine.objects.filter(order=order, title="袜子").update(discount_fen=97)  # as a coupon's share would
    Commission.objects.all().delete()
    order.refresh_from_db()
    services.distribution_order_event_listener(
        order.events.get(type="placed")
    )  # priced again, with the discount
    commission = Commission.objects.get(order=order)
    # (2997 − 97) × 10% + 30001 × 3.33% = 290 + 999.0333 → 1289 (rounded down once)
    assert commission.base_fen == 2900 + 30001
    assert commission.amount_fen == (2900 * 1000 + 30001 * 333) // 10000 == 1289
    assert [(line["base_fen"], line["rate_bp"]) for line in commission.lines] == [(2900, 1000), (30001, 333)]


def test_a_product_rate_of_zero_gives_no_commission(shop_a, promoter):
    product = make_product(shop=shop_a, price_fen=5000)
    ProductCommission.objects.create(shop=shop_a, product=product, rate_percent=Decimal("0"))
    pay(place(shop_a, buyer(), attribution=via(promoter), sku=product.skus.get()))
    assert not Commission.objects.exists()


def test_changing_a_rate_never_changes_existing_commissions_or_entries(shop_a, promoter):
    product = make_product(shop=shop_a, price_fen=10000, stock=10)
    first = pay(place(shop_a, buyer("a"), attribution=via(promoter), sku=product.skus.get()))
    before = entries(promoter)
    ProductCommission.objects.create(shop=shop_a, product=product, rate_percent=Decimal("20"))
    enable(shop_a, rate_percent=Decimal("30"))
    second = pay(place(shop_a, buyer("b"), attribution=via(promoter), sku=product.skus.get()))
    assert Commission.objects.get(order=first).amount_fen == 1000
    assert Commission.objects.get(order=second).amount_fen == 2000
    assert entries(promoter)[: len(before)] == before


def test_level_two_goes_to_the_promoters_own_promoter(shop_a):
    enable(shop_a, level2_enabled=True, level2_rate_percent=Decimal("2"))
    upline = make_promoter(shop_a, "upline")
    promoter = make_promoter(shop_a, "down")
    # the promoter was once referred by the upline (their own order bound them)
    pay(place(shop_a, promoter.user, attribution=via(upline)))
    order = pay(place(shop_a, buyer(), attribution=via(promoter), price_fen=10000))
    levels = {c.level: (c.promoter_id, c.amount_fen) for c in Commission.objects.filter(order=order)}
    assert levels == {1: (promoter.pk, 1000), 2: (upline.pk, 200)}


def test_level_two_never_pays_the_buyer(shop_a):
    enable(shop_a, level2_enabled=True, level2_rate_percent=Decimal("2"))
    a = make_promoter(shop_a, "a")
    b = make_promoter(shop_a, "b")
    pay(place(shop_a, b.user, attribution=via(a)))  # b is bound to a
    order = pay(place(shop_a, a.user, attribution=via(b)))  # a buys through b's link
    assert [(c.level, c.promoter_id) for c in Commission.objects.filter(order=order)] == [(1, b.pk)]


def test_settlement_waits_for_the_after_sales_window_then_moves_pending_to_balance(shop_a, promoter):
    order = complete(pay(place(shop_a, buyer(), attribution=via(promoter))))
    commission = Commission.objects.get(order=order)
    assert commission.settle_after == order.completed_at + timedelta(days=shop_a.after_sale_days)
    assert services.commissions_settle_due() == 0  # the window is open
    assert services.commissions_settle_due(now=after_window(order)) == 1
    assert services.commissions_settle_due(now=after_window(order)) == 0  # once
    commission.refresh_from_db()
    assert commission.status == C.SETTLED
    assert entries(promoter) == [
        ("pending", K.COMMISSION, 1000), ("pending", K.SETTLE_OUT, -1000), ("balance", K.SETTLE_IN, 1000),
    ]  # fmt: skip
    assert balances(promoter) == (0, 1000)


def test_an_open_after_sales_request_holds_settlement_until_it_is_answered(shop_a, promoter):
    from orders import services as order_services

    order = complete(pay(place(shop_a, buyer(), attribution=via(promoter))))
    request = order_services.after_sale_request(
        order=order, user=order.user, kind="refund_only", reason="有瑕疵", amount_fen=100
    )
    later = after_window(order)
    assert services.commissions_settle_due(now=later) == 0
    order_services.after_sale_reject(
        shop=shop_a, after_sale_no=request.after_sale_no, actor=None, reason="正常"
    )
    assert services.commissions_settle_due(now=later) == 1


def test_an_unfinished_order_never_settles(shop_a, promoter):
    pay(place(shop_a, buyer(), attribution=via(promoter)))
    assert services.commissions_settle_due(now=timezone.now() + timedelta(days=400)) == 0


def test_a_full_refund_before_settlement_voids_the_commission(shop_a, promoter):
    order = pay(place(shop_a, buyer(), attribution=via(promoter)))
    refund(order, order.paid_fen)
    assert Commission.objects.get(order=order).status == C.VOIDED
    assert entries(promoter) == [("pending", K.COMMISSION, 1000), ("pending", K.VOID, -1000)]
    assert balances(promoter) == (0, 0)


def test_a_partial_refund_voids_the_commission_of_what_it_gives_back_rounded_down(shop_a, promoter):
    shop_a.shipping_fee_fen = 800
    shop_a.save()
    order = pay(place(shop_a, buyer(), attribution=via(promoter), price_fen=9999))  # + ¥8 shipping
    assert (order.paid_fen, Commission.objects.get(order=order).amount_fen) == (10799, 999)
    refund(order, 3333)  # an amount: split over the goods first (one line here)
    # kept = (9999 − 3333) × 10% = 666.6 → 666; voided 333
    assert entries(promoter)[-1] == ("pending", K.VOID, 666 - 999)
    refund(order, 1000)
    assert balances(promoter) == (566, 0)  # (9999 − 4333) × 10% = 566.6 → 566
    assert Commission.objects.get(order=order).status == C.PENDING
    order = complete(order)
    services.commissions_settle_due(now=after_window(order))
    assert balances(promoter) == (0, 566)


def test_a_refund_follows_the_lines_it_gives_back(shop_a, promoter):
    """Refunding the line that earned 3.33% takes back only its commission; shipping takes nothing."""
    shop_a.shipping_fee_fen = 800
    shop_a.save()
    cheap = make_product(shop=shop_a, title="袜子", price_fen=1000, stock=50)
    dear = make_product(shop=shop_a, title="外套", price_fen=30000, stock=50)
    ProductCommission.objects.create(shop=shop_a, product=dear, rate_percent=Decimal("3.33"))
    from orders import services as order_services
    from tests.factories import AddressFactory

    shopper = buyer()
    order = order_services.order_place(
        shop=shop_a, user=shopper, address_id=AddressFactory(user=shopper).pk, attribution=via(promoter),
        items=[(cheap.skus.get().pk, 2), (dear.skus.get().pk, 1)],
    )  # fmt: skip
    order = pay(order)
    commission = Commission.objects.get(order=order)
    assert commission.amount_fen == (2000 * 1000 + 30000 * 333) // 10000 == 1199
    coat = order.lines.get(title="外套")
    after_sale = order_services.after_sale_request(
        order=order, user=shopper, kind="refund_only", reason="外套不合适", lines=[(coat.pk, 1)]
    )
    order_services.after_sale_approve(shop=shop_a, after_sale_no=after_sale.after_sale_no, actor=None)
    assert balances(promoter) == (200, 0)  # the socks' ¥2 stays
    assert Commission.objects.get(order=order).status == C.PENDING


def test_a_refund_after_settlement_writes_a_negative_entry_never_capped(shop_a, promoter, settings):
    """Settled (the job ran for a time after the window), then the shopper's refund still came:
    the commission is taken back in full, even from money already withdrawn."""
    order = complete(pay(place(shop_a, buyer(), attribution=via(promoter))))
    services.commissions_settle_due(now=after_window(order))
    from tests.distribution.test_withdrawals import withdraw_all

    withdraw_all(promoter)  # the balance is in flight: 0 left
    assert balances(promoter) == (0, 0)
    refund(order, order.paid_fen)
    assert entries(promoter)[-1] == ("balance", K.CLAWBACK, -1000)
    assert balances(promoter) == (0, -1000)  # negative: never capped at what was there
    assert Commission.objects.get(order=order).status == C.SETTLED


def test_the_next_settlements_pay_off_a_negative_balance(shop_a, promoter):
    first = complete(pay(place(shop_a, buyer("a"), attribution=via(promoter))))
    services.commissions_settle_due(now=after_window(first))
    refund(first, first.paid_fen)  # −¥10 after settlement
    refund_side = balances(promoter)
    assert refund_side == (0, 0)
    from tests.distribution.test_withdrawals import withdraw_all

    second = complete(pay(place(shop_a, buyer("b"), attribution=via(promoter), price_fen=5000)))
    third = complete(pay(place(shop_a, buyer("c"), attribution=via(promoter), price_fen=8000)))
    assert balances(promoter) == (1300, 0)
    services.commissions_settle_due(now=after_window(third))
    assert balances(promoter) == (0, 1300)
    withdraw_all(promoter)
    refund(second, second.paid_fen)
    assert balances(promoter) == (0, -500)
    fourth = complete(pay(place(shop_a, buyer("d"), attribution=via(promoter), price_fen=3000)))
    services.commissions_settle_due(now=after_window(fourth))
    assert balances(promoter) == (0, -200)  # paid off as far as it goes
    fifth = complete(pay(place(shop_a, buyer("e"), attribution=via(promoter), price_fen=9000)))
    services.commissions_settle_due(now=after_window(fifth))
    assert balances(promoter) == (0, 700)


def test_the_balance_is_the_sum_of_the_entries(shop_a, promoter):
    orders = [complete(pay(place(shop_a, buyer(f"s{i}"), attribution=via(promoter), price_fen=1000 * (i + 1))))
              for i in range(4)]  # fmt: skip
    refund(orders[0], 500)
    services.commissions_settle_due(now=after_window(orders[-1]))
    refund(orders[1], orders[1].paid_fen)
    found = services.promoter_balances(promoter=promoter)
    by_bucket = sums(promoter)
    assert (found.pending_fen, found.balance_fen) == (by_bucket.get("pending", 0), by_bucket["balance"])
    earned = sum(
        services.commission_kept_fen(lines=c.lines, refunded=services.refunded_by_line(order_id=c.order_id))
        for c in Commission.objects.all()
    )
    assert sum(by_bucket.values()) == earned


def test_ledger_entries_are_immutable(shop_a, promoter):
    pay(place(shop_a, buyer(), attribution=via(promoter)))
    entry = LedgerEntry.objects.get()
    entry.amount_fen = 1
    with pytest.raises(ImmutableEntry):
        entry.save()
    with pytest.raises(ImmutableEntry):
        entry.delete()
    with pytest.raises(ImmutableEntry):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount_fen=1)
    with pytest.raises(ImmutableEntry):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    from django.db import DatabaseError, transaction

    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):  # the database refuses too
        cursor.execute("UPDATE distribution_ledgerentry SET amount_fen = 1 WHERE id = %s", [entry.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM distribution_ledgerentry WHERE id = %s", [entry.pk])
    assert LedgerEntry.objects.get().amount_fen == 1000


def test_a_refund_applied_after_a_close_counts_once(shop_a, promoter):
    order = pay(place(shop_a, buyer(), attribution=via(promoter)))
    refund(order, order.paid_fen)
    for event in order.events.filter(type__in=["refunded", "closed"]):
        services.distribution_order_event_listener(event)  # heard again: nothing more is taken
    assert entries(promoter) == [("pending", K.COMMISSION, 1000), ("pending", K.VOID, -1000)]
