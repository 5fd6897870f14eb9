"""The merchant's order desk (newest orders of a shop, and the first and last of them for the
date hierarchy) gets its index; the report indexes analytics/0002 made in plain SQL on orders'
tables are declared here, on the models that own the tables, with the same names: a database
that already has them keeps them (IF NOT EXISTS), a new one gets them here."""

from django.conf import settings
from django.db import migrations, models

REPORT_INDEXES = [
    ("aftersale", "orders_aftersale", models.Index(fields=["refunded_at"], name="analytics_aftersale_refunded")),
    ("order", "orders_order", models.Index(fields=["created_at"], name="analytics_order_created")),
    ("order", "orders_order", models.Index(fields=["paid_at"], name="analytics_order_paid")),
]


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0010_returns"),
        ("shop", "0004_after_sale_response_help"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["shop", "-created_at", "-id"], name="order_shop_recent"),
        ),
        *(
            migrations.SeparateDatabaseAndState(
                state_operations=[migrations.AddIndex(model_name=model, index=index)],
                database_operations=[
                    migrations.RunSQL(
                        sql=f"CREATE INDEX IF NOT EXISTS {index.name} ON {table} ({index.fields[0]})",
                        reverse_sql=f"DROP INDEX IF EXISTS {index.name}",
                    )
                ],
            )
            for model, table, index in REPORT_INDEXES
        ),
    ]
