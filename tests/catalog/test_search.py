"""Search at scale (catalog/search.py): the gram index narrows, the icontains filters decide, so
results mean what they meant; on PostgreSQL the search is answered from the GIN index."""

import pytest
from django.db import connection

from catalog.models import Product
from catalog.search import has_grams, search_grams, term_grams
from catalog.selectors import product_list
from tests.factories import make_product


def titles(shop, q, **kwargs):
    return sorted(p.title for p in product_list(shop=shop, q=q, **kwargs))


def test_grams_are_each_character_and_each_pair_upper_cased_per_word():
    assert search_grams("纯棉T恤", "", "夏季 新款") == " ".join(
        sorted({"纯", "棉", "T", "恤", "纯棉", "棉T", "T恤", "夏", "季", "夏季", "新", "款", "新款"})
    )
    assert "季新" not in search_grams("夏季 新款").split()  # never across a space
    assert term_grams("纯") == ["纯"] and term_grams("纯棉") == ["纯棉"]
    assert term_grams("羊绒围巾") == ["围巾", "绒围", "羊绒"]
    assert term_grams("t恤") == ["T恤"]  # any case
    assert search_grams("ß") == "ß"  # one character stays one (Python's upper() would make two)


def test_save_keeps_the_grams_in_step_even_with_update_fields(shop_a):
    product = make_product(shop=shop_a, title="纯棉T恤", subtitle="透气", keywords="夏季")
    assert {"纯棉", "透气", "夏季"} <= set(Product.objects.get(pk=product.pk).search_grams.split())
    product.title = "羊绒围巾"
    product.save(update_fields=["title"])
    grams = set(Product.objects.get(pk=product.pk).search_grams.split())
    assert "羊绒" in grams and "纯棉" not in grams


@pytest.fixture
def catalog(shop_a, shop_b):
    make_product(shop=shop_a, title="纯棉T恤", subtitle="透气舒适", keywords="summer 夏季 棉纯")
    make_product(shop=shop_a, title="羊绒围巾", subtitle="柔软保暖", keywords="Cashmere")
    make_product(shop=shop_a, title="羊毛衫", subtitle="美利奴")
    make_product(shop=shop_a, title="纯棉袜子草稿", status=Product.Status.DRAFT)
    make_product(shop=shop_b, title="纯棉T恤（乙店）")
    return shop_a


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("棉", ["纯棉T恤"]),  # one Chinese character
        ("羊", ["羊毛衫", "羊绒围巾"]),
        ("纯棉", ["纯棉T恤"]),  # two: no trigram in it, still indexed
        ("羊绒", ["羊绒围巾"]),
        ("美利奴", ["羊毛衫"]),  # three, in the selling point
        ("羊绒围巾", ["羊绒围巾"]),
        ("绒巾", []),  # its pairs are not all there
        ("纯棉纯", []),  # its pairs are there (纯棉 in the title, 棉纯 in the keywords), the word is not
        ("t恤", ["纯棉T恤"]),  # Latin, any case
        ("CASHMERE", ["羊绒围巾"]),  # in the keywords, any case
        ("mmer", ["纯棉T恤"]),  # part of a Latin word
        ("纯棉 夏季", ["纯棉T恤"]),  # every word, in any field
        ("纯棉 羊绒", []),
        ("x", []),
    ],
)
def test_search_results(catalog, q, expected):
    assert titles(catalog, q) == expected


def test_search_with_a_category_and_an_order(catalog):
    assert titles(catalog, "羊", ordering="price") == ["羊毛衫", "羊绒围巾"]
    assert titles(catalog, "纯棉", category=None, ordering="new") == ["纯棉T恤"]


@pytest.mark.postgres
@pytest.mark.parametrize("q", ["绒", "羊绒", "羊绒围巾", "cashmere"])
def test_the_search_filter_is_the_indexed_expression(catalog, q):
    """The filter is written exactly as the GIN index's expression, so PostgreSQL can answer it
    from the index (which it does at 100k products: bench/scale.py prints the plan)."""
    queryset = Product.objects.filter(has_grams(term_grams(q)))
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: ask which index it can use
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on product_search_grams_gin" in plan, plan
    assert titles(catalog, q) == ["羊绒围巾"]


@pytest.mark.postgres
def test_the_gram_index_exists_only_on_postgresql(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'product_search_grams_gin'")
        (definition,) = cursor.fetchone()
    assert "gin" in definition and "string_to_array(search_grams" in definition
