import pytest

from catalog import services
from catalog.models import SKU, Product
from core.errors import ApplicationError
from tests.factories import make_product, product_with_matrix


def test_bulk_price_and_stock_update(shop_a):
    product = product_with_matrix(shop=shop_a)
    ids = list(product.skus.values_list("pk", flat=True))
    assert services.skus_bulk_update(shop=shop_a, sku_ids=ids, price_fen=6990, stock=7) == 6
    assert set(SKU.objects.filter(pk__in=ids).values_list("price_fen", "stock")) == {(6990, 7)}
    product.refresh_from_db()
    assert (product.price_min_fen, product.price_max_fen, product.stock_total) == (6990, 6990, 42)


def test_bulk_update_never_touches_another_shop(shop_a, shop_b):
    other = make_product(shop=shop_b, price_fen=100, stock=1).skus.get()
    mine = make_product(shop=shop_a, price_fen=100, stock=1).skus.get()
    assert services.skus_bulk_update(shop=shop_a, sku_ids=[other.pk, mine.pk], price_fen=999) == 1
    other.refresh_from_db()
    assert other.price_fen == 100


def test_bulk_stock_delta_is_all_or_nothing(shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红",), sizes=("S", "M"), stock=3)
    s, m = product.skus.order_by("position")
    services.sku_update(sku=m, stock=1)
    with pytest.raises(ApplicationError) as err:
        services.skus_bulk_update(shop=shop_a, sku_ids=[s.pk, m.pk], stock_delta=-2)
    assert err.value.code == "stock_insufficient"
    assert sorted(SKU.objects.filter(product=product).values_list("stock", flat=True)) == [1, 3]
    services.skus_bulk_update(shop=shop_a, sku_ids=[s.pk, m.pk], stock_delta=5)
    assert sorted(SKU.objects.filter(product=product).values_list("stock", flat=True)) == [6, 8]


def test_bulk_rejects_negative_values(shop_a):
    sku = make_product(shop=shop_a).skus.get()
    with pytest.raises(ApplicationError):
        services.skus_bulk_update(shop=shop_a, sku_ids=[sku.pk], price_fen=-100)


def test_product_goes_on_shelf_only_with_a_priced_sku(shop_a):
    product = Product.objects.create(shop=shop_a, title="新品")
    with pytest.raises(ApplicationError) as err:
        services.product_set_status(product=product, status=Product.Status.ON_SALE)
    assert err.value.code == "product_without_skus"

    services.product_generate_skus(product=product, default_price_fen=0)
    with pytest.raises(ApplicationError) as err:
        services.product_set_status(product=product, status=Product.Status.ON_SALE)
    assert err.value.code == "sku_without_price"

    services.skus_bulk_update(shop=shop_a, sku_ids=product.skus.values_list("pk", flat=True), price_fen=1990)
    services.product_set_status(product=product, status=Product.Status.ON_SALE)
    product.refresh_from_db()
    assert product.status == Product.Status.ON_SALE and product.published_at is not None

    first_published = product.published_at
    services.product_set_status(product=product, status=Product.Status.OFF_SHELF)
    services.product_set_status(product=product, status=Product.Status.ON_SALE)
    product.refresh_from_db()
    assert product.published_at == first_published  # "new arrivals" keeps the first listing date


def test_bulk_status_reports_what_could_not_change(shop_a):
    good = make_product(shop=shop_a, status=Product.Status.DRAFT)
    bad = Product.objects.create(shop=shop_a, title="没有SKU")
    changed, errors = services.products_set_status(
        shop=shop_a, product_ids=[good.pk, bad.pk], status=Product.Status.ON_SALE
    )
    assert changed == 1 and len(errors) == 1 and "没有SKU" in errors[0]
