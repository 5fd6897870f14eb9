"""The order desk and the product list at a million rows (shop/admin_scale.py): exact lookups for
order numbers and phones, one capped count, a probed date hierarchy; query counts do not grow with
the number of rows."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Category
from orders.admin import order_search_exact_q
from orders.models import Order
from shop.admin_scale import LargeTablePaginator, ProbedDatesQuerySet
from tests.factories import ShopperFactory, make_product

ORDERS = "/admin/orders/order/"
PRODUCTS = "/admin/catalog/product/"
FIRST = timezone.make_aware(datetime(2026, 3, 2, 10))  # noqa: DTZ001
LAST = timezone.make_aware(datetime(2026, 5, 20, 18))  # noqa: DTZ001


@pytest.fixture
def merchant(client, merchant_a):
    client.force_login(merchant_a)
    return client


def add_orders(shop, count, *, phone="13812345678", at=None):
    """``count`` orders between FIRST and LAST (the first and the last of them on those days)."""
    user = ShopperFactory()
    orders = []
    for i in range(count):
        when = at or (FIRST if i == 0 else LAST if i == 1 else FIRST + (LAST - FIRST) * i / (count + 1))
        order = Order.objects.create(
            shop=shop, user=user, recipient=f"张{i}", phone=phone, province="广东省", city="深圳市",
            address_detail="科技园 1 号", pay_deadline=when, status="paid",
        )  # fmt: skip
        Order.objects.filter(pk=order.pk).update(created_at=when)
        orders.append(order)
    return orders


def queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, (url, params)
    return captured


def test_order_number_and_phone_shaped_searches_are_exact_lookups():
    assert order_search_exact_q("20261124123456789012") is not None
    for phone in ("13812345678", "138 1234 5678", "138-1234-5678", "+86 13812345678"):
        assert str(order_search_exact_q(phone)) == str(order_search_exact_q("13812345678")), phone
    for other in (
        "张三",
        "5678",
        "1381234567",
        "2026112412345678901",
        "１３８１２３４５６７８",
        "138****5678",
    ):
        assert order_search_exact_q(other) is None, other


def test_searching_by_number_phone_or_name_finds_the_order(merchant, shop_a, shop_b):
    mine, other = add_orders(shop_a, 2, phone="13812345678")
    add_orders(shop_b, 1, phone="13812345678")  # another shop's order: never found
    add_orders(shop_a, 1, phone="13900000000")
    for q, expected in [
        (mine.order_no, [mine.pk]),
        ("138 1234-5678", [mine.pk, other.pk]),
        ("+8613812345678", [mine.pk, other.pk]),
        ("张1", [other.pk]),  # anything else: as before (name, part of a number)
        ("0000", [Order.objects.get(shop=shop_a, phone="13900000000").pk]),
    ]:
        found = merchant.get(ORDERS, {"q": q}).context["cl"].result_list
        assert sorted(o.pk for o in found) == sorted(expected), q


def test_an_exact_search_asks_for_no_upper_or_like(merchant, shop_a):
    (order,) = add_orders(shop_a, 1)
    for q in (order.order_no, order.phone):
        sql = " ".join(query["sql"] for query in queries(merchant, ORDERS, {"q": q}).captured_queries)
        assert "UPPER(" not in sql and "LIKE" not in sql, q


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status__exact": "paid"},
        {"q": "13812345678"},
        {"created_at__year": "2026"},
        {"created_at__year": "2026", "created_at__month": "3"},
    ],
)
def test_the_order_list_runs_as_many_queries_for_12_orders_as_for_3(merchant, shop_a, params):
    add_orders(shop_a, 3)
    few = len(queries(merchant, ORDERS, params))
    add_orders(shop_a, 9, at=FIRST + timedelta(hours=1))  # more rows, the same days
    many = queries(merchant, ORDERS, params)
    assert len(many) == few
    counts = [q["sql"] for q in many.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1, counts  # the filtered list, counted once; the full list never
    assert not [q["sql"] for q in many.captured_queries if "DISTINCT" in q["sql"].upper()]


def test_the_product_list_runs_as_many_queries_for_12_products_as_for_3(merchant, shop_a):
    top = Category.objects.create(shop=shop_a, name="服装")
    child = Category.objects.create(shop=shop_a, name="T恤", parent=top)
    urls = [{}, {"status__exact": "on_sale"}, {"category": str(top.pk)}, {"stock": "low"}]
    for i in range(3):
        make_product(shop=shop_a, title=f"T恤{i}", category=child)
    few = [len(queries(merchant, PRODUCTS, params)) for params in urls]
    for i in range(9):
        make_product(shop=shop_a, title=f"衬衫{i}", category=top if i % 2 else child, stock=3)
    assert [len(queries(merchant, PRODUCTS, params)) for params in urls] == few
    found = merchant.get(PRODUCTS, {"category": str(top.pk)}).context["cl"].result_count
    assert found == 12  # a top-level category includes its children


@pytest.mark.parametrize("kind", ["year", "month", "day"])
def test_the_probed_date_hierarchy_offers_what_django_would(shop_a, kind):
    add_orders(shop_a, 6)
    add_orders(shop_a, 1, at=timezone.make_aware(datetime(2025, 12, 31, 23, 30)))  # noqa: DTZ001
    queryset = Order.objects.filter(shop=shop_a)
    if kind == "day":
        queryset = queryset.filter(
            created_at__gte=FIRST - timedelta(days=1), created_at__lt=FIRST + timedelta(days=40)
        )
    probed = queryset._chain()
    probed.__class__ = type("Probed", (ProbedDatesQuerySet,), {})
    assert probed.datetimes("created_at", kind) == list(queryset.datetimes("created_at", kind))


def test_the_paginator_counts_exactly_up_to_its_limit(shop_a):
    add_orders(shop_a, 4)
    paginator = LargeTablePaginator(Order.objects.filter(shop=shop_a).order_by("-id"), 2)
    assert paginator.count == 4 and not paginator.estimated


@pytest.mark.postgres
def test_above_its_limit_the_paginator_takes_the_planners_estimate(shop_a):
    add_orders(shop_a, 8)
    paginator = LargeTablePaginator(Order.objects.filter(shop=shop_a).order_by("-id"), 2)
    paginator.exact_up_to = 5
    with CaptureQueriesContext(connection) as captured:
        count = paginator.count
    assert paginator.estimated and count >= 6  # never less than it counted
    assert any(q["sql"].startswith("EXPLAIN") for q in captured.captured_queries)


def test_the_product_search_finds_title_and_keyword_words_and_whole_sku_codes(merchant, shop_a, shop_b):
    scarf = make_product(shop=shop_a, title="羊绒围巾", keywords="cashmere")
    tee = make_product(shop=shop_a, title="纯棉T恤")
    tee.skus.update(code="TEE-001")
    make_product(shop=shop_b, title="羊绒围巾（乙店）").skus.update(code="TEE-002")
    for q, expected in [
        ("羊绒", [scarf.pk]),
        ("绒", [scarf.pk]),
        ("CASHMERE", [scarf.pk]),
        ("t恤", [tee.pk]),
        ("TEE-001", [tee.pk]),
        ("TEE-002", []),  # another shop's code
        ("羊绒 围巾", [scarf.pk]),
        ("羊绒 T恤", []),
    ]:
        found = merchant.get(PRODUCTS, {"q": q}).context["cl"].result_list
        assert [p.pk for p in found] == expected, q
    few = len(queries(merchant, PRODUCTS, {"q": "羊绒"}))
    for i in range(5):
        make_product(shop=shop_a, title=f"羊绒披肩{i}")
    assert len(queries(merchant, PRODUCTS, {"q": "羊绒"})) == few
