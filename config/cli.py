"""``weishop-admin``: Django's management commands for an installed WeiShop (``pip install .``),
the same as ``python manage.py`` in a checkout."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
