"""Refunds line by line (issue 11: "refunds split the discount proportionally across lines"): an
after-sale says what it gives back of each order line (AfterSaleLine), never more than what was
paid for a line (``total_fen - discount_fen``, pro rata by quantity) and never the same unit or fen
twice; an amount asked without lines is split over the lines when the refund is reserved."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.errors import ApplicationError
from orders import services
from orders.after_sale_state import after_sale_transition
from orders.locks import order_and_after_sale_lock
from orders.models import AfterSale, AfterSaleLine, Order, OrderEvent, OrderLine, OrderStatus
from orders.refund_split import LineRoom, rooms_after, split_amount, split_chosen
from payments.models import Refund
from tests.factories import AddressFactory, make_coupon, make_product

pytestmark = pytest.mark.django_db
API = "/api/v1/shops/shop-a"


# ---------------------------------------------------------------- the arithmetic (no database)


def test_unit_by_unit_gives_back_exactly_the_paid_share():
    room = LineRoom(line_id=1, quantity=3, paid_fen=10000, discount_fen=2000)
    rooms = {1: room}
    amounts, discounts = [], []
    for _ in range(3):
        most = rooms[1].most_for(1)
        split = split_chosen(rooms, {1: 1}, amount_fen=most)
        amounts.append(split.lines[0].amount_fen)
        discounts.append(split.lines[0].discount_fen)
        rooms = rooms_after(rooms, split)
    assert amounts == [3333, 3333, 3334] and sum(amounts) == 10000
    assert sum(discounts) == 2000 and all(d >= 0 for d in discounts)
    assert rooms[1].quantity_left == 0 and rooms[1].money_left == 0 and rooms[1].most_for(1) == 0


def test_random_splits_add_up_and_never_exceed_a_line():
    rng = random.Random(11)
    for _ in range(400):
        rooms = {
            i: LineRoom(line_id=i, quantity=(q := rng.randint(1, 5)), paid_fen=(p := rng.randint(0, 9999)),
                        discount_fen=rng.randint(0, 3000) if p else rng.randint(1, 3000) * q)
            for i in range(1, rng.randint(2, 5))
        }  # fmt: skip
        shipping = rng.choice([0, 800])
        paid = {i: r.paid_fen for i, r in rooms.items()}
        shipping_left = shipping
        for _step in range(4):
            if rng.random() < 0.5:
                left = sum(r.money_left for r in rooms.values()) + shipping_left
                if left == 0:
                    break
                split = split_amount(
                    rooms.values(), amount_fen=(amount := rng.randint(1, left)), shipping_fen=shipping_left
                )
            else:
                open_lines = [r for r in rooms.values() if r.quantity_left]
                if not open_lines:
                    break
                chosen = {r.line_id: rng.randint(1, r.quantity_left) for r in rng.sample(open_lines, 1)}
                most = sum(rooms[i].most_for(q) for i, q in chosen.items())
                amount = rng.randint(0, most)
                split = split_chosen(rooms, chosen, amount_fen=amount)
            assert split.amount_fen == amount
            for share in split.lines:
                assert share.amount_fen <= rooms[share.line_id].money_left
                assert share.quantity <= rooms[share.line_id].quantity_left
            shipping_left -= split.shipping_fen
            assert shipping_left >= 0
            rooms = rooms_after(rooms, split)
            for i, room in rooms.items():
                assert 0 <= room.refunded_fen <= paid[i]
                assert 0 <= room.refunded_quantity <= room.quantity
                assert 0 <= room.refunded_discount_fen <= room.discount_fen
        everything = split_amount(
            rooms.values(), amount_fen=sum(r.money_left for r in rooms.values()), shipping_fen=0
        )
        done = rooms_after(rooms, everything)
        assert all(r.refunded_fen == r.paid_fen and r.refunded_quantity == r.quantity for r in done.values())
        assert all(r.refunded_discount_fen == r.discount_fen for r in done.values())


# ---------------------------------------------------------------- orders


def coupon_order(shop, user, *, ship: bool = False) -> Order:
    """3 × ¥40 and 1 × ¥33.33 with the shop's ¥20 coupon (满 100 减 20) and ¥8 shipping:
    the coupon's ¥20 is shared 1565 / 435 (largest remainder), so the lines were paid 10435 and 2898."""
    from promotions import services as coupon_services

    shop.shipping_fee_fen = 800
    shop.save(update_fields=["shipping_fee_fen"])
    a = make_product(shop=shop, title="T恤", price_fen=4000, stock=10).skus.get()
    b = make_product(shop=shop, title="袜子", price_fen=3333, stock=10).skus.get()
    coupon_services.coupon_claim(shop=shop, user=user, coupon=make_coupon(shop=shop))
    address = AddressFactory(user=user)
    order = services.order_place(shop=shop, user=user, items=[(a.pk, 3), (b.pk, 1)], address_id=address.pk)
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    if ship:
        services.order_ship(
            shop=shop, order_no=order.order_no, carrier="sf", tracking_no="SF100200300", actor=None
        )
    order = Order.objects.get(pk=order.pk)
    assert (order.goods_fen, order.discount_fen, order.shipping_fen, order.paid_fen) == (
        15333,
        2000,
        800,
        14133,
    )
    assert [(line.total_fen, line.discount_fen) for line in order.lines.all()] == [(12000, 1565), (3333, 435)]
    return order


def lines_of(order):
    return list(OrderLine.objects.filter(order=order).order_by("pk"))


def ask(order, *, lines=None, amount_fen=None, kind=AfterSale.Kind.REFUND_ONLY):
    return services.after_sale_request(
        order=order, user=order.user, kind=kind, reason="不想要了", amount_fen=amount_fen, lines=lines
    )


def approve(after_sale):
    """Approve; a return (退货退款) is seen through to its refund: the goods sent back, then received."""
    result = services.after_sale_approve(
        shop=after_sale.shop, after_sale_no=after_sale.after_sale_no, actor=None
    )
    if result.is_return:
        order = Order.objects.get(pk=result.order_id)
        services.after_sale_return_ship(order=order, user=order.user, after_sale_no=result.after_sale_no,
                                        carrier="sf", tracking_no="SF1000000001")  # fmt: skip
        result = services.after_sale_return_receive(
            shop=after_sale.shop, after_sale_no=after_sale.after_sale_no, actor=None
        )
    return result


def rows(after_sale):
    return [
        (r.order_line_id, r.quantity, r.amount_fen, r.discount_fen)
        for r in after_sale.lines.order_by("order_line_id")
    ]


def test_a_coupon_order_refunded_line_by_line_gives_back_exactly_what_was_paid(shop_a, shopper):
    order = coupon_order(shop_a, shopper, ship=True)
    tee, socks = lines_of(order)
    first = ask(order, lines=[(socks.pk, 1)])
    assert first.amount_fen == 2898 and first.shipping_fen == 0  # shipped: the postage stays
    assert rows(first) == [(socks.pk, 1, 2898, 435)]
    approve(first)
    second = ask(order, lines=[(tee.pk, 3)])
    assert second.amount_fen == 10435 and rows(second) == [(tee.pk, 3, 10435, 1565)]
    approve(second)
    order.refresh_from_db()
    assert order.refunded_fen == 13333 == order.paid_fen - order.shipping_fen
    assert order.status == OrderStatus.SHIPPED  # the shipping fee was not refunded: still open
    given = AfterSaleLine.objects.filter(after_sale__order=order)
    assert sum(r.amount_fen for r in given) + sum(r.discount_fen for r in given) == order.goods_fen
    with pytest.raises(ApplicationError) as err:
        ask(order, lines=[(tee.pk, 1)])
    assert err.value.code == "after_sale_line_invalid"


def test_the_whole_rest_of_an_unshipped_order_takes_the_shipping_back_and_closes_it(shop_a, shopper):
    order = coupon_order(shop_a, shopper)
    tee, socks = lines_of(order)
    approve(ask(order, lines=[(tee.pk, 1)]))
    rest = ask(order, lines=[(tee.pk, 2), (socks.pk, 1)])
    assert rest.shipping_fen == 800 and rest.amount_fen == 14133 - 3478
    assert rows(rest) == [(tee.pk, 2, 10435 - 3478, 1565 - 521), (socks.pk, 1, 2898, 435)]
    approve(rest)
    order.refresh_from_db()
    assert order.refunded_fen == order.paid_fen and order.status == OrderStatus.CLOSED


def test_partial_quantity_and_repeats_can_never_exceed(shop_a, shopper):
    order = coupon_order(shop_a, shopper, ship=True)
    tee, _socks = lines_of(order)
    one = ask(order, lines=[(tee.pk, 1)])
    assert rows(one) == [(tee.pk, 1, 3478, 521)]  # 10435 × 1/3, floored; 1565 × 3478/10435
    approve(one)
    for lines, amount in (([(tee.pk, 3)], None), ([(tee.pk, 0)], None), ([(tee.pk, 1), (tee.pk, 1)], None),
                          ([(999999, 1)], None)):  # fmt: skip
        with pytest.raises(ApplicationError) as err:
            ask(order, lines=lines, amount_fen=amount)
        assert err.value.code == "after_sale_line_invalid", lines
    with pytest.raises(ApplicationError) as err:  # more than those units are worth
        ask(order, lines=[(tee.pk, 1)], amount_fen=3479)
    assert err.value.code == "refund_amount_invalid" and "34.78" in err.value.message
    less = ask(order, lines=[(tee.pk, 1)], amount_fen=1000)  # less than the most: the shopper's choice
    approve(less)
    last = ask(order, lines=[(tee.pk, 1)])
    assert last.amount_fen == 10435 - 3478 - 1000  # the last unit takes everything left of the line
    approve(last)
    assert AfterSale.objects.filter(order=order).count() == 3
    taken = AfterSaleLine.objects.filter(order_line=tee)
    assert sum(r.quantity for r in taken) == 3 and sum(r.amount_fen for r in taken) == 10435
    assert sum(r.discount_fen for r in taken) == 1565


def test_an_amount_without_lines_is_split_proportionally_when_approved(shop_a, shopper):
    order = coupon_order(shop_a, shopper)
    tee, socks = lines_of(order)
    asked = ask(order, amount_fen=5000)
    assert rows(asked) == [] and asked.shipping_fen == 0  # split when the refund is reserved
    approve(asked)
    # 5000 over 10435 : 2898, largest remainder: 3913.22 → 3913, 1086.78 → 1087; money only
    assert rows(asked) == [(tee.pk, 0, 3913, 586), (socks.pk, 0, 1087, 163)]
    rest = ask(order, amount_fen=order.paid_fen - 5000)
    approve(rest)
    rest.refresh_from_db()
    # the rest of the goods, then the shipping; the last of each line's money brings its units
    assert rows(rest) == [(tee.pk, 3, 6522, 979), (socks.pk, 1, 1811, 272)] and rest.shipping_fen == 800
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED


def test_a_refund_reserved_by_another_path_gets_its_lines_too(shop_a, shopper):
    """An after-sale made without the shopper's request (e.g. a failed group-buy's automatic
    refund) and moved to refunding directly still gets its lines, inside the order's lock."""
    from django.db import transaction

    order = coupon_order(shop_a, shopper)
    after_sale = AfterSale.objects.create(shop=shop_a, order=order, kind=AfterSale.Kind.REFUND_ONLY, reason="拼团失败",
                                          amount_fen=order.paid_fen)  # fmt: skip
    with transaction.atomic():
        locked_order, locked = order_and_after_sale_lock(order_id=order.pk, pk=after_sale.pk)
        after_sale_transition(after_sale=locked, order=locked_order, to=AfterSale.Status.REFUNDING,
                              actor_kind=OrderEvent.Actor.SYSTEM)  # fmt: skip
    tee, socks = lines_of(order)
    after_sale.refresh_from_db()
    assert rows(after_sale) == [(tee.pk, 3, 10435, 1565), (socks.pk, 1, 2898, 435)]
    assert after_sale.shipping_fen == 800


def test_lines_of_a_failed_refund_do_not_count(shop_a, shopper):
    order = coupon_order(shop_a, shopper, ship=True)
    tee, _socks = lines_of(order)
    first = ask(order, lines=[(tee.pk, 3)])
    approve(first)
    # the refund failed after all (as a provider's late notification may say): the units are back
    AfterSale.objects.filter(pk=first.pk).update(status=AfterSale.Status.FAILED)
    Order.objects.filter(pk=order.pk).update(refunded_fen=0)
    again = ask(order, lines=[(tee.pk, 3)])
    assert again.amount_fen == 10435


def test_approval_refuses_chosen_lines_another_refund_took_meanwhile(shop_a, shopper):
    order = coupon_order(shop_a, shopper, ship=True)
    tee, _socks = lines_of(order)
    asked = ask(order, lines=[(tee.pk, 1)])
    # another path refunds the whole T恤 line meanwhile
    other = AfterSale.objects.create(
        shop=shop_a, order=order, kind="refund_only", reason="x", amount_fen=10435
    )
    AfterSaleLine.objects.create(shop=shop_a, after_sale=other, order_line=tee, quantity=3, amount_fen=10435,
                                 discount_fen=1565)  # fmt: skip
    approve(other)
    with pytest.raises(ApplicationError) as err:
        approve(asked)
    assert err.value.code == "after_sale_line_invalid" and err.value.http_status == 409
    asked.refresh_from_db()
    assert asked.status == AfterSale.Status.REQUESTED
    assert not Refund.objects.filter(after_sale=asked).exists()


def test_an_order_with_flash_and_coupon_discount_lines(shop_a, shopper):
    """A flash-priced line (its own ¥40 off) and a normal line, then a 9 折 coupon over both:
    each line's refund is its price minus its share of both discounts."""
    from promotions import services as coupon_services
    from promotions.flash import services as flash_services
    from tests.promotions.flash.helpers import make_session

    flash = make_product(shop=shop_a, title="秒杀T恤", price_fen=10000, stock=20).skus.get()
    plain = make_product(shop=shop_a, title="帽子", price_fen=2999, stock=20).skus.get()
    make_session(shop=shop_a, sku=flash, flash_price_fen=6000)
    flash_services.flash_sessions_sync()
    coupon = make_coupon(
        shop=shop_a, name="九折", kind="percent", rate_percent=90, threshold_fen=0, stacks_with_flash=True
    )
    coupon_services.coupon_claim(shop=shop_a, user=shopper, coupon=coupon)
    order = services.order_place(shop=shop_a, user=shopper, items=[(flash.pk, 1), (plain.pk, 2)],
                                 address_id=AddressFactory(user=shopper).pk)  # fmt: skip
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    order = Order.objects.get(pk=order.pk)
    assert [d.code for d in order.discounts.all()] == ["flash", "coupon"]
    flash_line, plain_line = lines_of(order)
    # flash 4000 on its line; the coupon's 10% of what is left (6000 + 5998) = 1199.8 → 1199 (cut to integer)
    coupon_fen = order.discount_fen - 4000
    assert flash_line.discount_fen + plain_line.discount_fen == order.discount_fen
    assert flash_line.discount_fen > 4000 and plain_line.discount_fen == coupon_fen - (
        flash_line.discount_fen - 4000
    )
    first = ask(order, lines=[(plain_line.pk, 1)])
    assert first.amount_fen == (5998 - plain_line.discount_fen) // 2
    approve(first)
    second = ask(order, lines=[(flash_line.pk, 1), (plain_line.pk, 1)])
    assert second.amount_fen == order.paid_fen - first.amount_fen  # everything left, shipping too (unshipped)
    approve(second)
    given = AfterSaleLine.objects.filter(after_sale__order=order)
    for line in (flash_line, plain_line):
        mine = [r for r in given if r.order_line_id == line.pk]
        assert sum(r.amount_fen for r in mine) == line.total_fen - line.discount_fen
        assert sum(r.discount_fen for r in mine) == line.discount_fen
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED


# ---------------------------------------------------------------- API, pages and admin


@pytest.fixture
def api(shopper):
    client = APIClient()
    client.force_authenticate(shopper)
    return client


def test_api_takes_lines_and_returns_them(shop_a, shopper, api):
    order = coupon_order(shop_a, shopper, ship=True)
    detail = api.get(f"{API}/orders/{order.order_no}/").json()
    tee = detail["lines"][0]
    assert (tee["discount_fen"], tee["paid_fen"], tee["refundable_quantity"], tee["refundable_fen"]) == (
        1565,
        10435,
        3,
        10435,
    )
    body = {"kind": "return_refund", "reason": "尺码不合适", "lines": [{"line_id": tee["id"], "quantity": 2}]}
    response = api.post(f"{API}/orders/{order.order_no}/after-sales/", body, format="json")
    assert response.status_code == 201, response.content
    after_sale = response.json()["after_sales"][0]
    assert after_sale["amount_fen"] == 6956 and after_sale["shipping_fen"] == 0
    assert after_sale["lines"] == [{"line_id": tee["id"], "title": "T恤", "spec_text": "", "quantity": 2,
                                    "amount_fen": 6956, "discount_fen": 1043}]  # fmt: skip
    approve(AfterSale.objects.get(after_sale_no=after_sale["after_sale_no"]))
    tee = api.get(f"{API}/orders/{order.order_no}/").json()["lines"][0]
    assert (
        tee["refunded_quantity"],
        tee["refunded_fen"],
        tee["refundable_quantity"],
        tee["refundable_fen"],
    ) == (2, 6956, 1, 3479)


def test_api_refuses_a_line_of_another_order_with_a_stable_code(shop_a, shopper, api):
    order = coupon_order(shop_a, shopper)
    foreign = make_product(shop=shop_a, title="外单", price_fen=1000, stock=5).skus.get()
    someone = AddressFactory()
    theirs = services.order_place(
        shop=shop_a, user=someone.user, items=[(foreign.pk, 1)], address_id=someone.pk
    )
    their_line = theirs.lines.get()
    for lines in (
        [{"line_id": their_line.pk, "quantity": 1}],
        [{"line_id": lines_of(order)[0].pk, "quantity": 4}],
    ):
        body = {"kind": "refund_only", "reason": "x", "lines": lines}
        response = api.post(f"{API}/orders/{order.order_no}/after-sales/", body, format="json")
        assert response.status_code == 400 and response.json()["code"] == "after_sale_line_invalid", (
            response.content
        )
        assert "lines" in response.json()["fields"]
    response = api.post(
        f"{API}/orders/{order.order_no}/after-sales/", {"kind": "refund_only", "reason": "x"}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "refund_amount_invalid"
    assert not AfterSale.objects.exists()


def test_the_schema_names_the_codes_and_the_lines(db):
    from django.test import Client

    schema = Client().get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/shops/{shop_slug}/orders/{order_no}/after-sales/"]["post"]
    assert "after_sale_line_invalid" in operation["responses"]["400"]["description"]
    assert "refund_amount_invalid" in operation["responses"]["400"]["description"]
    components = schema["components"]["schemas"]
    assert set(components["AfterSaleLineInRequest"]["properties"]) == {"line_id", "quantity"}
    assert {"lines", "shipping_fen"} <= set(components["AfterSale"]["properties"])


def test_order_detail_queries_stay_constant(shop_a, shopper, api, client):
    order = coupon_order(shop_a, shopper, ship=True)
    tee, socks = lines_of(order)
    url = f"{API}/orders/{order.order_no}/"
    page = f"/s/{shop_a.slug}/orders/{order.order_no}/"
    client.force_login(shopper)

    def count(fetch):
        with CaptureQueriesContext(connection) as queries:
            assert fetch().status_code == 200
        return len(queries)

    approve(ask(order, lines=[(tee.pk, 1)]))
    count(lambda: api.get(url)), count(lambda: client.get(page))  # warm: the shop lookup is cached
    before = (count(lambda: api.get(url)), count(lambda: client.get(page)))
    approve(ask(order, lines=[(tee.pk, 1), (socks.pk, 1)]))
    approve(ask(order, amount_fen=100))
    ask(order, lines=[(tee.pk, 1)], amount_fen=100)
    after = (count(lambda: api.get(url)), count(lambda: client.get(page)))
    assert after == before


def test_h5_form_chooses_lines_and_quantities(shop_a, shopper, client):
    order = coupon_order(shop_a, shopper, ship=True)
    tee, socks = lines_of(order)
    client.force_login(shopper)
    url = f"/s/{shop_a.slug}/orders/{order.order_no}/after-sale/"
    page = client.get(url).content.decode()
    assert f'name="line_{tee.pk}"' in page and f'name="qty_{tee.pk}"' in page
    assert "¥104.35" in page and "¥28.98" in page  # what each line may give back at most
    # a quantity that is not ASCII digits, or more than is left: said on the form, nothing made
    for qty in ("５", "4"):
        response = client.post(
            url, {"kind": "refund_only", "reason": "x", f"line_{tee.pk}": "on", f"qty_{tee.pk}": qty}
        )
        assert response.status_code == 200 and not AfterSale.objects.exists()
        assert 'class="err"' in response.content.decode()
    response = client.post(url, {"kind": "return_refund", "reason": "尺码偏小", f"line_{tee.pk}": "on",
                                 f"qty_{tee.pk}": "1", f"qty_{socks.pk}": "1", "amount_fen": ""})  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    after_sale = AfterSale.objects.get(order=order)
    assert after_sale.amount_fen == 3478 and rows(after_sale) == [(tee.pk, 1, 3478, 521)]
    detail = client.get(f"/s/{shop_a.slug}/orders/{order.order_no}/").content.decode()
    assert "T恤 × 1" in detail and "¥34.78" in detail


def test_h5_form_without_lines_keeps_working(shop_a, shopper, client):
    order = coupon_order(shop_a, shopper)
    client.force_login(shopper)
    url = f"/s/{shop_a.slug}/orders/{order.order_no}/after-sale/"
    response = client.post(url, {"kind": "refund_only", "reason": "少发了"})  # neither lines nor amount
    assert response.status_code == 200 and "请填写退款金额，或选择要退的商品。" in response.content.decode()
    response = client.post(url, {"kind": "refund_only", "reason": "少发了", "amount_fen": "10.00"})
    assert response.status_code == 302
    after_sale = AfterSale.objects.get(order=order)
    assert after_sale.amount_fen == 1000 and rows(after_sale) == []


def test_admin_after_sale_page_shows_the_lines(shop_a, shopper, client, merchant_a):
    order = coupon_order(shop_a, shopper)
    tee, _socks = lines_of(order)
    asked = ask(order, amount_fen=5000)
    client.force_login(merchant_a)
    page = client.get(f"/admin/orders/aftersale/{asked.pk}/change/").content.decode()
    assert "同意后按各商品实付比例分摊" in page and "¥39.13" in page  # the split approving would make
    approve(asked)
    page = client.get(f"/admin/orders/aftersale/{asked.pk}/change/").content.decode()
    assert "售后商品" in page and "¥39.13" in page and "¥5.86" in page
    # the line gave back ¥39.13 already (money only): 2 of its 3 units are now worth 6956 − 3913
    chosen = ask(order, lines=[(tee.pk, 2)])
    assert chosen.amount_fen == 3043
    page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "T恤 × 2 退 ¥30.43" in page


def test_the_migration_gives_earlier_refunds_their_lines(shop_a, shopper):
    """Refunds made before after-sales had lines get them by today's amount rule, in order."""
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("orders.migrations.0009_after_sale_lines_backfill").backfill
    order = coupon_order(shop_a, shopper)
    tee, socks = lines_of(order)
    first = ask(order, amount_fen=5000)
    approve(first)
    rest = ask(order, amount_fen=order.paid_fen - 5000)
    approve(rest)
    expected = (rows(first), rows(rest), AfterSale.objects.get(pk=rest.pk).shipping_fen)
    AfterSaleLine.objects.all().delete()
    AfterSale.objects.update(shipping_fen=0)
    backfill(apps, None)
    assert (rows(first), rows(rest), AfterSale.objects.get(pk=rest.pk).shipping_fen) == expected
    assert expected[0] == [(tee.pk, 0, 3913, 586), (socks.pk, 0, 1087, 163)]
