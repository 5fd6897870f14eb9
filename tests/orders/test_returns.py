"""Returns that return (退货退款): approved → the return address is shown → the shopper enters the
parcel → the merchant confirms it arrived (resellable units back in stock) and only then is the
refund sent — or refuses the goods with a reason and photos, and the order stays as it was."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from catalog.models import SKU, Product
from core.errors import ApplicationError
from orders import services
from orders.after_sale_state import after_sale_transition
from orders.locks import order_and_after_sale_lock
from orders.models import (
    AfterSale,
    AfterSaleEvent,
    AfterSalePhoto,
    Order,
    OrderEvent,
    OrderStatus,
    ReturnSettings,
)
from payments.models import Refund
from tests.factories import AddressFactory, ShopperFactory, make_product

S = AfterSale.Status
E = OrderEvent.Type


def photo(name: str = "验货.png", size: int = 200) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (30, 120, 200)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def shipped_order(shop, *, quantity: int = 2, price_fen: int = 5000, stock: int = 10) -> Order:
    """A paid and shipped order of ``quantity`` units of one SKU (``stock`` before the order)."""
    address = AddressFactory()
    sku = make_product(shop=shop, title="卫衣", price_fen=price_fen, stock=stock).skus.get()
    order = services.order_place(
        shop=shop, user=address.user, items=[(sku.pk, quantity)], address_id=address.pk
    )
    services.order_mark_paid(order=order, amount_fen=order.total_fen)
    services.order_ship(
        shop=shop, order_no=order.order_no, carrier="sf", tracking_no=f"SF{order.pk:08d}", actor=None
    )
    return Order.objects.get(pk=order.pk)


def ask_return(order: Order, *, quantity: int = 2) -> AfterSale:
    return services.after_sale_request(
        order=order, user=order.user, kind=AfterSale.Kind.RETURN_REFUND, reason="尺码不合适",
        lines=[(order.lines.get().pk, quantity)],
    )  # fmt: skip


def approve(after_sale: AfterSale, **kwargs) -> AfterSale:
    return services.after_sale_approve(
        shop=after_sale.shop, after_sale_no=after_sale.after_sale_no, actor=None, **kwargs
    )


def ship_back(
    after_sale: AfterSale, *, carrier: str = "zto", tracking_no: str = "ZT7700112233", **kwargs
) -> AfterSale:
    order = Order.objects.get(pk=after_sale.order_id)
    return services.after_sale_return_ship(
        order=order, user=order.user, after_sale_no=after_sale.after_sale_no, carrier=carrier,
        tracking_no=tracking_no, **kwargs,
    )  # fmt: skip


def timeline(order: Order) -> list[str]:
    return list(order.events.order_by("pk").values_list("type", flat=True))


def sku_of(order: Order) -> SKU:
    return SKU.objects.get(pk=order.lines.get().sku_id)


@pytest.fixture
def order(shop_a):
    return shipped_order(shop_a)


def test_a_return_is_refunded_only_once_the_goods_are_received(shop_a, merchant_a, order):
    sku = sku_of(order)
    stock, sales = sku.stock, sku.sales_count
    assert (stock, sales) == (8, 2)
    asked = ask_return(order)

    approved = services.after_sale_approve(shop=shop_a, after_sale_no=asked.after_sale_no, actor=merchant_a)
    assert approved.status == S.AWAITING_RETURN
    # the shop's return address (its 经营地址: no 退货设置 yet), copied onto the request
    assert (approved.return_name, approved.return_phone, approved.return_address) == (
        shop_a.name, shop_a.service_phone, shop_a.business_address,
    )  # fmt: skip
    assert approved.ship_back_by == approved.handled_at + timedelta(days=7)
    assert not Refund.objects.filter(after_sale=asked).exists()

    shipped = ship_back(asked, tracking_no=" ZT 7700 1122 33 ")
    assert shipped.status == S.RETURNING
    assert (shipped.return_carrier, shipped.return_tracking_no, shipped.return_carrier_label) == (
        "zto", "ZT7700112233", "中通快递",
    )  # fmt: skip
    assert shipped.receive_by == shipped.returned_at + timedelta(days=10)
    assert not Refund.objects.filter(after_sale=asked).exists()
    order.refresh_from_db()
    assert order.refunded_fen == 0

    received = services.after_sale_return_receive(
        shop=shop_a, after_sale_no=asked.after_sale_no, actor=merchant_a, restock={order.lines.get().pk: 1}
    )
    assert received.status == S.REFUNDED and received.received_at is not None
    assert Refund.objects.filter(after_sale=asked).count() == 1
    order.refresh_from_db()
    assert order.refunded_fen == order.paid_fen and order.status == OrderStatus.CLOSED
    sku.refresh_from_db()
    assert sku.stock == stock + 1  # one unit resellable, the other not
    assert sku.sales_count == sales - 2  # both units came back: the sale was undone
    assert Product.objects.get(pk=sku.product_id).stock_total == stock + 1
    assert asked.lines.get().restocked_quantity == 1
    assert timeline(order)[-6:] == [
        E.REFUND_REQUESTED, E.RETURN_APPROVED, E.RETURN_SHIPPED, E.RETURN_RECEIVED, E.REFUNDED, E.CLOSED,
    ]  # fmt: skip
    moves = list(
        AfterSaleEvent.objects.filter(after_sale=asked).order_by("pk").values_list("to_status", "actor_kind")
    )
    assert moves == [
        (S.REQUESTED, "shopper"), (S.AWAITING_RETURN, "merchant"), (S.RETURNING, "shopper"),
        (S.REFUNDING, "merchant"), (S.REFUNDED, "system"),
    ]  # fmt: skip
    shipped_event = order.events.get(type=E.RETURN_SHIPPED)
    assert (
        shipped_event.message == "中通快递 ZT7700112233"
        and shipped_event.data["tracking_no"] == "ZT7700112233"
    )


def test_the_state_machine_never_refunds_a_return_before_receipt(shop_a, order):
    asked = ask_return(order)
    with transaction.atomic():
        locked_order, locked = order_and_after_sale_lock(order_id=order.pk, pk=asked.pk)
        with pytest.raises(ApplicationError) as err:
            after_sale_transition(
                after_sale=locked, order=locked_order, to=S.REFUNDING, actor_kind="merchant"
            )
    assert err.value.code == "after_sale_not_pending"
    approve(asked)
    with pytest.raises(ApplicationError) as err:  # waiting for the parcel: no receipt yet
        services.after_sale_return_receive(shop=shop_a, after_sale_no=asked.after_sale_no, actor=None)
    assert err.value.code == "after_sale_not_pending" and "待寄回" in err.value.message
    asked.refresh_from_db()
    assert asked.status == S.AWAITING_RETURN and not Refund.objects.exists()


def test_the_return_settings_give_the_address_and_the_periods(shop_a, order):
    ReturnSettings.objects.create(
        shop=shop_a, recipient="王仓管", phone="13800001111", address="浙江省杭州市余杭区仓前街道 8 号 退货组",
        ship_back_days=3, receive_days=5,
    )  # fmt: skip
    asked = approve(ask_return(order))
    assert (asked.return_name, asked.return_phone, asked.return_address) == (
        "王仓管", "13800001111", "浙江省杭州市余杭区仓前街道 8 号 退货组",
    )  # fmt: skip
    assert asked.ship_back_by == asked.handled_at + timedelta(days=3)
    assert "前寄回商品" in order.events.get(type=E.RETURN_APPROVED).message
    shipped = ship_back(asked)
    assert shipped.receive_by == shipped.returned_at + timedelta(days=5)
    # a later change of the address does not move a parcel already told where to go
    ReturnSettings.objects.filter(shop=shop_a).update(address="新地址")
    shipped.refresh_from_db()
    assert shipped.return_address.startswith("浙江省")


def test_a_merchant_cannot_approve_a_return_without_an_address(shop_a):
    shop_a.business_address = ""
    shop_a.save(update_fields=["business_address"])
    order = shipped_order(shop_a)
    asked = ask_return(order)
    with pytest.raises(ApplicationError) as err:
        approve(asked)
    assert err.value.code == "return_address_missing" and "退货设置" in err.value.message
    asked.refresh_from_db()
    assert asked.status == S.REQUESTED and order.events.filter(type=E.RETURN_APPROVED).count() == 0


def test_a_return_must_say_which_goods_come_back(shop_a, order):
    with pytest.raises(ApplicationError) as err:
        services.after_sale_request(
            order=order, user=order.user, kind=AfterSale.Kind.RETURN_REFUND, reason="不要了", amount_fen=1000
        )
    assert err.value.code == "return_lines_required" and "lines" in err.value.fields
    assert not AfterSale.objects.exists()


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"carrier": "", "tracking_no": "SF123456789"}, "return_carrier_invalid", "carrier"),
        ({"carrier": "dhl", "tracking_no": "SF123456789"}, "return_carrier_invalid", "carrier"),
        ({"carrier": "other", "tracking_no": "SF123456789"}, "return_carrier_invalid", "carrier_name"),
        ({"carrier": "sf", "tracking_no": ""}, "return_tracking_invalid", "tracking_no"),
        ({"carrier": "sf", "tracking_no": "12345"}, "return_tracking_invalid", "tracking_no"),
        ({"carrier": "sf", "tracking_no": "SF12345678<script>"}, "return_tracking_invalid", "tracking_no"),
        ({"carrier": "sf", "tracking_no": "顺丰123456789"}, "return_tracking_invalid", "tracking_no"),
        ({"carrier": "sf", "tracking_no": "1" * 41}, "return_tracking_invalid", "tracking_no"),
    ],
)
def test_a_bad_parcel_is_refused_with_its_field_and_changes_nothing(shop_a, order, fields, code, field):
    asked = approve(ask_return(order))
    with pytest.raises(ApplicationError) as err:
        ship_back(asked, **fields)
    assert err.value.code == code and field in err.value.fields and err.value.http_status == 400
    asked.refresh_from_db()
    assert asked.status == S.AWAITING_RETURN and asked.return_tracking_no == ""
    assert not order.events.filter(type=E.RETURN_SHIPPED).exists()


def test_another_carrier_needs_its_name(shop_a, order):
    shipped = ship_back(
        approve(ask_return(order)), carrier="other", carrier_name="德邦快递", tracking_no="DPK-20261201"
    )
    assert shipped.return_carrier_label == "德邦快递" and shipped.return_tracking_no == "DPK-20261201"
    # a name sent with a listed carrier is not kept
    other = shipped_order(shop_a)
    shipped = ship_back(
        approve(ask_return(other)), carrier="sf", carrier_name="乱写", tracking_no="SF1234567"
    )
    assert shipped.return_carrier_name == "" and shipped.return_carrier_label == "顺丰速运"


def test_the_parcel_can_be_entered_once_only_while_waiting_and_not_late(shop_a, order):
    asked = ask_return(order)
    with pytest.raises(ApplicationError) as err:  # not approved yet
        ship_back(asked)
    assert err.value.code == "after_sale_not_pending"
    approve(asked)
    AfterSale.objects.filter(pk=asked.pk).update(ship_back_by=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ApplicationError) as err:
        ship_back(asked)
    assert err.value.code == "return_ship_overdue" and err.value.http_status == 409
    AfterSale.objects.filter(pk=asked.pk).update(ship_back_by=timezone.now() + timedelta(days=1))
    ship_back(asked)
    with pytest.raises(ApplicationError) as err:  # twice
        ship_back(asked, tracking_no="YT0000000001")
    assert err.value.code == "after_sale_not_pending"
    asked.refresh_from_db()
    assert asked.return_tracking_no == "ZT7700112233"


def test_only_the_buyer_ships_their_return_and_only_their_shop_acts_on_it(shop_a, shop_b, order):
    asked = approve(ask_return(order))
    stranger = ShopperFactory(username="stranger")
    with pytest.raises(ApplicationError) as err:
        services.after_sale_return_ship(
            order=order,
            user=stranger,
            after_sale_no=asked.after_sale_no,
            carrier="sf",
            tracking_no="SF123456789",
        )
    assert err.value.code == "order_not_found"
    theirs = shipped_order(shop_a)
    with pytest.raises(ApplicationError) as err:  # their own order, someone else's after-sale number
        services.after_sale_return_ship(
            order=theirs,
            user=theirs.user,
            after_sale_no=asked.after_sale_no,
            carrier="sf",
            tracking_no="SF123456789",
        )
    assert err.value.code == "after_sale_not_found"
    ship_back(asked)
    for act in (
        lambda: services.after_sale_return_receive(
            shop=shop_b, after_sale_no=asked.after_sale_no, actor=None
        ),
        lambda: services.after_sale_return_reject(
            shop=shop_b, after_sale_no=asked.after_sale_no, actor=None, reason="不行", photos=[photo()]
        ),
        lambda: services.after_sale_approve(shop=shop_b, after_sale_no=asked.after_sale_no, actor=None),
    ):
        with pytest.raises(ApplicationError) as err:
            act()
        assert err.value.code == "after_sale_not_found"
    asked.refresh_from_db()
    assert asked.status == S.RETURNING and not Refund.objects.exists()


def test_refusing_the_goods_needs_a_reason_and_photos_and_keeps_the_order(shop_a, merchant_a, order):
    asked = ship_back(approve(ask_return(order)))
    stock = sku_of(order).stock
    for reason, photos, code in (
        (" ", [photo()], "reject_reason_required"),
        ("包装内是别的商品", [], "photos_required"),
        ("包装内是别的商品", [photo(f"{i}.png") for i in range(7)], "too_many_photos"),
        (
            "包装内是别的商品",
            [SimpleUploadedFile("x.png", b"not an image", content_type="image/png")],
            "photo_invalid",
        ),
        ("包装内是别的商品", [photo(size=50)], "photo_invalid"),  # under 100 px: the upload rule
    ):
        with pytest.raises(ApplicationError) as err:
            services.after_sale_return_reject(
                shop=shop_a, after_sale_no=asked.after_sale_no, actor=merchant_a, reason=reason, photos=photos
            )
        assert err.value.code == code, reason
    asked.refresh_from_db()
    assert asked.status == S.RETURNING and not asked.photos.exists()

    refused = services.after_sale_return_reject(
        shop=shop_a, after_sale_no=asked.after_sale_no, actor=merchant_a, reason="包装内是别的商品",
        photos=[photo("a.png"), photo("b.png")],
    )  # fmt: skip
    assert refused.status == S.RETURN_REJECTED and refused.reject_reason == "包装内是别的商品"
    assert refused.received_at is not None
    assert list(refused.photos.values_list("by", flat=True)) == [AfterSalePhoto.By.MERCHANT] * 2
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED and order.refunded_fen == 0  # kept as it was
    assert not Refund.objects.exists() and sku_of(order).stock == stock
    event = order.events.get(type=E.RETURN_REJECTED)
    assert event.message == "包装内是别的商品" and event.actor == merchant_a
    with pytest.raises(ApplicationError):  # over: nothing more to do with it
        services.after_sale_return_receive(shop=shop_a, after_sale_no=asked.after_sale_no, actor=merchant_a)
    # the order may take a new request again
    assert services.after_sale_request(
        order=order, user=order.user, kind=AfterSale.Kind.REFUND_ONLY, reason="补偿", amount_fen=100
    )


def test_a_bad_restock_is_refused_and_changes_nothing(shop_a, order):
    asked = ship_back(approve(ask_return(order, quantity=1)))
    line_id = order.lines.get().pk
    stock = sku_of(order).stock
    for restock in ({line_id: 2}, {line_id: -1}, {line_id: "1"}, {line_id + 999: 1}, {"x": 1}):
        with pytest.raises(ApplicationError) as err:
            services.after_sale_return_receive(
                shop=shop_a, after_sale_no=asked.after_sale_no, actor=None, restock=restock
            )
        assert err.value.code == "restock_invalid" and "restock" in err.value.fields, restock
    asked.refresh_from_db()
    assert asked.status == S.RETURNING and not Refund.objects.exists() and sku_of(order).stock == stock


def test_receipt_without_restock_puts_nothing_back(shop_a, order):
    sku = sku_of(order)
    asked = ship_back(approve(ask_return(order, quantity=1)))
    received = services.after_sale_return_receive(shop=shop_a, after_sale_no=asked.after_sale_no, actor=None)
    assert received.status == S.REFUNDED and received.amount_fen == 5000
    order.refresh_from_db()
    assert order.refunded_fen == 5000 and order.status == OrderStatus.SHIPPED  # one of two units back
    assert SKU.objects.get(pk=sku.pk).stock == sku.stock


def test_the_shopper_may_withdraw_until_the_parcel_is_sent(shop_a, order):
    asked = approve(ask_return(order))
    withdrawn = services.after_sale_withdraw(order=order, user=order.user, after_sale_no=asked.after_sale_no)
    assert withdrawn.status == S.WITHDRAWN
    again = approve(ask_return(order))
    ship_back(again)
    with pytest.raises(ApplicationError) as err:
        services.after_sale_withdraw(order=order, user=order.user, after_sale_no=again.after_sale_no)
    assert err.value.code == "after_sale_not_pending"
    assert not Refund.objects.exists()


def test_an_open_return_blocks_a_new_request_and_the_automatic_completion(shop_a, order):
    asked = approve(ask_return(order, quantity=1))
    with pytest.raises(ApplicationError) as err:
        services.after_sale_request(
            order=order, user=order.user, kind=AfterSale.Kind.REFUND_ONLY, reason="x", amount_fen=100
        )
    assert err.value.code == "after_sale_open"
    Order.objects.filter(pk=order.pk).update(auto_complete_at=timezone.now() - timedelta(minutes=1))
    assert services.orders_auto_complete_due() == 0  # waiting for the shopper's parcel
    ship_back(asked)
    assert services.orders_auto_complete_due() == 0  # and for the merchant's receipt
    services.after_sale_return_receive(shop=shop_a, after_sale_no=asked.after_sale_no, actor=None)
    assert services.orders_auto_complete_due() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
