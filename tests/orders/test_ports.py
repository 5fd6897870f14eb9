"""The orders ports that payments implements (orders/ports.py): the refund gateway and the
checkout guards. Orders reaches payments only through them."""

from __future__ import annotations

import pytest
from django.db import transaction

from catalog.models import SKU
from core.errors import ApplicationError
from orders import ports, services
from orders.models import AfterSale
from payments.ports import PaymentsRefundGateway, payment_checkout_guard
from tests.factories import AddressFactory, ShopperFactory, make_product


@pytest.fixture
def paid_order(shop_a):
    shopper = ShopperFactory(username="buyer")
    sku = make_product(shop=shop_a, price_fen=5000, stock=5).skus.get()
    order = services.order_place(
        shop=shop_a, user=shopper, items=[(sku.pk, 2)], address_id=AddressFactory(user=shopper).pk
    )
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    order.refresh_from_db()
    return order


@pytest.fixture
def recording_gateway():
    calls: list[tuple[str, str, bool]] = []

    class Recording:
        def refund_reserve(self, *, order, after_sale):
            calls.append(("reserve", after_sale.after_sale_no, transaction.get_connection().in_atomic_block))
            return f"refund-of-{after_sale.after_sale_no}"

        def refund_send(self, *, refund):
            calls.append(("send", refund, transaction.get_connection().in_atomic_block))

    before = ports.refund_gateway()
    ports.refund_gateway_register(Recording())
    yield calls
    ports.refund_gateway_register(before)


def test_payments_registers_its_gateway_and_guard():
    assert isinstance(ports.refund_gateway(), PaymentsRefundGateway)
    assert payment_checkout_guard in ports.checkout_guards


@pytest.mark.django_db(transaction=True)
def test_approving_an_after_sale_reserves_in_the_transaction_and_sends_after_it(
    paid_order, recording_gateway
):
    after_sale = services.after_sale_request(
        order=paid_order,
        user=paid_order.user,
        kind=AfterSale.Kind.REFUND_ONLY,
        reason="少发一件",
        amount_fen=1000,
    )
    services.after_sale_approve(shop=paid_order.shop, after_sale_no=after_sale.after_sale_no, actor=None)
    no = after_sale.after_sale_no
    assert recording_gateway == [("reserve", no, True), ("send", f"refund-of-{no}", False)]
    after_sale.refresh_from_db()
    assert after_sale.status == AfterSale.Status.REFUNDING  # until the gateway reports the result


def test_a_checkout_guard_refuses_before_any_stock_is_reserved(shop_a):
    def closed(shop):
        raise ApplicationError("shop_closed", "本店休息中。", http_status=409)

    address = AddressFactory()
    sku = make_product(shop=shop_a, stock=3).skus.get()
    ports.checkout_guard_register(closed)
    try:
        with pytest.raises(ApplicationError) as refused:
            services.order_place(shop=shop_a, user=address.user, items=[(sku.pk, 1)], address_id=address.pk)
    finally:
        ports.checkout_guards.remove(closed)
    assert refused.value.code == "shop_closed"
    assert SKU.objects.get(pk=sku.pk).stock == 3
