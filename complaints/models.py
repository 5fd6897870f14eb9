"""complaints's models."""

from __future__ import annotations
