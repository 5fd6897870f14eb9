"""The pricing port's extras for a rule that holds units of its own (a flash sale): a discount's
``supplies`` are checked and reserved against the rule's pool instead of the SKU's stock (the
rule's ``supply`` runs before the stock and may refuse), a released order's units may go back to
the pool (``stock_return_register``), and ``pay_within_minutes`` shortens the pay deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils.translation import gettext

from catalog.models import SKU
from core.errors import ApplicationError
from orders import pricing, services
from orders.models import Order, OrderStatus
from orders.pricing import Discount, PricingContext
from tests.factories import AddressFactory, ShopperFactory, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_registry():
    saved, returns = list(pricing.pricing_rules), list(pricing.stock_return_fns)
    pricing.pricing_rules.clear()
    pricing.stock_return_fns.clear()
    yield
    pricing.pricing_rules[:] = saved
    pricing.stock_return_fns[:] = returns


class Pool:
    """Units of one SKU kept apart from its stock, sold 10 fen cheaper (in memory, for the test)."""

    code = "pool"

    def __init__(self, sku_id: int, units: int) -> None:
        self.sku_id, self.units, self.supplied = sku_id, units, []

    def apply(self, context: PricingContext) -> list[Discount]:
        return [
            Discount(
                code=self.code,
                label=gettext("特价"),
                amount_fen=10 * line.quantity,
                allocation={line.sku_id: 10 * line.quantity},
                supplies={line.sku_id: line.quantity},
                pay_within_minutes=5,
                data={"quantity": line.quantity},
            )
            for line in context.lines
            if line.sku_id == self.sku_id
        ]

    def supply(self, *, context: PricingContext, discount: Discount, order: Order) -> None:
        quantity = discount.data["quantity"]
        if self.units < quantity:
            raise ApplicationError("pool_empty", gettext("已抢光。"), http_status=409)
        self.units -= quantity
        self.supplied.append(order.pk)

    def give_back(self, *, order: Order) -> dict[int, int]:
        if order.status != OrderStatus.CANCELLED:
            return {}
        units = sum(line.quantity for line in order.lines.all() if line.sku_id == self.sku_id)
        self.units += units
        return {self.sku_id: units}


def test_supplied_units_leave_the_sku_stock_alone_and_come_back_to_the_pool(shop_a):
    sku = make_product(shop=shop_a, price_fen=1000, stock=0).skus.get()  # every unit is in the pool
    pool = Pool(sku.pk, units=3)
    pricing.register_pricing_rule(pool)
    pricing.stock_return_register(pool.give_back)
    user = ShopperFactory(username="p1")
    address = AddressFactory(user=user)
    preview = services.checkout_preview(shop=shop_a, user=user, items=[(sku.pk, 2)])
    assert preview.problems == [] and preview.discount_fen == 20  # no "sold out": the pool has them
    order = services.order_place(shop=shop_a, user=user, items=[(sku.pk, 2)], address_id=address.pk)
    assert pool.units == 1 and SKU.objects.get(pk=sku.pk).stock == 0
    assert order.pay_deadline - order.created_at <= timedelta(minutes=5, seconds=5)
    with pytest.raises(ApplicationError) as exc:
        services.order_place(shop=shop_a, user=user, items=[(sku.pk, 2)], address_id=address.pk)
    assert exc.value.code == "pool_empty" and SKU.objects.get(pk=sku.pk).stock == 0
    services.order_cancel(order=order, actor=user, actor_kind="shopper")
    assert pool.units == 3 and SKU.objects.get(pk=sku.pk).stock == 0  # back to the pool, not the SKU


def test_without_a_return_function_released_units_go_to_the_sku(shop_a):
    sku = make_product(shop=shop_a, price_fen=1000, stock=0).skus.get()
    pool = Pool(sku.pk, units=3)
    pricing.register_pricing_rule(pool)
    user = ShopperFactory(username="p2")
    order = services.order_place(
        shop=shop_a, user=user, items=[(sku.pk, 1)], address_id=AddressFactory(user=user).pk
    )
    services.order_cancel(order=order, actor=user, actor_kind="shopper")
    assert SKU.objects.get(pk=sku.pk).stock == 1
