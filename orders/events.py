"""The order events port: apps above ``orders`` hear about every order event without ``orders``
importing them (docs/architecture.md#layers-and-ports).

``orders.state`` records each timeline entry (``OrderEvent``: placed, paid, shipped, delivered,
completed, cancelled, refunded, after-sale changes, notes) and then calls ``order_event_publish``,
which calls two kinds of listeners:

- **in the transaction** (``register(listener, in_transaction=True)``): called at once, inside the
  transaction that wrote the event, so what they write commits or rolls back with it (the WeChat
  notification rows, ``wechat.notifications.notifications_queue``). An exception rolls the event back.
- **after commit** (``register(listener)``, the default): called once the event's transaction has
  committed (never if it rolls back), each on its own; one that raises is logged and does not stop
  the others or undo the event. For work that must not run on an event that never happened.

An app registers in its ``AppConfig.ready()``; a listener takes the event and returns nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import transaction

from shop.cache import shopper_changed

if TYPE_CHECKING:
    from orders.models import OrderEvent

logger = logging.getLogger(__name__)

OrderEventListener = Callable[["OrderEvent"], object]

# kind ("in_transaction" | "after_commit") -> listeners, in registration order
order_event_listeners: dict[str, list[OrderEventListener]] = {"in_transaction": [], "after_commit": []}


def register(
    listener: OrderEventListener | None = None, *, in_transaction: bool = False
) -> OrderEventListener | Callable[[OrderEventListener], OrderEventListener]:
    """Add a listener (once: registering it again changes nothing). Usable as a decorator,
    ``@register`` or ``@register(in_transaction=True)``."""

    def add(fn: OrderEventListener) -> OrderEventListener:
        listeners = order_event_listeners["in_transaction" if in_transaction else "after_commit"]
        if fn not in listeners:
            listeners.append(fn)
        return fn

    return add if listener is None else add(listener)


def unregister(listener: OrderEventListener) -> None:
    for listeners in order_event_listeners.values():
        if listener in listeners:
            listeners.remove(listener)


def order_event_publish(event: OrderEvent) -> None:
    """Called by ``orders.state`` for every event it records, inside the event's transaction. The
    shopper's cached cart and order pages are built again (``shop.cache.shopper_changed``: at once
    and after commit)."""
    shopper_changed(event.order.user_id)
    for listener in list(order_event_listeners["in_transaction"]):
        listener(event)
    for listener in list(order_event_listeners["after_commit"]):
        transaction.on_commit(lambda listener=listener: _call_after_commit(listener, event))


def _call_after_commit(listener: OrderEventListener, event: OrderEvent) -> None:
    try:
        listener(event)
    except Exception:  # one listener must not stop the others, and the event has happened
        logger.exception("order event listener %r failed on event %s", listener, event.pk)
