"""The pricing-rules port (orders/pricing.py): registered rules give discount lines that checkout
shows, the order stores and allocates to its lines, and that a rule may consume (or refuse) inside
the order's transaction and give back through the order events port. Ships with no rule: nothing
changes then."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext
from rest_framework.test import APIClient

from catalog.models import SKU
from core.attribution import Attribution
from core.errors import ApplicationError
from orders import events, pricing, services
from orders.models import Order, OrderDiscount, OrderStatus
from orders.pricing import Discount, PricingContext, allocate
from tests.factories import make_product

API = "/api/v1"


@pytest.fixture(autouse=True)
def _empty_registry():
    """The port's own tests run with no rule registered, as orders ships (promotions registers
    its coupon rule in ready(); it is tested in tests/promotions/)."""
    saved = list(pricing.pricing_rules)
    pricing.pricing_rules.clear()
    yield
    pricing.pricing_rules[:] = saved


class FullReduction:
    """满 100 减 10: the test rule (registered only in these tests)."""

    code = "full_reduction"

    def __init__(self) -> None:
        self.seen: list[PricingContext] = []
        self.consumed: list[tuple[str, int]] = []

    def apply(self, context: PricingContext) -> list[Discount]:
        self.seen.append(context)
        if context.goods_fen < 10000:
            return []
        return [Discount(code=self.code, label=gettext("满 100 减 10"), amount_fen=1000, ref="promo:1")]

    def consume(self, *, context: PricingContext, discount: Discount, order: Order) -> None:
        self.consumed.append((discount.ref, order.pk))


class Voucher:
    """A one-use voucher of a pool: the shopper chooses it by ``options["voucher"]``; placing uses
    it up (or refuses when it is gone), cancelling gives it back through the order events port."""

    code = "voucher"

    def __init__(self, amount_fen: int = 500) -> None:
        self.amount_fen = amount_fen
        self.left = {"V1": 1}

    def apply(self, context: PricingContext) -> list[Discount]:
        chosen = context.options.get("voucher")
        if chosen not in self.left:
            return []
        return [
            Discount(
                code=self.code, label=gettext("代金券"), amount_fen=self.amount_fen, ref=f"voucher:{chosen}"
            )
        ]

    def consume(self, *, context: PricingContext, discount: Discount, order: Order) -> None:
        name = discount.ref.split(":", 1)[1]
        if self.left.get(name, 0) < 1:
            raise ApplicationError("coupon_used", gettext("这张券已在其他订单使用。"), http_status=409)
        self.left[name] -= 1

    def give_back(self, event) -> None:
        if event.to_status != OrderStatus.CANCELLED:
            return
        for discount in event.order.discounts.filter(code=self.code):
            name = discount.ref.split(":", 1)[1]
            self.left[name] = self.left.get(name, 0) + 1


@pytest.fixture
def rule():
    registered = FullReduction()
    pricing.register_pricing_rule(registered)
    yield registered
    pricing.unregister_pricing_rule(registered)


@pytest.fixture
def voucher():
    registered = Voucher()
    pricing.register_pricing_rule(registered)
    events.register(registered.give_back, in_transaction=True)
    yield registered
    events.unregister(registered.give_back)
    pricing.unregister_pricing_rule(registered)


def place(shop, user, address, items, **kwargs) -> Order:
    return services.order_place(shop=shop, user=user, items=items, address_id=address.pk, **kwargs)


# ---------------------------------------------------------------- allocation


def test_allocation_adds_up_exactly_by_the_largest_remainder():
    assert allocate(1000, {1: 3333, 2: 3333, 3: 3334}) == {1: 333, 2: 333, 3: 334}
    assert allocate(1, {1: 100, 2: 100}) == {1: 1, 2: 0}  # a tie goes to the smaller key
    assert allocate(0, {1: 5}) == {1: 0}
    for amount in (1, 7, 999, 5900, 11799, 11800):
        shares = allocate(amount, {1: 5900, 2: 3900, 3: 2000})
        assert sum(shares.values()) == amount
        assert all(0 <= shares[k] <= w for k, w in {1: 5900, 2: 3900, 3: 2000}.items())


# ---------------------------------------------------------------- no rule: nothing changes


def test_with_no_rule_registered_nothing_changes(shop_a, shopper, address):
    assert pricing.pricing_rules == []
    sku = make_product(shop=shop_a, price_fen=20000, stock=5).skus.get()
    preview = services.checkout_preview(shop=shop_a, user=shopper, items=[(sku.pk, 1)], address=address)
    assert (preview.discount_fen, preview.discounts) == (0, ())
    order = place(shop_a, shopper, address, [(sku.pk, 1)])
    assert order.discount_fen == 0 and order.total_fen == 20000 + order.shipping_fen
    assert not OrderDiscount.objects.exists()
    assert order.lines.get().discount_fen == 0


# ---------------------------------------------------------------- a rule


def test_preview_shows_the_rule_s_line_and_the_total_follows(rule, shop_a, shopper, address):
    sku = make_product(shop=shop_a, price_fen=6000, stock=5).skus.get()
    below = services.checkout_preview(shop=shop_a, user=shopper, items=[(sku.pk, 1)], address=address)
    assert below.discount_fen == 0
    preview = services.checkout_preview(shop=shop_a, user=shopper, items=[(sku.pk, 2)], address=address)
    assert [(d.code, d.label, d.amount_fen) for d in preview.discounts] == [
        ("full_reduction", "满 100 减 10", 1000)
    ]
    assert preview.total_fen == 12000 + preview.shipping_fen - 1000
    context = rule.seen[-1]
    assert context.placing is False and context.goods_fen == 12000 and context.shop == shop_a
    assert [(line.sku_id, line.quantity, line.unit_price_fen) for line in context.lines] == [
        (sku.pk, 2, 6000)
    ]
    assert rule.consumed == []  # a preview consumes nothing


def test_placing_stores_the_lines_and_allocates_them_to_the_order_lines(rule, shop_a, shopper, address):
    a = make_product(shop=shop_a, title="甲", price_fen=3333, stock=5).skus.get()
    b = make_product(shop=shop_a, title="乙", price_fen=6667, stock=5).skus.get()
    c = make_product(shop=shop_a, title="丙", price_fen=1, stock=5).skus.get()
    order = place(shop_a, shopper, address, [(a.pk, 1), (b.pk, 1), (c.pk, 1)])
    assert rule.seen[-1].placing is True
    assert rule.consumed == [("promo:1", order.pk)]
    (discount,) = order.discounts.all()
    assert (discount.shop, discount.code, discount.label, discount.amount_fen, discount.ref) == (
        shop_a, "full_reduction", "满 100 减 10", 1000, "promo:1",
    )  # fmt: skip
    assert order.discount_fen == 1000 and order.total_fen == 10001 + order.shipping_fen - 1000
    shares = {line.sku_id: line.discount_fen for line in order.lines.all()}
    assert shares == {a.pk: 333, b.pk: 667, c.pk: 0}
    assert sum(shares.values()) == order.discount_fen
    assert discount.allocation == {str(a.pk): 333, str(b.pk): 667}


def test_a_discount_above_the_goods_total_is_cut_and_the_total_never_goes_negative(shop_a, shopper, address):
    greedy = Voucher(amount_fen=10**9)
    pricing.register_pricing_rule(greedy)
    try:
        sku = make_product(shop=shop_a, price_fen=500, stock=5).skus.get()
        order = place(shop_a, shopper, address, [(sku.pk, 2)], options={"voucher": "V1"})
    finally:
        pricing.unregister_pricing_rule(greedy)
    assert order.discount_fen == order.goods_fen == 1000
    assert order.total_fen == order.shipping_fen >= 0
    assert order.lines.get().discount_fen == 1000


def test_a_later_rule_sees_the_earlier_discounts(rule, shop_a, shopper, address):
    seen = []

    class Second:
        code = "second"

        def apply(self, context):
            seen.append((context.discount_fen, context.remaining_fen))
            return []

    second = Second()
    pricing.register_pricing_rule(second)
    try:
        sku = make_product(shop=shop_a, price_fen=20000, stock=5).skus.get()
        services.checkout_preview(shop=shop_a, user=shopper, items=[(sku.pk, 1)])
    finally:
        pricing.unregister_pricing_rule(second)
    assert seen == [(1000, 19000)]


def test_a_rule_s_own_allocation_is_kept(shop_a, shopper, address):
    class OnlyFirst:
        code = "only_first"

        def apply(self, context):
            first = context.lines[0]
            return [Discount(code=self.code, label="x", amount_fen=300, allocation={first.sku_id: 300})]

    only = OnlyFirst()
    pricing.register_pricing_rule(only)
    try:
        a = make_product(shop=shop_a, price_fen=1000, stock=5).skus.get()
        b = make_product(shop=shop_a, price_fen=1000, stock=5).skus.get()
        order = place(shop_a, shopper, address, [(a.pk, 1), (b.pk, 1)])
    finally:
        pricing.unregister_pricing_rule(only)
    assert {line.sku_id: line.discount_fen for line in order.lines.all()} == {a.pk: 300, b.pk: 0}


def test_options_and_attribution_reach_the_rules_as_plain_data(rule, shop_a, shopper, address):
    sku = make_product(shop=shop_a, price_fen=100, stock=5).skus.get()
    touch = Attribution(shop_id=shop_a.pk, channel_code="moments", referrer_code="u7")
    place(shop_a, shopper, address, [(sku.pk, 1)], options={"coupon_id": 12}, attribution=touch)
    context = rule.seen[-1]
    assert dict(context.options) == {"coupon_id": 12} and context.attribution == touch
    foreign = Attribution(shop_id=shop_a.pk + 1000, channel_code="moments")
    services.checkout_preview(shop=shop_a, user=shopper, items=[(sku.pk, 1)], attribution=foreign)
    assert not rule.seen[-1].attribution  # another shop's touch never reaches this shop's rules


# ---------------------------------------------------------------- consuming, refusing, giving back


def test_a_rule_refusing_when_it_consumes_rolls_the_order_and_its_stock_back(
    voucher, shop_a, shopper, address
):
    sku = make_product(shop=shop_a, price_fen=3000, stock=5).skus.get()
    first = place(shop_a, shopper, address, [(sku.pk, 1)], options={"voucher": "V1"})
    assert first.discount_fen == 500 and voucher.left == {"V1": 0}
    voucher.left["V1"] = 0
    # a second order that saw the voucher still there when it priced (a race): consume refuses
    voucher.apply = lambda context: [
        Discount(code="voucher", label="代金券", amount_fen=500, ref="voucher:V1")
    ]
    with pytest.raises(ApplicationError) as refused:
        place(shop_a, shopper, address, [(sku.pk, 2)], options={"voucher": "V1"})
    assert refused.value.code == "coupon_used"
    assert Order.objects.count() == 1 and OrderDiscount.objects.count() == 1
    assert SKU.objects.get(pk=sku.pk).stock == 4  # only the first order's unit is reserved


def test_cancelling_gives_back_through_the_order_events_port(voucher, shop_a, shopper, address):
    sku = make_product(shop=shop_a, price_fen=3000, stock=5).skus.get()
    order = place(shop_a, shopper, address, [(sku.pk, 1)], options={"voucher": "V1"})
    assert voucher.left == {"V1": 0}
    services.order_cancel(order=order, actor=shopper, actor_kind="shopper")
    assert voucher.left == {"V1": 1}


def test_an_idempotent_retry_returns_the_same_order_and_consumes_once(rule, shop_a, shopper, address):
    sku = make_product(shop=shop_a, price_fen=20000, stock=5).skus.get()
    first = place(shop_a, shopper, address, [(sku.pk, 1)], idempotency_key="k-1")
    again = place(shop_a, shopper, address, [(sku.pk, 1)], idempotency_key="k-1")
    assert again.pk == first.pk and OrderDiscount.objects.count() == 1
    assert len(rule.consumed) == 1
    with pytest.raises(ApplicationError) as conflict:  # other options are another request
        place(shop_a, shopper, address, [(sku.pk, 1)], idempotency_key="k-1", options={"coupon_id": 3})
    assert conflict.value.code == "idempotency_conflict"


def test_a_rule_giving_a_negative_amount_is_a_programming_error(shop_a, shopper):
    class Broken:
        code = "broken"

        def apply(self, context):
            return [Discount(code=self.code, label="x", amount_fen=-1)]

    broken = Broken()
    pricing.register_pricing_rule(broken)
    try:
        sku = make_product(shop=shop_a, price_fen=100, stock=5).skus.get()
        with pytest.raises(ValueError, match="integer fen"):
            services.checkout_preview(shop=shop_a, user=shopper, items=[(sku.pk, 1)])
    finally:
        pricing.unregister_pricing_rule(broken)


# ---------------------------------------------------------------- pages and API


@pytest.fixture
def api(shopper):
    client = APIClient()
    client.force_authenticate(shopper)
    return client


def test_api_preview_and_order_detail_show_the_lines(rule, api, shop_a, address):
    sku = make_product(shop=shop_a, price_fen=6000, stock=5).skus.get()
    payload = {"items": [{"sku_id": sku.pk, "quantity": 2}], "address_id": address.pk}
    preview = api.post(f"{API}/shops/shop-a/checkout/preview/", payload, format="json").json()
    assert preview["discounts"] == [
        {"code": "full_reduction", "label": "满 100 减 10", "amount_fen": 1000, "ref": "promo:1"}
    ]
    assert preview["discount_fen"] == 1000
    order = api.post(f"{API}/shops/shop-a/orders/", payload, format="json").json()
    assert order["discounts"] == preview["discounts"] and order["total_fen"] == preview["total_fen"]
    detail = api.get(f"{API}/shops/shop-a/orders/{order['order_no']}/").json()
    assert detail["discounts"] == preview["discounts"]


def test_api_shows_no_lines_without_rules(api, shop_a, address):
    sku = make_product(shop=shop_a, price_fen=6000, stock=5).skus.get()
    payload = {"items": [{"sku_id": sku.pk, "quantity": 2}], "address_id": address.pk}
    preview = api.post(f"{API}/shops/shop-a/checkout/preview/", payload, format="json").json()
    assert preview["discounts"] == [] and preview["discount_fen"] == 0


def test_h5_checkout_and_order_page_show_each_line(rule, client, shop_a, shopper, address):
    sku = make_product(shop=shop_a, price_fen=6000, stock=5).skus.get()
    client.force_login(shopper)
    page = client.get(f"/s/shop-a/checkout/?sku={sku.pk}&qty=2").content.decode()
    assert "满 100 减 10" in page and "-¥10" in page and "<dt>优惠</dt>" not in page
    plain = client.get(f"/s/shop-a/checkout/?sku={sku.pk}&qty=1").content.decode()
    assert "<dt>优惠</dt>" not in plain and "-¥0" not in plain and "满 100 减 10" not in plain
    order = place(shop_a, shopper, address, [(sku.pk, 2)])
    detail = client.get(f"/s/shop-a/orders/{order.order_no}/").content.decode()
    assert "满 100 减 10" in detail and "-¥10" in detail


def test_admin_shows_the_lines_read_only(rule, client, shop_a, merchant_a, shopper, address):
    sku = make_product(shop=shop_a, price_fen=6000, stock=5).skus.get()
    order = place(shop_a, shopper, address, [(sku.pk, 2)])
    client.force_login(merchant_a)
    page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "满 100 减 10" in page and "订单优惠" in page
    listing = client.get("/admin/orders/orderdiscount/").content.decode()
    assert order.order_no in listing


def test_preview_queries_stay_constant_in_the_number_of_lines(rule, shop_a, shopper, address):
    skus = [make_product(shop=shop_a, title=f"商品{i}", price_fen=5000, stock=5).skus.get() for i in range(6)]

    def count(n: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            preview = services.checkout_preview(
                shop=shop_a, user=shopper, items=[(sku.pk, 1) for sku in skus[:n]], address=address
            )
        assert preview.discount_fen == (1000 if n >= 2 else 0)
        return len(ctx.captured_queries)

    assert count(1) == count(2) == count(6)
