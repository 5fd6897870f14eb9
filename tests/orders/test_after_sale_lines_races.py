"""Refund lines under concurrency, on PostgreSQL (real row locks, one connection per thread): two
refunds of one order reserved at the same moment (a shopper's request approved while another path,
such as an automatic refund, reserves its own) are serialised by the order's row lock, so the
second sees the first's lines and never gives back the same unit or fen again."""

from __future__ import annotations

import pytest

from core.errors import ApplicationError
from orders import services
from orders.models import AfterSale, AfterSaleLine, Order, OrderLine
from tests.concurrency import run_at_once
from tests.factories import AddressFactory, ShopperFactory, make_product

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def two_line_order(shop, n: int) -> Order:
    user = ShopperFactory(username=f"racer{n}")
    a = make_product(shop=shop, title=f"T恤{n}", price_fen=3333, stock=5).skus.get()
    b = make_product(shop=shop, title=f"袜子{n}", price_fen=1999, stock=5).skus.get()
    order = services.order_place(shop=shop, user=user, items=[(a.pk, 3), (b.pk, 2)],
                                 address_id=AddressFactory(user=user).pk)  # fmt: skip
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    services.order_ship(
        shop=shop, order_no=order.order_no, carrier="sf", tracking_no=f"SF90000{n}", actor=None
    )
    return Order.objects.get(pk=order.pk)


def approve(after_sale: AfterSale):
    return services.after_sale_approve(
        shop=after_sale.shop, after_sale_no=after_sale.after_sale_no, actor=None
    )


def test_two_refunds_reserved_at_once_never_give_back_a_line_twice(shop_a):
    for n in range(6):
        order = two_line_order(shop_a, n)
        tee, socks = OrderLine.objects.filter(order=order).order_by("pk")
        chosen = services.after_sale_request(order=order, user=order.user, kind="refund_only", reason="不要了",
                                             lines=[(tee.pk, 3), (socks.pk, 1)])  # fmt: skip
        # another path's refund of the whole order, as an amount (split when reserved)
        other = AfterSale.objects.create(shop=shop_a, order=order, kind="refund_only", reason="自动退款",
                                         amount_fen=order.paid_fen)  # fmt: skip
        pair = [chosen, other] if n % 2 else [other, chosen]
        results = run_at_once(approve, [(a,) for a in pair])
        errors = [r for r in results if isinstance(r, Exception)]
        assert len(errors) == 1 and isinstance(errors[0], ApplicationError), results
        assert errors[0].code in ("refund_exceeds_paid", "after_sale_line_invalid")
        order.refresh_from_db()
        done = AfterSale.objects.get(order=order, status=AfterSale.Status.REFUNDED)
        assert order.refunded_fen == done.amount_fen <= order.paid_fen
        given = AfterSaleLine.objects.filter(
            after_sale__order=order, after_sale__status=AfterSale.Status.REFUNDED
        )
        for line in (tee, socks):
            mine = [r for r in given if r.order_line_id == line.pk]
            assert sum(r.quantity for r in mine) <= line.quantity
            assert sum(r.amount_fen for r in mine) <= line.total_fen - line.discount_fen
        assert sum(r.amount_fen for r in given) + done.shipping_fen == done.amount_fen


def test_refunds_of_different_lines_reserved_at_once_both_go_through(shop_a):
    order = two_line_order(shop_a, 9)
    tee, socks = OrderLine.objects.filter(order=order).order_by("pk")
    first = services.after_sale_request(order=order, user=order.user, kind="refund_only", reason="x",
                                        lines=[(tee.pk, 3)])  # fmt: skip
    second = AfterSale.objects.create(shop=shop_a, order=order, kind="refund_only", reason="自动退款",
                                      amount_fen=socks.total_fen)  # fmt: skip
    AfterSaleLine.objects.create(shop=shop_a, after_sale=second, order_line=socks, quantity=2,
                                 amount_fen=socks.total_fen)  # fmt: skip
    results = run_at_once(approve, [(first,), (second,)])
    assert not [r for r in results if isinstance(r, Exception)], results
    order.refresh_from_db()
    assert order.refunded_fen == tee.total_fen + socks.total_fen == order.goods_fen


def test_the_same_units_reserved_twice_at_once_go_back_once(shop_a):
    """Both fit the money left, only one fits the units: the second is refused by the lines."""
    for n in range(4):
        order = two_line_order(shop_a, 20 + n)
        tee, _socks = OrderLine.objects.filter(order=order).order_by("pk")
        chosen = services.after_sale_request(order=order, user=order.user, kind="refund_only", reason="x",
                                             lines=[(tee.pk, 1)], amount_fen=100)  # fmt: skip
        other = AfterSale.objects.create(shop=shop_a, order=order, kind="refund_only", reason="自动退款",
                                         amount_fen=tee.total_fen)  # fmt: skip
        AfterSaleLine.objects.create(shop=shop_a, after_sale=other, order_line=tee, quantity=3,
                                     amount_fen=tee.total_fen)  # fmt: skip
        pair = [chosen, other] if n % 2 else [other, chosen]
        results = run_at_once(approve, [(a,) for a in pair])
        errors = [r for r in results if isinstance(r, Exception)]
        assert len(errors) == 1 and getattr(errors[0], "code", None) == "after_sale_line_invalid", results
        refunded = AfterSaleLine.objects.filter(order_line=tee, after_sale__status=AfterSale.Status.REFUNDED)
        assert sum(r.quantity for r in refunded) <= 3
        assert sum(r.amount_fen for r in refunded) <= tee.total_fen
