"""Per-SKU quantity caps hold however the lines are spelled: repeated SKUs are merged before the
cap is checked, an order (and a cart) has at most MAX_LINES lines, and only real integers count."""

import pytest

from catalog.models import SKU
from core.errors import ApplicationError
from orders import services
from orders.models import CartItem, Order
from tests.factories import make_product


@pytest.fixture
def sku(shop_a):
    return make_product(shop=shop_a, price_fen=100, stock=5000).skus.get()


def place(shop, shopper, address, items):
    return services.order_place(shop=shop, user=shopper, items=items, address_id=address.pk)


@pytest.mark.parametrize(
    "items",
    [
        lambda sku: [(sku.pk, 999), (sku.pk, 999)],
        lambda sku: [(sku.pk, 500), (sku.pk, 500)],
    ],
)
def test_repeating_a_sku_cannot_pass_the_per_sku_cap(shop_a, shopper, address, sku, items):
    with pytest.raises(ApplicationError) as exc:
        place(shop_a, shopper, address, items(sku))
    assert exc.value.code == "quantity_invalid"
    with pytest.raises(ApplicationError) as exc:
        services.checkout_preview(shop=shop_a, user=shopper, items=items(sku))
    assert exc.value.code == "quantity_invalid"
    assert not Order.objects.exists() and SKU.objects.get(pk=sku.pk).stock == 5000


def test_repeated_lines_within_the_cap_are_merged_into_one(shop_a, shopper, address, sku):
    order = place(shop_a, shopper, address, [(sku.pk, 2), (sku.pk, 3)])
    assert [(line.sku_id, line.quantity) for line in order.lines.all()] == [(sku.pk, 5)]


def test_an_order_has_at_most_max_lines_lines(shop_a, shopper, address, sku):
    with pytest.raises(ApplicationError) as exc:
        place(shop_a, shopper, address, [(sku.pk, 1)] * 2000)
    assert exc.value.code == "too_many_lines"
    skus = [
        make_product(shop=shop_a, title=f"P{n}", stock=5).skus.get() for n in range(services.MAX_LINES + 1)
    ]
    with pytest.raises(ApplicationError) as exc:
        place(shop_a, shopper, address, [(s.pk, 1) for s in skus])
    assert exc.value.code == "too_many_lines"
    assert not Order.objects.exists()
    order = place(shop_a, shopper, address, [(s.pk, 1) for s in skus[: services.MAX_LINES]])
    assert order.lines.count() == services.MAX_LINES


@pytest.mark.parametrize("quantity", [True, 1.0, "2", "５", 0, -1, 1000, None])
def test_only_integers_are_quantities(shop_a, shopper, address, sku, quantity):
    with pytest.raises(ApplicationError) as exc:
        place(shop_a, shopper, address, [(sku.pk, quantity)])
    assert exc.value.code == "quantity_invalid"
    cart = services.cart_get(shop=shop_a, user=shopper, create=True)
    with pytest.raises(ApplicationError) as exc:
        services.cart_add(cart=cart, sku_id=sku.pk, quantity=quantity)
    assert exc.value.code == "quantity_invalid"
    assert not CartItem.objects.exists()


@pytest.mark.parametrize("sku_id", ["５", "1", 1.0, True, None])
def test_only_integers_are_sku_ids(shop_a, shopper, address, sku, sku_id):
    with pytest.raises(ApplicationError) as exc:
        place(shop_a, shopper, address, [(sku_id, 1)])
    assert exc.value.code == "sku_not_found"


def test_adding_to_a_cart_line_respects_the_cap(shop_a, shopper, sku):
    cart = services.cart_get(shop=shop_a, user=shopper, create=True)
    services.cart_add(cart=cart, sku_id=sku.pk, quantity=999)
    with pytest.raises(ApplicationError) as exc:
        services.cart_add(cart=cart, sku_id=sku.pk, quantity=1)
    assert exc.value.code == "quantity_invalid"
    assert CartItem.objects.get().quantity == 999


def test_a_cart_has_at_most_max_lines_lines(shop_a, shopper):
    cart = services.cart_get(shop=shop_a, user=shopper, create=True)
    skus = [
        make_product(shop=shop_a, title=f"P{n}", stock=5).skus.get() for n in range(services.MAX_LINES + 1)
    ]
    for sku in skus[: services.MAX_LINES]:
        services.cart_add(cart=cart, sku_id=sku.pk, quantity=1)
    with pytest.raises(ApplicationError) as exc:
        services.cart_add(cart=cart, sku_id=skus[-1].pk, quantity=1)
    assert exc.value.code == "too_many_lines"
    services.cart_add(cart=cart, sku_id=skus[0].pk, quantity=1)  # an existing line still grows
    assert cart.items.count() == services.MAX_LINES


def test_merging_an_anonymous_cart_at_login_keeps_the_caps(shop_a, shopper):
    skus = [
        make_product(shop=shop_a, title=f"P{n}", stock=5).skus.get() for n in range(services.MAX_LINES + 1)
    ]
    mine = services.cart_get(shop=shop_a, user=shopper, create=True)
    for sku in skus[: services.MAX_LINES]:
        services.cart_add(cart=mine, sku_id=sku.pk, quantity=1)
    anon = services.cart_get(shop=shop_a, session_key="s" * 32, create=True)
    services.cart_add(cart=anon, sku_id=skus[-1].pk, quantity=1)
    services.cart_merge_session(session_key="s" * 32, user=shopper)
    assert mine.items.count() == services.MAX_LINES
