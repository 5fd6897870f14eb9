"""System checks: ``manage.py check`` fails where the region data is missing (e.g. an install
built without its package data) rather than the first address save."""

from __future__ import annotations

from typing import Any

from django.core import checks


@checks.register()
def region_data_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from accounts import regions

    try:
        provinces = regions.children()
    except (OSError, ValueError, KeyError, IndexError) as exc:
        return [
            checks.Error(
                f"The region data {regions.DATA_FILE} cannot be read: {exc}",
                hint="It is package data of accounts (pyproject [tool.setuptools.package-data]).",
                id="accounts.E001",
            )
        ]
    if len(provinces) < 31:
        return [checks.Error(f"The region data lists only {len(provinces)} provinces.", id="accounts.E002")]
    return []
