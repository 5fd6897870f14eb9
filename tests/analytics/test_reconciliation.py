"""The dashboard's numbers reconcile with the orders (issue 13): orders across several days and
channels — paid, unpaid, cancelled, refunded in full and in part, paid on a later day, refunded on
a later day — then the job, then every figure the dashboard shows is compared with the raw rows."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.core.management import call_command

from analytics import selectors, services
from marketing.models import Channel
from marketing.services import channel_save
from orders import services as order_services
from orders.models import AfterSale, Order
from tests.analytics.helpers import days_ago, pay, place, refund
from tests.factories import ShopperFactory, make_product

pytestmark = pytest.mark.django_db


def local_day(moment):
    from django.utils import timezone

    return timezone.localdate(moment)


@pytest.fixture
def history(shop_a, shop_b):
    """Orders of shop A over six days through two channels and none (and one of shop B's, which
    must never show)."""
    channel_save(channel=Channel(shop=shop_a, name="宝妈群", kind=Channel.Kind.GROUP, code="mama"))
    channel_save(channel=Channel(shop=shop_a, name="朋友圈", kind=Channel.Kind.MOMENTS, code="pyq"))
    cheap = make_product(shop=shop_a, title="袜子", price_fen=2900, stock=500).skus.get()
    dear = make_product(shop=shop_a, title="外套", price_fen=39900, stock=500).skus.get()
    shoppers = [ShopperFactory(username=f"s{i}") for i in range(5)]
    codes = ["", "mama", "pyq"]
    for n in range(6):
        day = days_ago(n)
        for i, shopper in enumerate(shoppers):
            code = codes[(n + i) % 3]
            sku = dear if (n + i) % 4 == 0 else cheap
            order = place(shop_a, sku, user=shopper, day=day, code=code, quantity=1 + i % 2)
            kind = (n * 5 + i) % 6
            if kind == 0:
                continue  # unpaid, still open
            if kind == 1:
                order_services.order_cancel(order=order, actor=None, actor_kind="system", reason="超时")
                continue
            paid_day = days_ago(max(n - 1, 0)) if kind == 2 else day  # some are paid the next day
            order = pay(order, day=paid_day)
            if kind == 3:
                refund(order, order.paid_fen, day=paid_day)  # in full, the same day
            elif kind == 4:
                refund(order, order.paid_fen // 3, day=days_ago(max(n - 2, 0)))  # in part, later
        # a shopper who pays twice on one day is one paying customer
        twice = place(shop_a, cheap, user=shoppers[0], day=day, code="mama")
        pay(twice, day=day)
    other = make_product(shop=shop_b, title="乙的商品", price_fen=100000, stock=5).skus.get()
    pay(place(shop_b, other, day=days_ago(1), code="mama"), day=days_ago(1))
    call_command(
        "analytics_backfill", "--since", days_ago(10).isoformat(), "--until", days_ago(0).isoformat()
    )
    services.figures_rollup()  # the job over the recent days: the same figures again
    return shop_a


def raw(shop, since, until):
    """The same figures straight from the orders."""
    per_day: dict = defaultdict(lambda: defaultdict(int))
    payers: dict = defaultdict(set)
    buyers: dict = defaultdict(set)
    per_channel: dict = defaultdict(lambda: defaultdict(int))
    channel_payers: dict = defaultdict(set)
    for order in Order.objects.filter(shop=shop):
        placed = local_day(order.created_at)
        if since <= placed <= until:
            per_day[placed]["orders"] += 1
            buyers[placed].add(order.user_id)
            per_channel[order.channel_code]["orders"] += 1
        if order.paid_at and since <= local_day(order.paid_at) <= until:
            paid = local_day(order.paid_at)
            per_day[paid]["paid_fen"] += order.paid_fen
            per_day[paid]["paid_orders"] += 1
            payers[paid].add(order.user_id)
            per_channel[order.channel_code]["paid_fen"] += order.paid_fen
            channel_payers[order.channel_code, paid].add(order.user_id)
    for after_sale in AfterSale.objects.filter(shop=shop, status=AfterSale.Status.REFUNDED).select_related(
        "order"
    ):
        refunded = local_day(after_sale.refunded_at)
        if since <= refunded <= until:
            per_day[refunded]["refund_fen"] += after_sale.amount_fen
            per_channel[after_sale.order.channel_code]["refund_fen"] += after_sale.amount_fen
    for day, users in payers.items():
        per_day[day]["payers"] = len(users)
    for day, users in buyers.items():
        per_day[day]["buyers"] = len(users)
    for (code, _day), users in channel_payers.items():
        per_channel[code]["payers"] += len(users)
    return per_day, per_channel


@pytest.mark.parametrize("span", [(5, 0), (3, 1), (0, 0)])
def test_sales_orders_and_paying_customers_equal_the_raw_orders(history, span):
    since, until = days_ago(span[0]), days_ago(span[1])
    dashboard = selectors.dashboard(shop_id=history.pk, since=since, until=until)
    per_day, per_channel = raw(history, since, until)
    assert per_day, "the fixture made orders in the range"
    for row in dashboard.days:
        expected = per_day.get(row.day, {})
        numbers = row.numbers
        assert numbers.sales_fen == expected.get("paid_fen", 0) - expected.get("refund_fen", 0), row.day
        assert numbers.orders == expected.get("orders", 0), row.day
        assert numbers.buyers == expected.get("buyers", 0), row.day
        assert numbers.payers == expected.get("payers", 0), row.day
        assert numbers.paid_orders == expected.get("paid_orders", 0), row.day
        assert numbers.refund_fen == expected.get("refund_fen", 0), row.day
    total = dashboard.total
    assert total.sales_fen == sum(d.get("paid_fen", 0) - d.get("refund_fen", 0) for d in per_day.values())
    assert total.orders == sum(d.get("orders", 0) for d in per_day.values())
    assert total.payers == sum(d.get("payers", 0) for d in per_day.values())
    channels = {c.code: c.numbers for c in dashboard.channels}
    for code, expected in per_channel.items():
        assert channels[code].sales_fen == expected.get("paid_fen", 0) - expected.get("refund_fen", 0), code
        assert channels[code].orders == expected.get("orders", 0), code
        assert channels[code].payers == expected.get("payers", 0), code
    assert sum(c.sales_fen for c in channels.values()) == total.sales_fen
    assert sum(p.paid_fen for p in dashboard.products) == total.paid_fen  # no discounts in this shop


def test_the_page_shows_the_reconciled_total(client, history, merchant_a):
    from django.utils import timezone

    client.force_login(merchant_a)
    page = client.get("/admin/?range=7").content.decode()
    dashboard = selectors.dashboard(shop_id=history.pk, since=days_ago(6), until=timezone.localdate())
    from core.money import format_yuan

    assert format_yuan(dashboard.total.sales_fen) in page
    assert "¥1000" not in page  # shop B's order
