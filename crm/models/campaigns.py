"""Marketing messages: campaigns to a segment, one delivery row per customer, under a push budget
(docs/crm.md#messages)."""

from __future__ import annotations
