"""Input and output serializers of the shopper's order API (cart, checkout, orders, after-sales)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import StrictBooleanField, StrictIntegerField, photo_ids_field
from core.api.schema import FEN, media_url
from orders.models import AfterSale, Carrier, Order
from orders.services.after_sales import PHOTOS_MAX
from orders.services.cart import MAX_LINES, MAX_QUANTITY, too_many_lines_error


class OrderAddressSerializer(serializers.Serializer):
    """The delivery address as copied onto the order (no id: later edits never change it)."""

    recipient = serializers.CharField()
    phone = serializers.CharField()
    province = serializers.CharField()
    city = serializers.CharField()
    district = serializers.CharField()
    detail = serializers.CharField()


class ItemListSerializer(serializers.ListSerializer):
    """At most ``MAX_LINES`` lines, counted before any line is parsed: ``too_many_lines``, as the
    service says it."""

    def to_internal_value(self, data: Any) -> list[dict[str, Any]]:
        if isinstance(data, list) and len(data) > MAX_LINES:
            raise too_many_lines_error()
        return super().to_internal_value(data)


class ItemInSerializer(serializers.Serializer):
    sku_id = StrictIntegerField(min_value=1)
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)

    class Meta:
        list_serializer_class = ItemListSerializer


class QuantitySerializer(serializers.Serializer):
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY)


class CartItemSerializer(serializers.Serializer):
    """One line of ``selectors.cart_summary``."""

    id = serializers.IntegerField(source="item.pk")
    sku_id = serializers.IntegerField(source="item.sku_id")
    product_id = serializers.IntegerField(source="item.sku.product_id")
    title = serializers.CharField(source="item.sku.product.title")
    spec_text = serializers.CharField(source="item.sku.spec_text")
    price_fen = serializers.IntegerField(source="item.sku.price_fen", help_text=FEN)
    quantity = serializers.IntegerField(source="item.quantity")
    stock = serializers.IntegerField(source="item.sku.stock")
    available = serializers.BooleanField(
        source="ok", help_text="False when sold out, off shelf, the spec is retired or stock is short."
    )
    problem = serializers.CharField(help_text="Why this line cannot be bought now (empty if it can).")
    image = serializers.SerializerMethodField()

    def get_image(self, line) -> str | None:
        image = line.item.sku.image or line.item.sku.product.cover
        return self.context["request"].build_absolute_uri(image.list_url) if image else None


class CartSerializer(serializers.Serializer):
    items = CartItemSerializer(many=True, source="lines")
    goods_fen = serializers.IntegerField(
        help_text=f"Sum over available items: what checkout from the cart buys. {FEN}"
    )


class GroupBuyOptionSerializer(serializers.Serializer):
    """Buy at a group-buy's price: open a group (``group_no`` null) or join one."""

    activity_id = StrictIntegerField(min_value=1, help_text="The group-buy activity (`group-buys/`).")
    group_no = serializers.CharField(
        required=False, allow_null=True, max_length=32,
        help_text="The group to join (from its share link); null or omitted: open a new group.",
    )  # fmt: skip


class CheckoutInSerializer(serializers.Serializer):
    items = ItemInSerializer(  # type: ignore[call-arg]  # many=True: a ListSerializer, which takes max_length
        many=True, required=False, max_length=MAX_LINES,
        help_text=f"What to buy (at most {MAX_LINES} lines; a repeated SKU is added up); "
        "default: the cart's available items.",
    )  # fmt: skip
    address_id = StrictIntegerField(required=False, min_value=1)
    remark = serializers.CharField(required=False, allow_blank=True, max_length=200)
    coupon_claim_id = StrictIntegerField(
        required=False, allow_null=True, min_value=1,
        help_text="The shop coupon to use: one of my claims (`coupons/mine/`). Omitted: the best usable one "
        "is chosen; null: no coupon. A claim that cannot be used is refused with its code "
        "(`coupon_not_found`, `coupon_expired`, `coupon_not_started`, `coupon_threshold_not_met`, "
        "`coupon_not_applicable`, `coupon_used`).",
    )  # fmt: skip
    group_buy = GroupBuyOptionSerializer(
        required=False,
        help_text="Buy the one line of `items` at a group-buy's price (发起拼团 / 参团): see the group-buy "
        "endpoints. A group-buy order takes no coupon: omit `coupon_claim_id` (or send null).",
    )
    use_points = StrictBooleanField(
        required=False,
        help_text="Pay part of the goods with my points (the shop's 积分抵扣, see `member/`): true uses as many as "
        "the shop allows (its share of the goods after the other discounts, in whole steps of its points-per-yuan "
        "rate), computed by the server; omitted or false: none. The preview's `choices` says what it would take off. "
        "Placing refuses with `points_insufficient` (409) when the points were spent meanwhile.",
    )


class PreviewLineSerializer(serializers.Serializer):
    sku_id = serializers.IntegerField(source="sku.pk")
    title = serializers.CharField(source="sku.product.title")
    spec_text = serializers.CharField(source="sku.spec_text")
    unit_price_fen = serializers.IntegerField()
    quantity = serializers.IntegerField()
    total_fen = serializers.IntegerField()
    problem = serializers.CharField(help_text="Why this line cannot be bought now (empty if it can).")


class DiscountSerializer(serializers.Serializer):
    """One discount line given by a pricing rule (a coupon, a flash price, …)."""

    code = serializers.CharField(help_text="The rule that gave it (stable, machine-readable).")
    label = serializers.CharField(  # type: ignore[assignment]  # a declared field, not Field.label
        help_text="What the shopper reads, e.g. 满 100 减 10."
    )
    amount_fen = serializers.IntegerField(help_text=FEN)
    ref = serializers.CharField(help_text="What it used, e.g. `coupon_claim:12` (the claim id of a coupon).")


class CheckoutChoiceSerializer(serializers.Serializer):
    """A switch a pricing rule offers at this checkout (积分抵扣)."""

    option = serializers.CharField(help_text="What the switch turns on: `points` is the `use_points` field.")
    label = serializers.CharField(  # type: ignore[assignment]  # a declared field, not Field.label
        help_text="What the shopper reads, e.g. 积分抵扣."
    )
    detail = serializers.CharField(help_text="E.g. 可用 1200 积分，本单可抵 ¥12.")
    chosen = serializers.BooleanField(help_text="On for this checkout.")
    available = serializers.BooleanField(help_text="False: it cannot be switched on (no points to use).")


class PreviewSerializer(serializers.Serializer):
    lines = PreviewLineSerializer(many=True)
    goods_fen = serializers.IntegerField()
    shipping_fen = serializers.IntegerField()
    discount_fen = serializers.IntegerField(help_text=f"The sum of `discounts`. {FEN}")
    discounts = DiscountSerializer(many=True, help_text="Empty when no rule applies.")
    total_fen = serializers.IntegerField()
    problems = serializers.ListField(child=serializers.CharField())
    choices = CheckoutChoiceSerializer(
        many=True, help_text="Switches the shop's rules offer (积分抵扣); may be empty."
    )


class OrderLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The line's id: `line_id` of an after-sales request.")
    sku_id = serializers.IntegerField()
    product_id = serializers.IntegerField(source="product_id_snapshot")
    title = serializers.CharField()
    spec_text = serializers.CharField()
    image = serializers.SerializerMethodField()
    unit_price_fen = serializers.IntegerField()
    quantity = serializers.IntegerField()
    total_fen = serializers.IntegerField()

    def get_image(self, line) -> str | None:
        return media_url(self.context["request"], line.image)


class OrderSummarySerializer(serializers.Serializer):
    order_no = serializers.CharField()
    status = serializers.CharField()
    status_text = serializers.CharField(source="get_status_display")
    total_fen = serializers.IntegerField(help_text=FEN)
    created_at = serializers.DateTimeField()
    pay_deadline = serializers.DateTimeField()
    lines = OrderLineSerializer(many=True)


class EventSerializer(serializers.Serializer):
    type = serializers.CharField()
    text = serializers.CharField(source="get_type_display")
    message = serializers.CharField()
    actor = serializers.CharField(source="actor_kind")
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    created_at = serializers.DateTimeField()


class TrackingSerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    description = serializers.CharField()
    location = serializers.CharField()
    is_signed = serializers.BooleanField()


class ShipmentSerializer(serializers.Serializer):
    carrier = serializers.CharField()
    carrier_name = serializers.CharField(source="carrier_label")
    tracking_no = serializers.CharField()
    shipped_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    tracking = TrackingSerializer(many=True, source="tracking_events.all")


class OrderDetailLineSerializer(OrderLineSerializer):
    """A line of one order, with its share of the discount and what refunds gave back of it."""

    discount_fen = serializers.IntegerField(
        help_text=f"The line's share of the order's `discount_fen`. {FEN}"
    )
    paid_fen = serializers.SerializerMethodField(
        help_text=f"`total_fen − discount_fen`: what was paid for it. {FEN}"
    )
    refunded_quantity = serializers.IntegerField(
        source="refund.refunded_quantity", help_text="Units refunded (refunds done)."
    )
    refunded_fen = serializers.IntegerField(
        source="refund.refunded_fen", help_text=f"Money refunded for it (refunds done). {FEN}"
    )
    refundable_quantity = serializers.IntegerField(
        source="refund.refundable_quantity", help_text="Units a new after-sales request may still choose."
    )
    refundable_fen = serializers.IntegerField(
        source="refund.refundable_fen",
        help_text=f"What choosing all `refundable_quantity` units gives back at most (refunds under way count). {FEN}",
    )

    def get_paid_fen(self, line) -> int:
        return int(line.total_fen) - int(line.discount_fen)


class AfterSaleLineSerializer(serializers.Serializer):
    """What one after-sale gives back of one order line."""

    line_id = serializers.IntegerField(source="order_line_id", help_text="The order line's `id`.")
    title = serializers.CharField(source="order_line.title")
    spec_text = serializers.CharField(source="order_line.spec_text")
    quantity = serializers.IntegerField(help_text="Units given back (0: money only, no units).")
    amount_fen = serializers.IntegerField(help_text=f"Money given back for this line. {FEN}")
    discount_fen = serializers.IntegerField(
        help_text=f"The part of the line's discount these units and money stood for (not paid back). {FEN}"
    )


class ReturnAddressSerializer(serializers.Serializer):
    """Where a return goes: the shop's return address when the return was approved."""

    name = serializers.CharField(source="return_name")
    phone = serializers.CharField(source="return_phone")
    address = serializers.CharField(source="return_address")


class ReturnShipmentSerializer(serializers.Serializer):
    """The parcel the shopper sent back."""

    carrier = serializers.CharField(source="return_carrier")
    carrier_name = serializers.CharField(source="return_carrier_label")
    tracking_no = serializers.CharField(source="return_tracking_no")
    shipped_at = serializers.DateTimeField(source="returned_at")


class AfterSaleStepSerializer(serializers.Serializer):
    label = serializers.CharField(  # type: ignore[assignment]  # a declared field, not Field.label
        help_text="The step in the shopper's words (提交申请, 商家同意, 寄回商品, 商家收货, 退款), or, where "
        "the request stopped, its final status (已拒绝, 已关闭, 验货未通过, …)."
    )
    state = serializers.ChoiceField(choices=["done", "current", "todo", "ended"])


DEADLINE_ACTIONS = {
    "auto_approve": "the merchant has not answered: at `deadline` the system approves (`refund_only`: "
    "refunded; `return_refund`: the return address is shown)",
    "auto_close": "the return is approved and nothing was sent back: at `deadline` the request closes",
    "auto_receive": "the parcel is on its way back: at `deadline` the system confirms receipt and refunds",
}


class AfterSaleSerializer(serializers.Serializer):
    """One after-sale (docs/after-sales.md#refunds-and-returns). Statuses: `requested` (待处理),
    `awaiting_return` (待寄回: a return approved, `return_address` shown), `returning` (待商家收货:
    `return_shipment` sent), `refunding`, `refunded`, `rejected`, `return_rejected` (验货未通过),
    `withdrawn`, `closed` (nothing sent back in time), `failed`."""

    after_sale_no = serializers.CharField()
    kind = serializers.CharField(help_text="`refund_only` (仅退款) or `return_refund` (退货退款).")
    kind_text = serializers.CharField(source="get_kind_display")
    status = serializers.ChoiceField(choices=AfterSale.Status.choices)
    status_text = serializers.CharField(source="get_status_display")
    reason = serializers.CharField()
    amount_fen = serializers.IntegerField(help_text=f"The sum of `lines` and `shipping_fen`. {FEN}")
    shipping_fen = serializers.IntegerField(help_text=f"The part that gives back shipping. {FEN}")
    lines = AfterSaleLineSerializer(
        many=True, source="lines.all",
        help_text="Per line, what this refund gives back: the lines the shopper chose; for a request "
        "made as an amount, empty until the merchant approves, then the amount split over the lines.",
    )  # fmt: skip
    reject_reason = serializers.CharField(
        help_text="Why the merchant rejected the request (`rejected`) or the returned goods (`return_rejected`)."
    )
    respond_by = serializers.DateTimeField(
        allow_null=True, help_text="The merchant answers by then, or the system approves the request."
    )
    steps = serializers.SerializerMethodField(help_text="The request's steps, in order.")
    deadline = serializers.SerializerMethodField(
        help_text="When the current step's deadline passes (null: none); see `deadline_action`."
    )
    deadline_action = serializers.SerializerMethodField(
        help_text="What happens at `deadline`: "
        + "; ".join(f"`{code}`: {text}" for code, text in DEADLINE_ACTIONS.items())
        + "; empty with no deadline."
    )
    hint = serializers.SerializerMethodField(help_text="What the shopper reads under the steps (Chinese).")
    return_address = serializers.SerializerMethodField(
        help_text="A return's address, from its approval on (null before, or while the shop has given none)."
    )
    ship_back_by = serializers.DateTimeField(
        allow_null=True, help_text="A return: send the goods back and enter the parcel by then, or it closes."
    )
    return_shipment = serializers.SerializerMethodField(
        help_text="A return's parcel, once sent (null before)."
    )
    receive_by = serializers.DateTimeField(
        allow_null=True,
        help_text="A return: the merchant confirms receipt by then, or the system does and refunds.",
    )
    received_at = serializers.DateTimeField(
        allow_null=True, help_text="When the merchant confirmed receipt of, or refused, the returned goods."
    )
    merchant_photos = serializers.SerializerMethodField(
        help_text="The merchant's photos of refused returned goods (`return_rejected`)."
    )
    created_at = serializers.DateTimeField()

    def _progress(self, after_sale: AfterSale) -> Any:
        from orders.selectors import after_sale_progress

        cache: dict[int, Any] = self.__dict__.setdefault("_progress_cache", {})
        if after_sale.pk not in cache:
            cache[after_sale.pk] = after_sale_progress(after_sale)
        return cache[after_sale.pk]

    @extend_schema_field(AfterSaleStepSerializer(many=True))
    def get_steps(self, after_sale: AfterSale) -> list[dict[str, str]]:
        return [{"label": step.label, "state": step.state} for step in self._progress(after_sale).steps]

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_deadline(self, after_sale: AfterSale) -> str | None:
        deadline = self._progress(after_sale).deadline
        return serializers.DateTimeField().to_representation(deadline) if deadline else None

    @extend_schema_field(serializers.ChoiceField(choices=["", *DEADLINE_ACTIONS]))
    def get_deadline_action(self, after_sale: AfterSale) -> str:
        return str(self._progress(after_sale).deadline_action)

    def get_hint(self, after_sale: AfterSale) -> str:
        return str(self._progress(after_sale).hint)

    @extend_schema_field(ReturnAddressSerializer(allow_null=True))
    def get_return_address(self, after_sale: AfterSale) -> dict[str, Any] | None:
        if not after_sale.is_return or not after_sale.return_address:
            return None
        return dict(ReturnAddressSerializer(after_sale).data)

    @extend_schema_field(ReturnShipmentSerializer(allow_null=True))
    def get_return_shipment(self, after_sale: AfterSale) -> dict[str, Any] | None:
        return dict(ReturnShipmentSerializer(after_sale).data) if after_sale.return_tracking_no else None

    @extend_schema_field(serializers.ListField(child=serializers.URLField()))
    def get_merchant_photos(self, after_sale: AfterSale) -> list[str]:
        request = self.context["request"]
        return [
            request.build_absolute_uri(photo.image.url)
            for photo in after_sale.photos.all()
            if photo.by == "merchant"
        ]


class ReturnShipmentInSerializer(serializers.Serializer):
    carrier = serializers.ChoiceField(
        choices=Carrier.choices, help_text="The carrier (`other`: give `carrier_name`)."
    )
    carrier_name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="The carrier's name when `carrier` is `other`.",
    )
    tracking_no = serializers.CharField(
        max_length=40, help_text="6–40 letters, digits or `-` (spaces are dropped)."
    )


class OrderDetailSerializer(OrderSummarySerializer):
    lines = OrderDetailLineSerializer(many=True)
    goods_fen = serializers.IntegerField()
    shipping_fen = serializers.IntegerField()
    discount_fen = serializers.IntegerField(help_text=f"The sum of `discounts`. {FEN}")
    discounts = DiscountSerializer(many=True, source="discounts.all", help_text="As given at checkout.")
    paid_fen = serializers.IntegerField()
    refunded_fen = serializers.IntegerField()
    remark = serializers.CharField()
    address = serializers.SerializerMethodField()
    timeline = EventSerializer(many=True, source="events.all")
    shipment = serializers.SerializerMethodField()
    after_sales = AfterSaleSerializer(many=True, source="after_sales.all")

    @extend_schema_field(OrderAddressSerializer)
    def get_address(self, order: Order) -> dict[str, str]:
        return {
            "recipient": order.recipient, "phone": order.phone, "province": order.province, "city": order.city,
            "district": order.district, "detail": order.address_detail,
        }  # fmt: skip

    @extend_schema_field(ShipmentSerializer(allow_null=True))
    def get_shipment(self, order: Order) -> dict[str, Any] | None:
        shipment = getattr(order, "shipment", None)
        return ShipmentSerializer(shipment, context=self.context).data if shipment else None


class AfterSaleLineInSerializer(serializers.Serializer):
    line_id = StrictIntegerField(min_value=1, help_text="An order line's `id`.")
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY, help_text="Units to refund.")

    class Meta:
        list_serializer_class = ItemListSerializer


class AfterSaleInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AfterSale.Kind.choices)
    reason = serializers.CharField(max_length=200)
    lines = AfterSaleLineInSerializer(  # type: ignore[call-arg]  # many=True: a ListSerializer, which takes max_length
        many=True, required=False, max_length=MAX_LINES,
        help_text="What to refund (optional): each line gives back at most what was paid for those units "
        "(`total_fen − discount_fen`, pro rata) and not yet refunded. A line of another order, one chosen "
        "twice or more units than are left: `after_sale_line_invalid`.",
    )  # fmt: skip
    amount_fen = StrictIntegerField(
        min_value=1, required=False,
        help_text="With `lines`: default and most, the lines' refundable sum (plus the shipping fee when they "
        "are everything left of an order not yet shipped). Without `lines` (required then): at most what was "
        f"paid and not yet refunded, split over the lines when approved. {FEN}",
    )  # fmt: skip
    photo_ids = photo_ids_field(most=PHOTOS_MAX)
