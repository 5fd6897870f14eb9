"""Indexes on orders' tables that the rollup job reads by day (docs/analytics.md#the-rollup-job):
orders by the time placed and the time paid, after-sales by the time refunded.

They were made here in plain SQL, out of sight of orders' models; orders/0011 now declares them on
those models with the same names (``CREATE INDEX IF NOT EXISTS``, so a database this migration
already ran on keeps them). This migration does nothing any more, in either direction: the
indexes belong to orders, and unapplying analytics must not drop them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        ("orders", "0009_after_sale_lines_backfill"),
    ]

    operations = []
