"""Every order write, one module per use case (docs/architecture.md#orders):

- ``cart``: the shopper's cart (add, change, remove, merge at login);
- ``checkout``: pricing a would-be order and placing it;
- ``lifecycle``: lookups, cancel, expiry, payment, receipt, auto-complete;
- ``shipping``: shipping and carrier tracking;
- ``after_sales``: refund requests, the merchant's answer and the refund's result;
- ``refunds``: automatic refunds, approved with no merchant step (a failed group-buy);
- ``returns``: a return's steps (the parcel back, receipt, refusal), the return settings, and the
  after-sale deadline jobs (automatic approval, closing unreturned requests, automatic receipt);
- ``stock``: the stock and sales-counter bookkeeping they share (internal).

Each public function is one use case, runs in a transaction, takes ``shop=`` (and the acting
person) explicitly and raises ``ApplicationError`` with a stable code. Rows are locked through the
helpers of ``orders.locks`` (one lock order, several rows in primary-key order); side effects
(notifications, tasks) are queued with ``transaction.on_commit``; no network call happens while a
row is locked.

Other apps (and tests) import from here (``from orders.services import order_place``); code inside
``orders`` imports from the submodules.
"""

from orders.services.after_sales import (
    AFTER_SALE_STATUSES,
    OPEN_AFTER_SALE,
    WAITING_AFTER_SALE,
    after_sale_approve,
    after_sale_refund_result,
    after_sale_reject,
    after_sale_request,
    after_sale_withdraw,
)
from orders.services.cart import (
    MAX_LINES,
    MAX_QUANTITY,
    cart_add,
    cart_get,
    cart_merge_session,
    cart_remove,
    cart_set_quantity,
    too_many_lines_error,
)
from orders.services.checkout import (
    CheckoutPreview,
    PreviewLine,
    cart_checkout_items,
    checkout_preview,
    order_place,
    shipping_fee_fen,
)
from orders.services.lifecycle import (
    order_cancel,
    order_confirm_receipt,
    order_get_for_shop,
    order_get_for_user,
    order_mark_paid,
    orders_auto_complete_due,
    orders_expire_due,
)
from orders.services.refunds import order_refund_automatic
from orders.services.returns import (
    after_sale_return_receive,
    after_sale_return_reject,
    after_sale_return_ship,
    after_sales_auto_approve_due,
    after_sales_auto_receive_due,
    after_sales_close_unreturned_due,
    return_settings_save,
    return_terms,
)
from orders.services.shipping import order_ship, tracking_event_add, tracking_fingerprint

__all__ = [
    "AFTER_SALE_STATUSES",
    "MAX_LINES",
    "MAX_QUANTITY",
    "OPEN_AFTER_SALE",
    "WAITING_AFTER_SALE",
    "CheckoutPreview",
    "PreviewLine",
    "after_sale_approve",
    "after_sale_refund_result",
    "after_sale_reject",
    "after_sale_request",
    "after_sale_return_receive",
    "after_sale_return_reject",
    "after_sale_return_ship",
    "after_sale_withdraw",
    "after_sales_auto_approve_due",
    "after_sales_auto_receive_due",
    "after_sales_close_unreturned_due",
    "cart_add",
    "cart_checkout_items",
    "cart_get",
    "cart_merge_session",
    "cart_remove",
    "cart_set_quantity",
    "checkout_preview",
    "order_cancel",
    "order_confirm_receipt",
    "order_get_for_shop",
    "order_get_for_user",
    "order_mark_paid",
    "order_place",
    "order_refund_automatic",
    "order_ship",
    "orders_auto_complete_due",
    "orders_expire_due",
    "return_settings_save",
    "return_terms",
    "shipping_fee_fen",
    "too_many_lines_error",
    "tracking_event_add",
    "tracking_fingerprint",
]
