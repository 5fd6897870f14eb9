"""orders' part of a shopper's privacy (accounts' privacy port, docs/privacy.md).

- **Export**: their orders in the shop (amounts, the address they gave, lines, discounts, the
  timeline, the shipment and its tracking, after-sales) and their cart.
- **Blocker**: an order not finished yet (待付款, 待发货, 已发货 or 已签收) or an after-sale being
  handled (待处理, 退款中), in any shop: deleting the account would strand a parcel or a refund.
- **Eraser** (anonymise, not delete): orders are the merchant's accounts, so each keeps its number,
  amounts, lines, discounts, statuses and times, and its province and city (where sales go); the
  receiver's name becomes 已注销用户 and the phone, district and street are emptied; the shopper's
  own words go (the order remark, after-sale reasons and photos, the timeline entries they wrote)
  and so do the carrier's tracking entries (they name who signed for the parcel). Carts go.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.privacy import local_time
from core.money import format_yuan
from orders.models import (
    AfterSale,
    AfterSaleEvent,
    AfterSalePhoto,
    Cart,
    CartItem,
    Order,
    OrderEvent,
    OrderStatus,
    TrackingEvent,
)
from shop.cache import shopper_changed
from shop.models import Shop

UNFINISHED = (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
OPEN_AFTER_SALE = (AfterSale.Status.REQUESTED, AfterSale.Status.REFUNDING)


def _order_row(order: Order) -> dict[str, Any]:
    shipment = getattr(order, "shipment", None)
    return {
        _("订单号"): order.order_no,
        _("状态"): order.get_status_display(),
        _("下单时间"): local_time(order.created_at),
        _("支付时间"): local_time(order.paid_at),
        _("发货时间"): local_time(order.shipped_at),
        _("完成时间"): local_time(order.completed_at),
        _("取消时间"): local_time(order.cancelled_at),
        _("商品金额"): format_yuan(order.goods_fen),
        _("运费"): format_yuan(order.shipping_fen),
        _("优惠"): format_yuan(order.discount_fen),
        _("应付金额"): format_yuan(order.total_fen),
        _("实付金额"): format_yuan(order.paid_fen),
        _("已退款"): format_yuan(order.refunded_fen),
        _("收货人"): order.recipient,
        _("手机号"): order.phone,
        _("收货地址"): order.full_address,
        _("买家留言"): order.remark,
        _("商品"): [
            {
                _("商品名称"): line.title,
                _("规格"): line.spec_text,
                _("单价"): format_yuan(line.unit_price_fen),
                _("数量"): line.quantity,
                _("小计"): format_yuan(line.total_fen),
            }
            for line in order.lines.all()
        ],
        _("优惠明细"): [
            {_("名称"): d.label, _("优惠金额"): format_yuan(d.amount_fen)} for d in order.discounts.all()
        ],
        _("订单动态"): [
            {_("时间"): local_time(e.created_at), _("事件"): e.get_type_display(), _("说明"): e.message}
            for e in order.events.all()
        ],
        _("物流"): None
        if shipment is None
        else {
            _("快递公司"): shipment.carrier_label,
            _("运单号"): shipment.tracking_no,
            _("物流轨迹"): [
                {_("时间"): local_time(t.occurred_at), _("物流信息"): t.description, _("地点"): t.location}
                for t in shipment.tracking_events.all()
            ],
        },
        _("售后"): [
            {
                _("售后单号"): a.after_sale_no,
                _("类型"): a.get_kind_display(),
                _("状态"): a.get_status_display(),
                _("原因"): a.reason,
                _("退款金额"): format_yuan(a.amount_fen),
                _("申请时间"): local_time(a.created_at),
                _("照片数"): len(a.photos.all()),
            }
            for a in order.after_sales.all()
        ],
    }


def orders_export(user: User, shop: Shop) -> dict[str, Any]:
    orders = (
        Order.objects.filter(user=user, shop=shop)
        .select_related("shipment")
        .prefetch_related(
            "lines",
            "discounts",
            Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "id")),
            Prefetch(
                "shipment__tracking_events", queryset=TrackingEvent.objects.order_by("occurred_at", "id")
            ),
            Prefetch(
                "after_sales",
                queryset=AfterSale.objects.order_by("created_at", "id").prefetch_related("photos"),
            ),
        )
        .order_by("created_at", "id")
    )
    cart_items = (
        CartItem.objects.filter(cart__user=user, cart__shop=shop)
        .select_related("sku__product")
        .order_by("pk")
    )
    return {
        _("订单"): [_order_row(order) for order in orders],
        _("购物车"): [
            {
                _("商品名称"): item.sku.product.title,
                _("规格"): item.sku.spec_text,
                _("数量"): item.quantity,
                _("加入时间"): local_time(item.created_at),
            }
            for item in cart_items
        ],
    }


def orders_block(user: User) -> str | None:
    """The unfinished orders and open after-sales of the shopper, by shop."""
    reasons = []
    unfinished = (
        Order.objects.filter(user=user, status__in=UNFINISHED)
        .values("shop__name")
        .annotate(n=Count("pk"))
        .order_by("shop__name")
    )
    if unfinished:
        where = "、".join(
            _("%(shop)s %(n)d 个") % {"shop": row["shop__name"], "n": row["n"]} for row in unfinished
        )
        reasons.append(
            _("还有未完成的订单（%(where)s）：待付款的订单请先付款或取消，已付款的订单完成后才能注销。")
            % {"where": where}
        )
    open_after_sales = (
        AfterSale.objects.filter(order__user=user, status__in=OPEN_AFTER_SALE)
        .values("shop__name")
        .annotate(n=Count("pk"))
        .order_by("shop__name")
    )
    if open_after_sales:
        where = "、".join(
            _("%(shop)s %(n)d 个") % {"shop": row["shop__name"], "n": row["n"]} for row in open_after_sales
        )
        reasons.append(_("还有正在处理的售后（%(where)s）：处理完成后才能注销。") % {"where": where})
    return "；".join(reasons) or None


def orders_erase(user: User) -> None:
    orders = Order.objects.filter(user=user)
    orders.update(recipient=_("已注销用户"), phone="", district="", address_detail="", remark="")
    OrderEvent.objects.filter(order__in=orders, actor_kind=OrderEvent.Actor.SHOPPER).update(message="")
    OrderEvent.objects.filter(order__in=orders, type=OrderEvent.Type.TRACKING).update(message="")
    TrackingEvent.objects.filter(shipment__order__in=orders).delete()
    after_sales = AfterSale.objects.filter(order__in=orders)
    after_sales.update(reason="")
    AfterSaleEvent.objects.filter(after_sale__in=after_sales, actor_kind=OrderEvent.Actor.SHOPPER).update(
        message=""
    )
    for photo in AfterSalePhoto.objects.filter(after_sale__in=after_sales):
        photo.image.delete(save=False)
        photo.delete()
    Cart.objects.filter(user=user).delete()
    shopper_changed(user.pk)  # their cached cart and order pages go


def privacy_ready() -> None:
    from accounts.ports import privacy_register

    privacy_register(
        "orders", section=gettext_lazy("订单"), export=orders_export, erase=orders_erase, block=orders_block
    )
