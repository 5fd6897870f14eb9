"""The flash-sale pricing rule (``FlashPriceRule``), registered before the coupon rule so that
coupons see the flash price (docs/promotions-flash.md).

While a session runs (started: its units were taken from the SKU; not ended), every checkout line
of one of its SKUs is sold at the flash price from the item's own units: the rule gives one
discount line per flash line, ``(SKU price − flash price) × quantity``, allocated to that line,
with ``supplies={sku: quantity}`` (checkout reserves none of those units from the SKU) and the
shop's shorter pay time. Refusals: ``flash_limit_reached`` (the shopper's units of the item across
all their orders would pass the per-shopper limit), ``flash_sold_out`` (not enough units left),
``flash_not_started`` (``options["flash_session_id"]`` names a session that has not started, or
its units are not moved in yet), ``flash_ended``. A SKU in two running sessions is sold by the one
with the lowest item id (or the session the shopper named).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError, NotFoundError
from core.integers import is_int
from orders.pricing import Discount, PricingContext
from promotions.flash.models import FlashItem, FlashPurchase, FlashSession
from promotions.flash.services import CODE, flash_pay_minutes

if TYPE_CHECKING:
    from orders.models import Order

OPTION = "flash_session_id"


def sold_out() -> ApplicationError:
    return ApplicationError("flash_sold_out", _("秒杀商品已抢光。"), http_status=409)


def limit_reached(limit: int) -> ApplicationError:
    return ApplicationError(
        "flash_limit_reached",
        _("秒杀商品每人限购 %(n)s 件，您已达到限购数量。") % {"n": limit},
        http_status=409,
    )


def not_started() -> ApplicationError:
    return ApplicationError("flash_not_started", _("秒杀还没有开始，请稍后再来。"))


def _asked_session(context: PricingContext) -> int | None:
    asked = context.options.get(OPTION)
    if asked is None:
        return None
    session = FlashSession.objects.filter(pk=asked, shop=context.shop).first() if is_int(asked) else None
    if session is None:
        raise NotFoundError("flash_not_found", _("没有找到这场秒杀。"))
    now = timezone.now()
    if now < session.starts_at or not session.is_active:
        raise not_started()
    if session.state_at(now) == FlashSession.State.ENDED:
        raise ApplicationError("flash_ended", _("这场秒杀已经结束。"))
    return session.pk


class FlashPriceRule:
    code = CODE
    name = gettext_lazy("秒杀价")

    def apply(self, context: PricingContext) -> list[Discount]:
        now = timezone.now()
        asked = _asked_session(context)
        items = FlashItem.objects.select_related("session").filter(
            shop=context.shop,
            sku_id__in=[line.sku_id for line in context.lines],
            session__is_active=True,
            session__starts_at__lte=now,
            session__ends_at__gt=now,
            session__stock_returned_at__isnull=True,
        )
        if asked is not None:
            items = items.filter(session_id=asked)
        chosen: dict[int, FlashItem] = {}
        for item in items.order_by("sku_id", "pk"):
            chosen.setdefault(item.sku_id, item)
        if not chosen:
            return []
        user = context.user
        bought: dict[int, int] = {}
        if user is not None and getattr(user, "is_authenticated", False):
            bought = dict(
                FlashPurchase.objects.filter(user=user, item__in=list(chosen.values())).values_list(
                    "item_id", "quantity"
                )
            )
        pay_minutes = flash_pay_minutes(shop=context.shop)
        discounts = []
        for line in context.lines:
            flash_item = chosen.get(line.sku_id)
            if flash_item is None:
                continue
            item = flash_item
            if bought.get(item.pk, 0) + line.quantity > item.per_user_limit:
                raise limit_reached(item.per_user_limit)
            if item.session.stock_taken_at is not None and item.remaining < line.quantity:
                raise sold_out()
            off = (line.unit_price_fen - item.flash_price_fen) * line.quantity
            if off <= 0:
                continue
            discounts.append(
                Discount(
                    code=CODE,
                    label=_("秒杀价 · %(name)s") % {"name": item.session.name},
                    amount_fen=off,
                    ref=f"flash_item:{item.pk}",
                    data={
                        "item_id": item.pk,
                        "session_id": item.session_id,
                        "sku_id": item.sku_id,
                        "quantity": line.quantity,
                        "flash_price_fen": item.flash_price_fen,
                    },
                    allocation={line.sku_id: off},
                    supplies={line.sku_id: line.quantity},
                    pay_within_minutes=pay_minutes,
                )
            )
        return discounts

    def supply(self, *, context: PricingContext, discount: Discount, order: Order) -> None:
        """Take the line's units from the item (one conditional update: never oversold), then
        count them for the shopper (one conditional update: never past the limit)."""
        item_id, quantity = int(discount.data["item_id"]), int(discount.data["quantity"])
        now = timezone.now()
        taken = FlashItem.objects.filter(pk=item_id, remaining__gte=quantity).update(
            remaining=F("remaining") - quantity, sold=F("sold") + quantity, updated_at=now
        )
        if not taken:
            session = FlashSession.objects.filter(items__pk=item_id).first()
            if session is not None and session.stock_taken_at is None:
                raise not_started()
            raise sold_out()
        item = FlashItem.objects.only("per_user_limit", "shop_id").get(pk=item_id)
        FlashPurchase.objects.bulk_create(
            [FlashPurchase(shop_id=item.shop_id, item_id=item_id, user=context.user, quantity=0)],
            ignore_conflicts=True,
        )
        counted = FlashPurchase.objects.filter(
            item_id=item_id, user=context.user, quantity__lte=item.per_user_limit - quantity
        ).update(quantity=F("quantity") + quantity, updated_at=now)
        if not counted:
            raise limit_reached(item.per_user_limit)


flash_rule = FlashPriceRule()
