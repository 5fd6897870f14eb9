"""crm's members services (docs/crm.md)."""

from __future__ import annotations


def ready() -> None:
    """Register this area's listeners, pricing rules and jobs with the ports below (called once
    from ``CrmConfig.ready()``)."""
