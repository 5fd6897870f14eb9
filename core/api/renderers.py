"""The API's JSON renderer: DRF's, with every time in the project's time zone.

Serializer fields already answer ``2026-12-01T20:30:00+08:00``; a view that answers a plain dict
holding a ``datetime`` would otherwise get DRF's encoder's UTC form (``…Z``). docs/api.md promises
Asia/Shanghai everywhere, so the encoder puts aware datetimes in the current time zone too.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder as DRFJSONEncoder


class LocalTimeJSONEncoder(DRFJSONEncoder):
    def default(self, obj: Any) -> Any:
        if isinstance(obj, datetime.datetime) and timezone.is_aware(obj):
            return timezone.localtime(obj).isoformat()
        return super().default(obj)


class JSONRenderer(renderers.JSONRenderer):
    encoder_class = LocalTimeJSONEncoder
