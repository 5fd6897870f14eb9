"""The pricing-rules port under a race, on PostgreSQL: a rule that consumes a one-use resource
inside the order's transaction lets exactly one of many concurrent orders have it; the others are
refused with the rule's code and reserve no stock."""

from __future__ import annotations

import pytest
from django.db.models import F
from django.utils.translation import gettext

from catalog.models import SKU
from core.errors import ApplicationError
from orders import pricing, services
from orders.models import Order, OrderDiscount
from orders.pricing import Discount, PricingContext
from tests.concurrency import run_at_once
from tests.factories import AddressFactory, ShopperFactory, make_product

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _empty_registry():
    """The port's own tests run with no rule registered, as orders ships (promotions registers
    its coupon rule in ready(); it is tested in tests/promotions/)."""
    saved = list(pricing.pricing_rules)
    pricing.pricing_rules.clear()
    yield
    pricing.pricing_rules[:] = saved


class OneUseVoucher:
    """Its pool is a row of the database (the stock of a stand-in SKU), used up by one
    conditional update, as a coupon's will be."""

    code = "voucher"

    def __init__(self, pool_sku_id: int) -> None:
        self.pool_sku_id = pool_sku_id

    def apply(self, context: PricingContext) -> list[Discount]:
        if context.options.get("voucher") != "V1":
            return []
        return [Discount(code=self.code, label=gettext("代金券"), amount_fen=300, ref="voucher:V1")]

    def consume(self, *, context: PricingContext, discount: Discount, order: Order) -> None:
        if not SKU.objects.filter(pk=self.pool_sku_id, stock__gte=1).update(stock=F("stock") - 1):
            raise ApplicationError("coupon_used", gettext("这张券已在其他订单使用。"), http_status=409)


def test_twenty_orders_racing_for_one_voucher_one_gets_it(shop_a):
    sku = make_product(shop=shop_a, title="商品", price_fen=5000, stock=100).skus.get()
    pool = make_product(shop=shop_a, title="券池", price_fen=1, stock=1).skus.get()
    rule = OneUseVoucher(pool.pk)
    pricing.register_pricing_rule(rule)
    try:
        buyers = [(ShopperFactory(username=f"v{i}"),) for i in range(20)]
        addresses = {user.pk: AddressFactory(user=user).pk for (user,) in buyers}

        def buy(user):
            return services.order_place(
                shop=shop_a, user=user, items=[(sku.pk, 1)], address_id=addresses[user.pk],
                options={"voucher": "V1"},
            )  # fmt: skip

        results = run_at_once(buy, buyers)
    finally:
        pricing.unregister_pricing_rule(rule)
    orders = [r for r in results if isinstance(r, Order)]
    refusals = [r for r in results if isinstance(r, ApplicationError)]
    assert len(orders) == 1 and len(refusals) == 19, results
    assert {r.code for r in refusals} == {"coupon_used"}
    assert OrderDiscount.objects.count() == 1 and Order.objects.get().discount_fen == 300
    assert SKU.objects.get(pk=sku.pk).stock == 99  # the refused orders reserved nothing
    assert SKU.objects.get(pk=pool.pk).stock == 0
