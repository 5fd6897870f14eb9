"""Flash sales (promotions/flash/): a session's start moves its units out of the SKU's stock and its
end puts what is left back (once each); while it runs checkout prices its SKUs at the flash price
from those units, with the per-shopper limit across all orders, a shorter pay time and the
refusal codes; a cancelled unpaid order gives its units and count back; coupons see the flash
price."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import SKU
from core.errors import ApplicationError
from orders import jobs
from orders import services as order_services
from orders.models import Order, OrderStatus
from promotions.flash import services
from promotions.flash.models import FlashItem, FlashPurchase, FlashSaleSettings, FlashSession
from tests.factories import AddressFactory, ShopperFactory, make_product
from tests.promotions.flash.helpers import make_session

pytestmark = pytest.mark.django_db


def sku_of(shop, price_fen: int = 10000, stock: int = 20) -> SKU:
    return make_product(shop=shop, price_fen=price_fen, stock=stock).skus.get()


def place(shop, user, address, items, **options) -> Order:
    return order_services.order_place(
        shop=shop, user=user, items=items, address_id=address.pk, options=options or None
    )


def stock(sku: SKU) -> int:
    return SKU.objects.get(pk=sku.pk).stock


def test_start_takes_the_units_and_end_returns_what_is_left_once_each(shop_a):
    sku = sku_of(shop_a, stock=20)
    session, item = make_session(shop=shop_a, sku=sku, flash_price_fen=5000, quantity=8)
    assert services.flash_sessions_sync() == 1
    assert services.flash_sessions_sync() == 0  # twice: nothing more moves
    item.refresh_from_db()
    assert (item.taken, item.remaining, stock(sku)) == (8, 8, 12)
    FlashSession.objects.filter(pk=session.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    assert services.flash_session_end(session_id=session.pk) is True
    assert services.flash_session_end(session_id=session.pk) is False
    item.refresh_from_db()
    assert (item.remaining, stock(sku)) == (0, 20)


def test_start_takes_only_what_the_sku_has(shop_a):
    sku = sku_of(shop_a, stock=3)
    session, item = make_session(shop=shop_a, sku=sku, flash_price_fen=5000, quantity=8)
    services.flash_session_start(session_id=session.pk)
    item.refresh_from_db()
    assert (item.taken, item.remaining, stock(sku)) == (3, 3, 0)


def test_the_sync_is_a_registered_periodic_job(shop_a):
    assert "flash_sessions_sync" in jobs.JOBS
    sku = sku_of(shop_a)
    make_session(shop=shop_a, sku=sku, flash_price_fen=5000, quantity=5)
    assert jobs.run_due_jobs()["flash_sessions_sync"] == 1
    assert stock(sku) == 15


def test_a_flash_order_pays_the_flash_price_from_the_flash_units(shop_a, shopper, address):
    sku = sku_of(shop_a, price_fen=10000, stock=20)
    _session, item = make_session(shop=shop_a, sku=sku, flash_price_fen=6000, quantity=5, per_user_limit=2)
    services.flash_sessions_sync()
    preview = order_services.checkout_preview(shop=shop_a, user=shopper, items=[(sku.pk, 2)])
    (line,) = preview.discounts
    assert (line.code, line.amount_fen, dict(line.allocation)) == ("flash", 8000, {sku.pk: 8000})
    order = place(shop_a, shopper, address, [(sku.pk, 2)])
    assert order.discount_fen == 8000 and order.goods_fen == 20000
    assert order.lines.get().discount_fen == 8000
    item.refresh_from_db()
    assert (item.remaining, item.sold, stock(sku)) == (3, 2, 15)  # the SKU's own stock is untouched
    assert FlashPurchase.objects.get(item=item, user=shopper).quantity == 2
    # unpaid flash orders expire sooner: the shop's flash setting (default 10 minutes)
    assert timedelta(minutes=9) < order.pay_deadline - order.created_at <= timedelta(minutes=10, seconds=5)


def test_the_shop_setting_shortens_the_pay_time(shop_a, shopper, address):
    FlashSaleSettings.objects.create(shop=shop_a, pay_minutes=3)
    sku = sku_of(shop_a)
    make_session(shop=shop_a, sku=sku, flash_price_fen=6000)
    services.flash_sessions_sync()
    order = place(shop_a, shopper, address, [(sku.pk, 1)])
    assert order.pay_deadline - order.created_at <= timedelta(minutes=3, seconds=5)


def test_the_limit_counts_every_order_of_the_shopper(shop_a, shopper, address):
    sku = sku_of(shop_a)
    make_session(shop=shop_a, sku=sku, flash_price_fen=6000, per_user_limit=2)
    services.flash_sessions_sync()
    place(shop_a, shopper, address, [(sku.pk, 1)])
    with pytest.raises(ApplicationError) as exc:
        place(shop_a, shopper, address, [(sku.pk, 2)])
    assert exc.value.code == "flash_limit_reached"
    place(shop_a, shopper, address, [(sku.pk, 1)])
    with pytest.raises(ApplicationError) as exc:
        order_services.checkout_preview(shop=shop_a, user=shopper, items=[(sku.pk, 1)])
    assert exc.value.code == "flash_limit_reached"


def test_sold_out_and_not_started(shop_a, shopper, address):
    sku = sku_of(shop_a)
    make_session(shop=shop_a, sku=sku, flash_price_fen=6000, quantity=1, per_user_limit=5)
    services.flash_sessions_sync()
    with pytest.raises(ApplicationError) as exc:
        place(shop_a, shopper, address, [(sku.pk, 2)])
    assert exc.value.code == "flash_sold_out"
    later, _item = make_session(
        shop=shop_a, sku=sku_of(shop_a), flash_price_fen=10, starts_in=timedelta(hours=2), name="晚场"
    )
    with pytest.raises(ApplicationError) as exc:
        order_services.checkout_preview(
            shop=shop_a, user=shopper, items=[(sku.pk, 1)], options={"flash_session_id": later.pk}
        )
    assert exc.value.code == "flash_not_started"
    # a session due but not moved in yet (the job is late): placing is refused, nothing is taken
    FlashSession.objects.filter(pk=later.pk).update(starts_at=timezone.now() - timedelta(seconds=5))
    with pytest.raises(ApplicationError) as exc:
        place(shop_a, shopper, address, [(_item.sku_id, 1)])
    assert exc.value.code == "flash_not_started"
    assert stock(_item.sku) == 20


def test_cancelling_an_unpaid_order_gives_units_and_count_back(shop_a, shopper, address):
    sku = sku_of(shop_a, stock=20)
    _session, item = make_session(shop=shop_a, sku=sku, flash_price_fen=6000, quantity=5, per_user_limit=1)
    services.flash_sessions_sync()
    order = place(shop_a, shopper, address, [(sku.pk, 1)])
    order_services.order_cancel(order=order, actor=shopper, actor_kind="shopper")
    item.refresh_from_db()
    assert (item.remaining, item.sold, stock(sku)) == (5, 0, 15)  # back to the flash units
    assert FlashPurchase.objects.get(item=item, user=shopper).quantity == 0
    place(shop_a, shopper, address, [(sku.pk, 1)])  # the limit counts it no more


def test_an_expired_order_after_the_session_ended_gives_units_to_the_sku(shop_a, shopper, address):
    sku = sku_of(shop_a, stock=20)
    session, item = make_session(shop=shop_a, sku=sku, flash_price_fen=6000, quantity=5)
    services.flash_sessions_sync()
    order = place(shop_a, shopper, address, [(sku.pk, 1)])
    FlashSession.objects.filter(pk=session.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    services.flash_sessions_sync()
    assert stock(sku) == 19  # 4 left came back
    Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(seconds=1))
    assert order_services.orders_expire_due() == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    item.refresh_from_db()
    assert (item.remaining, item.sold, stock(sku)) == (0, 0, 20)


def test_normal_stock_is_untouched_by_other_skus_and_after_the_session(shop_a, shopper, address):
    sku = sku_of(shop_a, price_fen=10000, stock=20)
    other = sku_of(shop_a, price_fen=3000, stock=4)
    session, _item = make_session(
        shop=shop_a, sku=sku, flash_price_fen=6000, quantity=5, lasts=timedelta(hours=1)
    )
    services.flash_sessions_sync()
    order = place(shop_a, shopper, address, [(sku.pk, 1), (other.pk, 2)])
    assert order.discount_fen == 4000 and stock(other) == 2
    FlashSession.objects.filter(pk=session.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    services.flash_sessions_sync()
    other_shopper = ShopperFactory(username="b2")
    later = place(shop_a, other_shopper, AddressFactory(user=other_shopper), [(sku.pk, 1)])
    assert later.discount_fen == 0


def test_coupons_see_the_flash_price(shop_a, shopper, address):
    from promotions import services as coupon_services
    from tests.factories import make_coupon

    sku = sku_of(shop_a, price_fen=10000)
    make_session(shop=shop_a, sku=sku, flash_price_fen=6000)
    services.flash_sessions_sync()
    coupon_services.coupon_claim(
        shop=shop_a,
        user=shopper,
        coupon=make_coupon(
            shop=shop_a, name="九折", kind="percent", rate_percent=90, threshold_fen=0, stacks_with_flash=True
        ),
    )
    preview = order_services.checkout_preview(shop=shop_a, user=shopper, items=[(sku.pk, 1)])
    assert [(d.code, d.amount_fen) for d in preview.discounts] == [("flash", 4000), ("coupon", 600)]


def test_a_coupon_that_does_not_stack_skips_flash_lines(shop_a, shopper, address):
    """``stacks_with_flash`` off (the default): the flash-priced line is out of the coupon's scope,
    so it neither counts toward the threshold nor takes a share; a normal line still does."""
    from promotions import services as coupon_services
    from tests.factories import make_coupon

    flash_sku = sku_of(shop_a, price_fen=10000)
    plain_sku = make_product(shop=shop_a, title="普通商品", price_fen=5000, stock=10).skus.get()
    make_session(shop=shop_a, sku=flash_sku, flash_price_fen=6000)
    services.flash_sessions_sync()
    coupon = make_coupon(shop=shop_a, name="九折", kind="percent", rate_percent=90, threshold_fen=0)
    claim = coupon_services.coupon_claim(shop=shop_a, user=shopper, coupon=coupon)
    only_flash = order_services.checkout_preview(shop=shop_a, user=shopper, items=[(flash_sku.pk, 1)])
    assert [d.code for d in only_flash.discounts] == ["flash"]
    with pytest.raises(ApplicationError) as refused:
        order_services.checkout_preview(
            shop=shop_a, user=shopper, items=[(flash_sku.pk, 1)], options={"coupon_claim_id": claim.pk}
        )
    assert refused.value.code == "coupon_not_applicable"
    both = order_services.checkout_preview(
        shop=shop_a, user=shopper, items=[(flash_sku.pk, 1), (plain_sku.pk, 1)]
    )
    assert [(d.code, d.amount_fen) for d in both.discounts] == [("flash", 4000), ("coupon", 500)]
    coupon_line = both.discounts[1]
    assert dict(coupon_line.allocation) == {plain_sku.pk: 500}


def test_a_price_not_below_the_sku_price_is_refused_by_the_model(shop_a):
    from django.core.exceptions import ValidationError

    sku = sku_of(shop_a, price_fen=5000)
    session = FlashSession.objects.create(
        shop=shop_a, name="x", starts_at=timezone.now(), ends_at=timezone.now() + timedelta(hours=1)
    )
    with pytest.raises(ValidationError):
        FlashItem(shop=shop_a, session=session, sku=sku, flash_price_fen=5000, quantity=1).full_clean()
    with pytest.raises(ValidationError):
        now = timezone.now()
        FlashSession(shop=shop_a, name="y", starts_at=now, ends_at=now).full_clean()
