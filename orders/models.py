"""Carts, orders, their timeline, shipments and after-sales.

- An order line copies what was bought (title, spec text, image, unit price): later catalog edits
  never change history.
- Orders are addressed by ``order_no`` (random, unguessable), never by id, in every URL.
- ``Order.status`` changes only through ``orders.state.transition`` (one table of allowed moves),
  and every change writes an ``OrderEvent`` — the shopper's timeline.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import regions
from catalog.models import SKU
from core.models import TimeStampedModel, TransitionEvent
from core.money import MoneyField, format_yuan
from core.uploads import ImageUploadField
from shop.models import Shop


def new_order_no() -> str:
    """20261124 + 12 random digits: sortable by day, impossible to guess or enumerate."""
    return timezone.localdate().strftime("%Y%m%d") + f"{secrets.randbelow(10**12):012d}"


class Cart(TimeStampedModel):
    """One cart per shopper per shop; an anonymous cart lives on a session until login merges it."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="carts",
        verbose_name=_("顾客"),
    )
    session_key = models.CharField(_("会话"), max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = _("购物车")
        verbose_name_plural = _("购物车")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "user"], condition=Q(user__isnull=False), name="cart_one_per_user"
            ),
            models.UniqueConstraint(
                fields=["shop", "session_key"], condition=~Q(session_key=""), name="cart_one_per_session"
            ),
        ]

    def __str__(self) -> str:
        who = self.user.display_name if self.user_id else gettext("访客")
        return gettext("%(who)s 的购物车") % {"who": who}


class CartItem(TimeStampedModel):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items", verbose_name=_("购物车"))
    sku = models.ForeignKey(SKU, on_delete=models.CASCADE, related_name="+", verbose_name=_("SKU"))
    quantity = models.PositiveIntegerField(_("数量"), default=1)

    class Meta:
        verbose_name = _("购物车商品")
        verbose_name_plural = _("购物车商品")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "sku"], name="cart_item_unique_sku"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_item_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity}"


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("待付款")
    PAID = "paid", _("待发货")
    SHIPPED = "shipped", _("已发货")
    DELIVERED = "delivered", _("已签收")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已取消")
    CLOSED = "closed", _("已关闭")  # paid, then fully refunded


class Order(TimeStampedModel):
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="orders", verbose_name=_("店铺"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders", verbose_name=_("顾客")
    )
    order_no = models.CharField(_("订单号"), max_length=32, unique=True, default=new_order_no, editable=False)
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=OrderStatus.choices,
        default=OrderStatus.PENDING_PAYMENT,
        db_index=True,
    )

    # Amounts, computed by the server at checkout (a client never sends a price we use).
    goods_fen = MoneyField(_("商品金额"), default=0)
    shipping_fen = MoneyField(_("运费"), default=0)
    discount_fen = MoneyField(_("优惠"), default=0)
    total_fen = MoneyField(_("应付金额"), default=0)
    paid_fen = MoneyField(_("实付金额"), default=0)
    refunded_fen = MoneyField(_("已退款"), default=0)

    # The address as it was when the order was placed.
    recipient = models.CharField(_("收货人"), max_length=32)
    phone = models.CharField(_("手机号"), max_length=20, db_index=True)
    province = models.CharField(_("省"), max_length=32)
    city = models.CharField(_("市"), max_length=32)
    district = models.CharField(_("区/县"), max_length=32, blank=True)
    address_detail = models.CharField(_("详细地址"), max_length=255)

    remark = models.CharField(_("买家留言"), max_length=200, blank=True)
    # Where the shopper came from (the last valid signed touch before placing, orders/middleware.py):
    # plain values, never a key into the app that made the link.
    channel_code = models.CharField(_("来源渠道"), max_length=32, blank=True, db_index=True)
    referrer_code = models.CharField(_("推荐人"), max_length=32, blank=True, db_index=True)
    attributed_at = models.DateTimeField(_("来源时间"), null=True, blank=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=64, blank=True, editable=False)
    request_fingerprint = models.CharField(_("请求指纹"), max_length=64, blank=True, editable=False)

    pay_deadline = models.DateTimeField(_("支付截止时间"))
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("发货时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    auto_complete_at = models.DateTimeField(_("自动确认收货时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "shop", "-created_at"], name="order_shopper_list"),
            models.Index(fields=["shop", "status", "-created_at"], name="order_merchant_list"),
            models.Index(fields=["status", "pay_deadline"], name="order_expiry"),
            models.Index(fields=["status", "auto_complete_at"], name="order_auto_complete"),
            # the merchant's order desk (admin: newest first, its date hierarchy's first and last)
            models.Index(fields=["shop", "-created_at", "-id"], name="order_shop_recent"),
            # the report rollup by day (docs/analytics.md; made by analytics/0002 before orders/0011)
            models.Index(fields=["created_at"], name="analytics_order_created"),
            models.Index(fields=["paid_at"], name="analytics_order_paid"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"], condition=~Q(idempotency_key=""), name="order_idempotency"
            ),
            models.CheckConstraint(
                condition=Q(refunded_fen__lte=models.F("paid_fen")), name="order_refund_le_paid"
            ),
            models.CheckConstraint(condition=Q(total_fen__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=Q(discount_fen__gte=0, discount_fen__lte=models.F("goods_fen")),
                name="order_discount_within_goods",
            ),
        ]

    def __str__(self) -> str:
        return self.order_no

    @property
    def full_address(self) -> str:
        city = "" if self.city == self.province else self.city  # 上海市黄浦区, not 上海市上海市黄浦区
        return f"{self.province}{city}{self.district}{self.address_detail}"

    @property
    def refundable_fen(self) -> int:
        return self.paid_fen - self.refunded_fen


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("订单"))
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    product_id_snapshot = models.BigIntegerField(_("商品ID"))
    title = models.CharField(_("商品名称"), max_length=120)
    spec_text = models.CharField(_("规格"), max_length=255, blank=True)
    sku_code = models.CharField(_("商品编码"), max_length=64, blank=True)
    image = models.CharField(_("图片"), max_length=255, blank=True)  # storage name of the list thumbnail
    unit_price_fen = MoneyField(_("单价"))
    quantity = models.PositiveIntegerField(_("数量"))
    total_fen = MoneyField(_("小计"))
    # This line's share of the order's discount (orders/pricing.py allocates it; the lines add up
    # to Order.discount_fen), so a refund of some lines can give back what they were charged.
    discount_fen = MoneyField(_("分摊优惠"), default=0)

    class Meta:
        verbose_name = _("订单商品")
        verbose_name_plural = _("订单商品")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(discount_fen__gte=0, discount_fen__lte=models.F("total_fen")),
                name="order_line_discount_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.spec_text} × {self.quantity}"

    @property
    def image_url(self) -> str:
        from django.core.files.storage import default_storage

        return default_storage.url(self.image) if self.image else ""


class OrderDiscount(models.Model):
    """One discount line of an order, as a pricing rule gave it at checkout (orders/pricing.py):
    what it was (``code``, the shopper's ``label``), how much, and what it consumed (``ref``, e.g.
    ``coupon:12``). The lines add up to ``Order.discount_fen``; ``allocation`` is each SKU's share
    (``{"<sku id>": fen}``), whose sums per SKU are the lines' ``OrderLine.discount_fen``."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="discounts", verbose_name=_("订单")
    )
    code = models.CharField(_("规则"), max_length=32)
    label = models.CharField(_("名称"), max_length=64)
    amount_fen = MoneyField(_("优惠金额"))
    ref = models.CharField(_("使用了"), max_length=64, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    allocation = models.JSONField(_("分摊"), default=dict, blank=True)

    class Meta:
        verbose_name = _("订单优惠")
        verbose_name_plural = _("订单优惠")
        ordering = ["id"]
        indexes = [models.Index(fields=["shop", "code", "ref"], name="order_discount_ref")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="order_discount_positive"),
        ]

    def __str__(self) -> str:
        return self.label


class OrderEvent(TransitionEvent):
    """One entry of an order's timeline: who did what, when, and the status before and after."""

    class Type(models.TextChoices):
        PLACED = "placed", _("下单")
        PAID = "paid", _("已支付")
        CANCELLED = "cancelled", _("已取消")
        EXPIRED = "expired", _("超时未支付，已自动取消")
        SHIPPED = "shipped", _("已发货")
        TRACKING = "tracking", _("物流更新")
        DELIVERED = "delivered", _("已签收")
        RECEIVED = "received", _("确认收货")
        COMPLETED = "completed", _("交易完成")
        REFUND_REQUESTED = "refund_requested", _("申请售后")
        REFUND_APPROVED = "refund_approved", _("售后已同意")
        REFUND_REJECTED = "refund_rejected", _("售后被拒绝")
        REFUND_WITHDRAWN = "refund_withdrawn", _("售后已撤销")
        REFUNDED = "refunded", _("已退款")
        REFUND_FAILED = "refund_failed", _("退款失败")
        # a return (退货退款), step by step (orders/after_sale_state.py)
        RETURN_APPROVED = "return_approved", _("同意退货")
        RETURN_ADDRESS = "return_address", _("退货地址已提供")
        RETURN_SHIPPED = "return_shipped", _("已寄回商品")
        RETURN_RECEIVED = "return_received", _("商家已收到退货")
        RETURN_REJECTED = "return_rejected", _("验货未通过")
        AFTER_SALE_CLOSED = "after_sale_closed", _("售后已关闭")
        CLOSED = "closed", _("订单关闭")
        NOTE = "note", _("备注")

    class Actor(models.TextChoices):
        SHOPPER = "shopper", _("顾客")
        MERCHANT = "merchant", _("商家")
        SYSTEM = "system", _("系统")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("订单"))
    type = models.CharField(_("事件"), max_length=32, choices=Type.choices)
    actor_kind = models.CharField(_("操作方"), max_length=16, choices=Actor.choices)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True, choices=OrderStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True, choices=OrderStatus.choices)
    message = models.CharField(_("说明"), max_length=255, blank=True)

    class Meta(TransitionEvent.Meta):
        verbose_name = _("订单动态")
        verbose_name_plural = _("订单动态")

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.message}".strip()


class Carrier(models.TextChoices):
    SF = "sf", _("顺丰速运")
    ZTO = "zto", _("中通快递")
    YTO = "yto", _("圆通速递")
    STO = "sto", _("申通快递")
    YUNDA = "yunda", _("韵达快递")
    JD = "jd", _("京东物流")
    EMS = "ems", _("邮政 EMS")
    OTHER = "other", _("其他")


class Shipment(TimeStampedModel):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="shipment", verbose_name=_("订单")
    )
    carrier = models.CharField(_("快递公司"), max_length=16, choices=Carrier.choices)
    carrier_name = models.CharField(
        _("快递公司名称"), max_length=32, blank=True, help_text=_("选择“其他”时填写")
    )
    tracking_no = models.CharField(_("运单号"), max_length=40)
    shipped_at = models.DateTimeField(_("发货时间"), default=timezone.now)
    delivered_at = models.DateTimeField(_("签收时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("物流")
        verbose_name_plural = _("物流")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "carrier", "tracking_no"], name="shipment_unique_tracking"
            )
        ]

    def __str__(self) -> str:
        return f"{self.carrier_label} {self.tracking_no}"

    @property
    def carrier_label(self) -> str:
        return (
            self.carrier_name
            if self.carrier == Carrier.OTHER and self.carrier_name
            else self.get_carrier_display()
        )


class TrackingEvent(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", _("商家录入")
        PUSH = "push", _("物流推送")

    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="tracking_events", verbose_name=_("物流")
    )
    occurred_at = models.DateTimeField(_("时间"))
    description = models.CharField(_("物流信息"), max_length=255)
    location = models.CharField(_("地点"), max_length=64, blank=True)
    is_signed = models.BooleanField(_("已签收"), default=False)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    fingerprint = models.CharField(_("去重指纹"), max_length=64)  # de-duplicates repeated pushes
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("物流轨迹")
        verbose_name_plural = _("物流轨迹")
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "fingerprint"], name="tracking_event_unique")
        ]

    def __str__(self) -> str:
        return self.description


class AfterSale(TimeStampedModel):
    """A shopper's request for a refund (仅退款) or a return and refund (退货退款).

    A return's steps (orders/after_sale_state.py): approved → the shop's return address is shown
    (copied here, ``return_*``) and the shopper has until ``ship_back_by`` to send the parcel
    (``return_carrier``/``return_tracking_no``, ``returned_at``); the merchant then has until
    ``receive_by`` to confirm it arrived (``received_at``: the refund is sent) or refuse the goods."""

    class Kind(models.TextChoices):
        REFUND_ONLY = "refund_only", _("仅退款")
        RETURN_REFUND = "return_refund", _("退货退款")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待处理")
        AWAITING_RETURN = "awaiting_return", _("待寄回")
        RETURNING = "returning", _("待商家收货")
        REFUNDING = "refunding", _("退款中")
        REFUNDED = "refunded", _("已退款")
        REJECTED = "rejected", _("已拒绝")
        RETURN_REJECTED = "return_rejected", _("验货未通过")
        WITHDRAWN = "withdrawn", _("已撤销")
        CLOSED = "closed", _("已关闭")
        FAILED = "failed", _("退款失败")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="after_sales", verbose_name=_("订单")
    )
    after_sale_no = models.CharField(
        _("售后单号"), max_length=32, unique=True, default=new_order_no, editable=False
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    reason = models.CharField(_("原因"), max_length=200)
    amount_fen = MoneyField(_("退款金额"))
    # The part of amount_fen that gives back shipping; the rest is the lines' (AfterSaleLine), split
    # when the refund is reserved (orders/refund_split.py).
    shipping_fen = MoneyField(_("退运费"), default=0)
    reject_reason = models.CharField(_("拒绝原因"), max_length=200, blank=True)
    respond_by = models.DateTimeField(_("商家处理截止"), null=True, blank=True)
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("退款时间"), null=True, blank=True)

    # A return (退货退款): where the parcel goes (the shop's return address when it was approved),
    # what the shopper sent, and the deadlines of the steps that follow.
    return_name = models.CharField(_("退货收件人"), max_length=32, blank=True)
    return_phone = models.CharField(_("退货联系电话"), max_length=20, blank=True)
    return_address = models.CharField(_("退货地址"), max_length=255, blank=True)
    ship_back_by = models.DateTimeField(_("寄回截止"), null=True, blank=True)
    return_carrier = models.CharField(_("退货快递公司"), max_length=16, choices=Carrier.choices, blank=True)
    return_carrier_name = models.CharField(_("退货快递公司名称"), max_length=32, blank=True)
    return_tracking_no = models.CharField(_("退货运单号"), max_length=40, blank=True)
    returned_at = models.DateTimeField(_("寄回时间"), null=True, blank=True)
    receive_by = models.DateTimeField(_("商家收货截止"), null=True, blank=True)
    received_at = models.DateTimeField(_("商家收货时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("售后")
        verbose_name_plural = _("售后")
        ordering = ["-created_at", "-id"]
        indexes = [  # the deadline jobs (orders/services/returns.py)
            models.Index(fields=["status", "respond_by"], name="after_sale_respond_due"),
            models.Index(fields=["status", "ship_back_by"], name="after_sale_ship_back_due"),
            models.Index(fields=["status", "receive_by"], name="after_sale_receive_due"),
            # the report rollup by day (docs/analytics.md; made by analytics/0002 before orders/0011)
            models.Index(fields=["refunded_at"], name="analytics_aftersale_refunded"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="after_sale_amount_positive"),
            models.CheckConstraint(
                condition=Q(shipping_fen__gte=0, shipping_fen__lte=models.F("amount_fen")),
                name="after_sale_shipping_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return gettext("售后单 %(no)s") % {"no": self.after_sale_no}

    @property
    def is_return(self) -> bool:
        return self.kind == self.Kind.RETURN_REFUND

    @property
    def return_carrier_label(self) -> str:
        if self.return_carrier == Carrier.OTHER and self.return_carrier_name:
            return self.return_carrier_name
        return str(self.get_return_carrier_display()) if self.return_carrier else ""


class AfterSaleLine(models.Model):
    """What one after-sale gives back of one order line (orders/refund_split.py): ``quantity``
    units (0: money only, no units), ``amount_fen`` of the line's paid share, and ``discount_fen``,
    the part of the line's discount (``OrderLine.discount_fen``) the refund gives up. An
    after-sale's lines and its ``shipping_fen`` add up to its ``amount_fen``; those of the
    after-sales refunding or refunded never exceed a line's units or paid share."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    after_sale = models.ForeignKey(
        AfterSale, on_delete=models.CASCADE, related_name="lines", verbose_name=_("售后")
    )
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.CASCADE, related_name="after_sale_lines", verbose_name=_("订单商品")
    )
    quantity = models.PositiveIntegerField(_("退货数量"), default=0)
    amount_fen = MoneyField(_("退款金额"), default=0)
    discount_fen = MoneyField(_("分摊优惠"), default=0)
    # A return's units the merchant said may be sold again when the parcel arrived: they went back
    # into the SKU's stock (the rest did not).
    restocked_quantity = models.PositiveIntegerField(_("退回库存数量"), default=0)

    class Meta:
        verbose_name = _("售后商品")
        verbose_name_plural = _("售后商品")
        ordering = ["order_line_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["after_sale", "order_line"], name="after_sale_line_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0, amount_fen__gte=0, discount_fen__gte=0),
                name="after_sale_line_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0) | Q(amount_fen__gt=0), name="after_sale_line_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(restocked_quantity__lte=models.F("quantity")),
                name="after_sale_line_restock_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        line = self.order_line
        item = f"{line.title} {line.spec_text}".strip()
        if self.quantity:
            item = f"{item} × {self.quantity}"
        return gettext("%(item)s 退 %(amount)s") % {"item": item, "amount": format_yuan(self.amount_fen)}


class AfterSalePhoto(models.Model):
    """A photo of an after-sale: the shopper's with the request, or the merchant's when refusing
    returned goods (``by``)."""

    class By(models.TextChoices):
        SHOPPER = "shopper", _("顾客")
        MERCHANT = "merchant", _("商家")

    after_sale = models.ForeignKey(
        AfterSale, on_delete=models.CASCADE, related_name="photos", verbose_name=_("售后")
    )
    image = ImageUploadField(_("照片"), upload_to="after_sales/%Y/%m/")
    by = models.CharField(_("上传方"), max_length=16, choices=By.choices, default=By.SHOPPER)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("售后照片")
        verbose_name_plural = _("售后照片")

    def __str__(self) -> str:
        return gettext("售后照片 %(n)s") % {"n": self.pk or ""}


class ShippingRegionFee(models.Model):
    """A per-province shipping fee that overrides the shop's flat fee (e.g. 新疆, 西藏), matched by
    the province's division code. ``province`` is the name, copied from the code on save; a row
    migrated from a name that matched no province keeps that name with no code (it matches no
    address) until the merchant picks the province."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="region_fees", verbose_name=_("店铺")
    )
    province_code = models.CharField(_("省份"), max_length=6, choices=regions.province_choices, blank=True)
    province = models.CharField(_("省份名称"), max_length=32, blank=True, editable=False)
    fee_fen = MoneyField(_("运费"))
    free_shipping_applies = models.BooleanField(_("满额包邮也适用"), default=False)

    class Meta:
        verbose_name = _("地区运费")
        verbose_name_plural = _("地区运费")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "province_code"],
                condition=~Q(province_code=""),
                name="region_fee_unique_code",
            )
        ]

    def __str__(self) -> str:
        return self.province

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.province_code:
            self.province = regions.name(self.province_code)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "province"}
        super().save(*args, **kwargs)


class AfterSaleEvent(TransitionEvent):
    """One step of an after-sale's own history (its status before and after, who, why), written
    by ``orders.after_sale_state`` together with the entry on the order's timeline."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    after_sale = models.ForeignKey(
        AfterSale, on_delete=models.CASCADE, related_name="events", verbose_name=_("售后")
    )
    from_status = models.CharField(_("原状态"), max_length=16, choices=AfterSale.Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=AfterSale.Status.choices)
    actor_kind = models.CharField(_("操作方"), max_length=16, choices=OrderEvent.Actor.choices)
    message = models.CharField(_("说明"), max_length=255, blank=True)

    class Meta(TransitionEvent.Meta):
        verbose_name = _("售后记录")
        verbose_name_plural = _("售后记录")

    def __str__(self) -> str:
        return f"{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"


class ReturnSettings(TimeStampedModel):
    """A shop's return settings (one row per shop; without one the defaults hold and the return
    address is the shop's 经营地址): where returned parcels go, and how long each side has. How
    long the merchant has to answer a request is the shop's ``after_sale_response_hours``."""

    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, related_name="return_settings", verbose_name=_("店铺")
    )
    recipient = models.CharField(_("退货收件人"), max_length=32, blank=True)
    phone = models.CharField(
        _("退货联系电话"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^[0-9+\-() ]{5,20}$", _("请填写正确的电话号码（数字、空格、+、-）。"))],
    )
    address = models.CharField(
        _("退货地址"), max_length=255, blank=True, help_text=_("省市区和详细地址，顾客退货时寄到这里。")
    )
    ship_back_days = models.PositiveSmallIntegerField(
        _("寄回期限（天）"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("同意退货后，顾客须在多少天内寄回商品并填写物流单号；超时未寄回，售后申请自动关闭。"),
    )
    receive_days = models.PositiveSmallIntegerField(
        _("验收期限（天）"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("顾客寄出退货后，商家须在多少天内确认收货或拒绝；超时系统自动确认收货并退款。"),
    )

    class Meta:
        verbose_name = _("退货设置")
        verbose_name_plural = _("退货设置")

    def __str__(self) -> str:
        return gettext("%(shop)s 的退货设置") % {"shop": self.shop}
