"""analytics' rolled-up daily figures (docs/analytics.md)."""

from __future__ import annotations
