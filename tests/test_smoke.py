from catalog.models import SKU
from tests.factories import make_product, product_with_matrix


def test_factories_build_products(shop_a):
    simple = make_product(shop=shop_a, image=True)
    assert simple.skus.count() == 1
    assert simple.cover is not None and simple.cover.thumb_list
    matrix = product_with_matrix(shop=shop_a)
    assert SKU.objects.filter(product=matrix, is_active=True).count() == 6
    assert matrix.price_min_fen == 5900 and matrix.stock_total == 30
