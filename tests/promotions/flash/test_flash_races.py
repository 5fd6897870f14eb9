"""Flash sales under a race, on PostgreSQL (real concurrent connections): 200 buyers for 10 flash
units with a limit of 1 each give exactly 10 orders, none oversold, no shopper with 2 and no
deadlock; one shopper racing with themself gets their limit only; a session's start and end run
twice at once move the stock once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connections
from django.db.models import Count, Sum
from django.utils import timezone

from catalog.models import SKU
from core.errors import ApplicationError
from orders import services as order_services
from orders.models import Order, OrderLine
from promotions.flash import services
from promotions.flash.models import FlashItem, FlashPurchase, FlashSession
from tests.concurrency import run_at_once
from tests.factories import AddressFactory, ShopperFactory, make_product
from tests.promotions.flash.helpers import make_session

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _pooled(target, args_list, *, threads: int = 20) -> list:
    """Run ``target`` for every args tuple on a pool of ``threads`` threads (each call on its own
    database connection), all released together: ~``threads`` checkouts truly at once."""
    results: list = [None] * len(args_list)
    start = threading.Event()

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = target(*args_list[index])
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(run, i) for i in range(len(args_list))]
        start.set()
        for future in futures:
            future.result(timeout=300)
    return results


def test_two_hundred_buyers_for_ten_flash_units(shop_a):
    sku = make_product(shop=shop_a, title="秒杀品", price_fen=9900, stock=10).skus.get()
    other = make_product(shop=shop_a, title="配件", price_fen=1000, stock=1000).skus.get()
    _session, item = make_session(shop=shop_a, sku=sku, flash_price_fen=990, quantity=10, per_user_limit=1)
    assert services.flash_sessions_sync() == 1
    assert SKU.objects.get(pk=sku.pk).stock == 0  # every unit is a flash unit now
    buyers = [ShopperFactory(username=f"f{i}") for i in range(200)]
    addresses = {user.pk: AddressFactory(user=user).pk for user in buyers}

    def buy(user, with_other: bool):
        items = [(sku.pk, 1), (other.pk, 1)] if with_other else [(sku.pk, 1)]
        return order_services.order_place(shop=shop_a, user=user, items=items, address_id=addresses[user.pk])

    results = _pooled(buy, [(user, i % 3 == 0) for i, user in enumerate(buyers)])
    orders = [r for r in results if isinstance(r, Order)]
    refusals = [r for r in results if isinstance(r, ApplicationError)]
    others = [r for r in results if not isinstance(r, (Order, ApplicationError))]
    assert not others, others[:3]  # no deadlock, no crash
    assert len(orders) == 10 and len(refusals) == 190
    assert {r.code for r in refusals} <= {"flash_sold_out", "out_of_stock"}
    item.refresh_from_db()
    assert (item.remaining, item.sold) == (0, 10)
    assert SKU.objects.get(pk=sku.pk).stock == 0
    sold = OrderLine.objects.filter(sku=sku).aggregate(n=Sum("quantity"))["n"]
    assert sold == 10  # 0 oversold
    per_user = OrderLine.objects.filter(sku=sku).values("order__user").annotate(n=Sum("quantity"))
    assert max(row["n"] for row in per_user) == 1
    assert all(o.discount_fen == 8910 for o in Order.objects.filter(pk__in=[o.pk for o in orders]))
    bought_other = OrderLine.objects.filter(sku=other).aggregate(n=Sum("quantity"))["n"] or 0
    assert SKU.objects.get(pk=other.pk).stock == 1000 - bought_other


def test_one_shopper_racing_with_themself_gets_the_limit_only(shop_a):
    sku = make_product(shop=shop_a, title="秒杀品", price_fen=9900, stock=50).skus.get()
    make_session(shop=shop_a, sku=sku, flash_price_fen=990, quantity=50, per_user_limit=2)
    services.flash_sessions_sync()
    user = ShopperFactory(username="greedy")
    address = AddressFactory(user=user)

    def buy(_n):
        return order_services.order_place(shop=shop_a, user=user, items=[(sku.pk, 1)], address_id=address.pk)

    results = run_at_once(buy, [(n,) for n in range(16)])
    orders = [r for r in results if isinstance(r, Order)]
    assert len(orders) == 2, results
    assert {r.code for r in results if isinstance(r, ApplicationError)} == {"flash_limit_reached"}
    assert FlashPurchase.objects.get(user=user).quantity == 2
    assert FlashItem.objects.get().remaining == 48


def test_start_and_end_run_twice_at_once_move_the_stock_once(shop_a):
    sku = make_product(shop=shop_a, title="秒杀品", price_fen=9900, stock=30).skus.get()
    session, _item = make_session(shop=shop_a, sku=sku, flash_price_fen=990, quantity=10)
    moved = run_at_once(lambda: services.flash_sessions_sync(), [(), (), (), ()])
    assert sorted(moved) == [0, 0, 0, 1]
    assert SKU.objects.get(pk=sku.pk).stock == 20
    FlashSession.objects.filter(pk=session.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    moved = run_at_once(lambda: services.flash_sessions_sync(), [(), (), (), ()])
    assert sorted(moved) == [0, 0, 0, 1]
    assert SKU.objects.get(pk=sku.pk).stock == 30
    assert FlashItem.objects.filter(remaining=0).aggregate(n=Count("pk"))["n"] == 1
