"""Search and the list pages at scale (docs/architecture.md#scale-search-and-big-tables):

- ``Product.search_grams`` (every character and character pair of title, subtitle and keywords,
  catalog/search.py), filled for the products there are, and on PostgreSQL a GIN index on it as an
  array: the search filter looks words up there instead of reading every product. SQLite has no
  such index type and searches with ``icontains`` alone, so the index is made on PostgreSQL only
  (it is not in the model's Meta: Django would try to make it on SQLite too).
- B-tree indexes for the list pages' default order, price high to low, the home banner and the
  merchant's product list."""

from django.db import migrations, models

from catalog.search import search_grams

GIN_INDEX = "product_search_grams_gin"
BATCH = 1000


def fill_search_grams(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    batch = []
    for product in Product.objects.only("title", "subtitle", "keywords").order_by("pk").iterator(BATCH):
        product.search_grams = search_grams(product.title, product.subtitle, product.keywords)
        batch.append(product)
        if len(batch) == BATCH:
            Product.objects.bulk_update(batch, ["search_grams"])
            batch = []
    Product.objects.bulk_update(batch, ["search_grams"])


def create_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON catalog_product "
            "USING gin (string_to_array(search_grams, ' '))"
        )


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_low_stock"),
        ("shop", "0004_after_sale_response_help"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="search_grams",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="搜索索引"),
        ),
        migrations.RunPython(fill_search_grams, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_gin_index, drop_gin_index),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(
                fields=["shop", "status", "position", "-published_at", "-id"], name="product_default_order"
            ),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=["shop", "status", "-price_max_fen"], name="product_by_price_desc"),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(
                condition=models.Q(("is_featured", True), ("status", "on_sale")),
                fields=["shop", "position", "-id"],
                name="product_featured",
            ),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=["shop", "position", "-id"], name="product_admin_order"),
        ),
    ]
