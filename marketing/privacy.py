"""marketing's part of a shopper's privacy (accounts' privacy port, docs/privacy.md).

marketing keeps no row about a person: a channel's visits are counted in the cache, the visitor
only as a hash of their id for the day (so they are counted once), which expires within four days
(``COUNTER_TTL``), and the daily rows hold totals. What it can tell a shopper is which of the
shop's channels their orders came through (the channel code each order carries), so that is its
export. It has nothing to erase: the codes stay on the anonymised orders (a channel's sales), and
they name a post or a QR code, not a person.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.privacy import local_time
from marketing.selectors import channel_name
from orders.models import Order
from shop.models import Shop


def marketing_export(user: User, shop: Shop) -> dict[str, Any]:
    orders = Order.objects.filter(user=user, shop=shop).exclude(channel_code="").order_by("created_at", "pk")
    return {
        _("订单来源渠道"): [
            {
                _("订单号"): order.order_no,
                _("渠道"): channel_name(shop.pk, order.channel_code) or order.channel_code,
                _("来源时间"): local_time(order.attributed_at),
            }
            for order in orders
        ]
    }


def privacy_ready() -> None:
    from accounts.ports import privacy_register

    privacy_register("marketing", section=gettext_lazy("渠道"), export=marketing_export)
