"""crm's profiles admin (the merchant back office)."""

from __future__ import annotations
