"""Indexes on orders' tables that the rollup job reads by day (docs/analytics.md#the-rollup-job):
orders by the time placed and the time paid, after-sales by the time refunded. Plain SQL that
SQLite and PostgreSQL both speak; they belong to the report that needs them, so orders' models
are unchanged."""

from django.db import migrations

INDEXES = [
    ("analytics_order_created", "orders_order", "created_at"),
    ("analytics_order_paid", "orders_order", "paid_at"),
    ("analytics_aftersale_refunded", "orders_aftersale", "refunded_at"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        ("orders", "0009_after_sale_lines_backfill"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, table, column in INDEXES
    ]
