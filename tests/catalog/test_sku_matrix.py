"""The SKU matrix: what a merchant relies on when editing specs of a product that already sells."""

import pytest
from django.db import IntegrityError, transaction

from catalog import services
from catalog.models import SKU, Product, SpecValue
from core.errors import ApplicationError
from tests.factories import make_product, product_with_matrix


def active_texts(product: Product) -> set[str]:
    return set(SKU.objects.filter(product=product, is_active=True).values_list("spec_text", flat=True))


def test_colour_by_size_gives_every_combination(shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红", "蓝"), sizes=("S", "M", "L"))
    assert active_texts(product) == {f"颜色:{c} 尺码:{s}" for c in ("红", "蓝") for s in ("S", "M", "L")}


def test_product_without_specs_has_exactly_one_sku(shop_a):
    product = make_product(shop=shop_a, price_fen=1200)
    skus = list(product.skus.all())
    assert len(skus) == 1
    assert skus[0].spec_key == "" and skus[0].price_fen == 1200


def test_generating_twice_is_a_no_op(shop_a):
    product = product_with_matrix(shop=shop_a)
    before = list(
        SKU.objects.filter(product=product).values("id", "price_fen", "stock", "updated_at", "is_active")
    )
    result = services.product_generate_skus(product=product)
    assert not result.changed and result.kept == 6
    after = list(
        SKU.objects.filter(product=product).values("id", "price_fen", "stock", "updated_at", "is_active")
    )
    assert after == before


def test_adding_a_value_adds_only_new_combinations_and_keeps_existing_data(shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红", "蓝"), sizes=("S", "M"))
    red_m = SKU.objects.get(product=product, spec_text="颜色:红 尺码:M")
    services.sku_update(sku=red_m, price_fen=7900, stock=3, code="TS-RED-M")

    services.product_spec_set(product=product, name="颜色", values=["红", "蓝", "黑"], position=0)
    result = services.product_generate_skus(product=product)

    assert {s.spec_text for s in result.created} == {"颜色:黑 尺码:S", "颜色:黑 尺码:M"}
    assert not result.deactivated
    red_m.refresh_from_db()
    assert (red_m.price_fen, red_m.stock, red_m.code, red_m.is_active) == (7900, 3, "TS-RED-M", True)
    assert SKU.objects.filter(product=product).count() == 6


def test_removed_combinations_are_deactivated_not_deleted_and_come_back(shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红", "蓝"), sizes=("S",))
    blue = SKU.objects.get(product=product, spec_text="颜色:蓝 尺码:S")
    services.sku_update(sku=blue, price_fen=6100, stock=2)

    services.product_spec_set(product=product, name="颜色", values=["红"], position=0)
    result = services.product_generate_skus(product=product)
    assert [s.pk for s in result.deactivated] == [blue.pk]
    blue.refresh_from_db()
    assert blue.is_active is False  # still there for orders that reference it
    product.refresh_from_db()
    assert product.stock_total == 5  # only the red SKU counts now

    # Typing 蓝 again brings the retired SKU back with its price and stock.
    services.product_spec_set(product=product, name="颜色", values=["红", "蓝"], position=0)
    result = services.product_generate_skus(product=product)
    assert not result.created and [s.pk for s in result.reactivated] == [blue.pk]
    blue.refresh_from_db()
    assert (blue.is_active, blue.price_fen, blue.stock) == (True, 6100, 2)
    assert services.product_generate_skus(product=product).changed is False


def test_renaming_order_keeps_ids_of_surviving_values(shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红", "蓝"), sizes=("S",))
    ids = dict(SpecValue.objects.filter(spec__product=product, spec__name="颜色").values_list("value", "id"))
    services.product_spec_set(product=product, name="颜色", values=["蓝", "红"], position=0)
    after = dict(
        SpecValue.objects.filter(spec__product=product, spec__name="颜色").values_list("value", "id")
    )
    assert after == ids
    assert services.product_generate_skus(product=product).changed is False


def test_first_specs_retire_the_single_default_sku(shop_a):
    product = make_product(shop=shop_a, price_fen=3000)
    default = product.skus.get()
    services.product_spec_set(product=product, name="口味", values=["原味", "辣味"])
    result = services.product_generate_skus(product=product)
    assert len(result.created) == 2 and [s.pk for s in result.deactivated] == [default.pk]
    assert all(s.price_fen == 3000 for s in result.created)  # new combinations start at the current price


def test_duplicate_spec_value_is_rejected_with_a_clear_error(shop_a):
    product = make_product(shop=shop_a)
    with pytest.raises(ApplicationError) as err:
        services.product_spec_set(product=product, name="颜色", values=["红", "蓝", "红"])
    assert err.value.code == "spec_value_duplicate"
    assert "红" in err.value.message
    assert not product.specs.exists()  # nothing half-saved


def test_duplicate_combination_is_rejected_by_the_database(shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红",), sizes=("S",))
    existing = product.skus.get(is_active=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        SKU.objects.create(shop=shop_a, product=product, spec_key=existing.spec_key, price_fen=1)


def test_spec_without_values_cannot_generate(shop_a):
    product = make_product(shop=shop_a)
    with pytest.raises(ApplicationError) as err:
        services.product_spec_set(product=product, name="颜色", values=["", "  "])
    assert err.value.code == "spec_values_required"


@pytest.mark.parametrize(("price_fen", "stock"), [(-1, None), (None, -5)])
def test_negative_price_or_stock_is_rejected(shop_a, price_fen, stock):
    product = make_product(shop=shop_a, price_fen=5900, stock=10)
    sku = product.skus.get()
    with pytest.raises(ApplicationError) as err:
        services.sku_update(sku=sku, price_fen=price_fen, stock=stock)
    assert err.value.code == "invalid_amount"
    sku.refresh_from_db()
    assert (sku.price_fen, sku.stock) == (5900, 10)


def test_database_refuses_negative_stock_and_price(shop_a):
    sku = make_product(shop=shop_a).skus.get()
    for field in ("stock", "price_fen"):
        with pytest.raises(IntegrityError), transaction.atomic():
            SKU.objects.filter(pk=sku.pk).update(**{field: -1})


def test_sku_codes_are_unique_within_a_shop_only(shop_a, shop_b):
    a1 = make_product(shop=shop_a, title="A1").skus.get()
    a2 = make_product(shop=shop_a, title="A2").skus.get()
    b1 = make_product(shop=shop_b, title="B1").skus.get()
    services.sku_update(sku=a1, code="X-1")
    services.sku_update(sku=b1, code="X-1")  # another shop may use the same code
    with pytest.raises(ApplicationError) as err:
        services.sku_update(sku=a2, code="X-1")
    assert err.value.code == "sku_code_taken"


def test_price_range_and_stock_follow_the_skus(shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红",), sizes=("S", "M", "L"), price_fen=5900, stock=4)
    large = SKU.objects.get(product=product, spec_text="颜色:红 尺码:L")
    services.sku_update(sku=large, price_fen=7900, stock=0)
    product.refresh_from_db()
    assert (product.price_min_fen, product.price_max_fen, product.stock_total) == (5900, 7900, 8)
