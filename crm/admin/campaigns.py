"""crm's campaigns admin (the merchant back office)."""

from __future__ import annotations
