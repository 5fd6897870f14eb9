"""推广中心 (H5)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def member_centre_context(request: HttpRequest, shop: Any) -> dict[str, Any]:
    return {}
