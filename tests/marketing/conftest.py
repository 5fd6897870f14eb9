from __future__ import annotations

import pytest

from marketing.models import Channel
from marketing.services import channel_save


def make_channel(*, shop, name: str = "朋友圈", code: str = "pyq-1", **fields) -> Channel:
    """A channel saved through the real service (as admin saves it)."""
    return channel_save(channel=Channel(shop=shop, name=name, code=code, **fields))


@pytest.fixture
def channel(shop_a) -> Channel:
    return make_channel(shop=shop_a, name="双十二朋友圈", code="pyq-1212", kind=Channel.Kind.MOMENTS)
