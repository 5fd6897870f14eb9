"""The coupon pricing rule (promotions/rules.py) through checkout: the preview pre-selects the best
usable coupon, a chosen one is checked with its own refusal codes, the discount goes to the lines
in scope only, percentages round in the shopper's favour, placing uses the claim, and cancelling an
unpaid order gives it back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Category
from core.errors import ApplicationError
from orders import services as order_services
from orders.models import Order, OrderStatus
from promotions import rules, services
from promotions.models import Coupon, CouponClaim
from tests.factories import ShopperFactory, make_coupon, make_product

pytestmark = pytest.mark.django_db


def sku_of(shop, price_fen: int, **kw):
    return make_product(shop=shop, price_fen=price_fen, stock=50, **kw).skus.get()


def preview(shop, user, items, **options):
    return order_services.checkout_preview(shop=shop, user=user, items=items, options=options or None)


def claim(shop, user, **fields) -> CouponClaim:
    return services.coupon_claim(shop=shop, user=user, coupon=make_coupon(shop=shop, **fields))


def refusal(shop, user, items, claim_id) -> str:
    with pytest.raises(ApplicationError) as exc:
        preview(shop, user, items, coupon_claim_id=claim_id)
    return exc.value.code


def test_the_best_usable_coupon_is_preselected(shop_a, shopper):
    sku = sku_of(shop_a, 15000)
    claim(shop_a, shopper, name="满100减10", amount_fen=1000)
    best = claim(shop_a, shopper, name="满100减20", amount_fen=2000)
    claim(shop_a, shopper, name="满200减50", amount_fen=5000, threshold_fen=20000)  # not met: skipped
    result = preview(shop_a, shopper, [(sku.pk, 1)])
    (line,) = result.discounts
    assert (line.code, line.amount_fen, line.ref) == ("coupon", 2000, f"coupon_claim:{best.pk}")
    assert result.total_fen == 15000 - 2000 + result.shipping_fen


def test_none_removes_it_and_one_coupon_per_order(shop_a, shopper):
    sku = sku_of(shop_a, 15000)
    chosen = claim(shop_a, shopper, amount_fen=1000)
    claim(shop_a, shopper, amount_fen=2000)
    assert preview(shop_a, shopper, [(sku.pk, 1)], coupon_claim_id="none").discounts == ()
    (line,) = preview(shop_a, shopper, [(sku.pk, 1)], coupon_claim_id=chosen.pk).discounts
    assert line.amount_fen == 1000


def test_a_chosen_coupon_is_checked_with_its_own_codes(shop_a, shop_b, shopper):
    cheap = sku_of(shop_a, 5000)
    other = ShopperFactory()
    theirs = claim(shop_a, other)
    assert refusal(shop_a, shopper, [(cheap.pk, 1)], theirs.pk) == "coupon_not_found"
    assert refusal(shop_a, shopper, [(cheap.pk, 1)], "12") == "coupon_not_found"  # never trusted as an id
    b_claim = claim(shop_b, shopper)
    assert refusal(shop_a, shopper, [(cheap.pk, 1)], b_claim.pk) == "coupon_not_found"
    mine = claim(shop_a, shopper)
    assert refusal(shop_a, shopper, [(cheap.pk, 1)], mine.pk) == "coupon_threshold_not_met"
    CouponClaim.objects.filter(pk=mine.pk).update(valid_until=timezone.now() - timedelta(seconds=1))
    assert refusal(shop_a, shopper, [(cheap.pk, 2)], mine.pk) == "coupon_expired"
    later = claim(shop_a, shopper, name="later")
    CouponClaim.objects.filter(pk=later.pk).update(valid_from=timezone.now() + timedelta(days=1))
    assert refusal(shop_a, shopper, [(cheap.pk, 2)], later.pk) == "coupon_not_started"
    used = claim(shop_a, shopper, name="used")
    CouponClaim.objects.filter(pk=used.pk).update(status=CouponClaim.Status.USED)
    assert refusal(shop_a, shopper, [(cheap.pk, 2)], used.pk) == "coupon_used"
    elsewhere = make_product(shop=shop_a, title="别的", price_fen=100, stock=1)
    scoped = claim(shop_a, shopper, name="scoped", scope=Coupon.Scope.PRODUCTS, products=[elsewhere])
    assert refusal(shop_a, shopper, [(cheap.pk, 3)], scoped.pk) == "coupon_not_applicable"


def test_the_discount_goes_to_the_lines_in_scope_only(shop_a, shopper):
    clothes = Category.objects.create(shop=shop_a, name="服装")
    shirts = Category.objects.create(shop=shop_a, name="衬衫", parent=clothes)
    shirt = sku_of(shop_a, 6000, category=shirts)  # a sub-category of the coupon's category counts
    cup = sku_of(shop_a, 9000)
    coupon_claim = claim(
        shop_a, shopper, scope=Coupon.Scope.CATEGORIES, categories=[clothes], threshold_fen=10000
    )
    # the cup does not count towards the threshold
    assert (
        refusal(shop_a, shopper, [(shirt.pk, 1), (cup.pk, 1)], coupon_claim.pk) == "coupon_threshold_not_met"
    )
    result = preview(shop_a, shopper, [(shirt.pk, 2), (cup.pk, 1)])
    (line,) = result.discounts
    assert line.amount_fen == 2000 and dict(line.allocation) == {shirt.pk: 2000}
    assert result.pricing.line_discounts[cup.pk] == 0


def test_a_product_scope_allocates_in_proportion(shop_a, shopper):
    a, b, c = sku_of(shop_a, 5000), sku_of(shop_a, 7000), sku_of(shop_a, 3000)
    claim(shop_a, shopper, scope=Coupon.Scope.PRODUCTS, products=[a.product, b.product])
    (line,) = preview(shop_a, shopper, [(a.pk, 1), (b.pk, 1), (c.pk, 1)]).discounts
    assert dict(line.allocation) == {a.pk: 833, b.pk: 1167} and sum(line.allocation.values()) == 2000


def test_a_percentage_rounds_up_to_the_fen_in_the_shoppers_favour_and_is_capped(shop_a, shopper):
    sku = sku_of(shop_a, 999)  # 9 折 of ¥9.99: 99.9 fen off, rounded up to 100 fen
    claim(shop_a, shopper, kind="percent", rate_percent=90, amount_fen=0, threshold_fen=0)
    (line,) = preview(shop_a, shopper, [(sku.pk, 1)]).discounts
    assert line.amount_fen == 100
    assert (
        rules.coupon_off_fen(Coupon(kind="percent", rate_percent=85), eligible_fen=1001) == 151
    )  # 150.15 → 151
    capped = Coupon(kind="percent", rate_percent=90, max_off_fen=3000)
    assert rules.coupon_off_fen(capped, eligible_fen=50000) == 3000
    assert rules.coupon_rule_text(capped) == "9 折 最多减 ¥30"


def test_a_fixed_coupon_never_takes_more_than_the_goods(shop_a, shopper):
    sku = sku_of(shop_a, 300)
    claim(shop_a, shopper, amount_fen=500, threshold_fen=0)
    result = preview(shop_a, shopper, [(sku.pk, 1)])
    assert result.discount_fen == 300 and result.total_fen == result.shipping_fen


def test_placing_uses_the_claim_once(shop_a, shopper, address):
    sku = sku_of(shop_a, 15000)
    mine = claim(shop_a, shopper)
    order = order_services.order_place(shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=address.pk)
    assert order.discount_fen == 2000 and order.discounts.get().ref == f"coupon_claim:{mine.pk}"
    mine.refresh_from_db()
    assert (mine.status, mine.used_order_id) == ("used", order.pk)
    again = order_services.order_place(shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=address.pk)
    assert again.discount_fen == 0  # nothing left to pre-select
    with pytest.raises(ApplicationError) as exc:
        order_services.order_place(
            shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=address.pk,
            options={"coupon_claim_id": mine.pk},
        )  # fmt: skip
    assert exc.value.code == "coupon_used"


def test_cancelling_an_unpaid_order_gives_the_coupon_back(shop_a, shopper, address):
    sku = sku_of(shop_a, 15000)
    mine = claim(shop_a, shopper)
    order = order_services.order_place(shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=address.pk)
    order_services.order_cancel(order=order, actor=shopper, actor_kind="shopper")
    mine.refresh_from_db()
    assert mine.status == "returned" and mine.used_order_id is None and mine.returned_at
    # usable again
    next_order = order_services.order_place(
        shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=address.pk
    )
    assert next_order.discount_fen == 2000


def test_expiry_gives_back_but_not_outside_the_use_window(shop_a, shopper, address):
    sku = sku_of(shop_a, 15000)
    mine = claim(shop_a, shopper)
    order = order_services.order_place(shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=address.pk)
    CouponClaim.objects.filter(pk=mine.pk).update(valid_until=timezone.now() + timedelta(seconds=0))
    Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(minutes=1))
    assert order_services.orders_expire_due() == 1
    mine.refresh_from_db()
    assert mine.status == "used"  # its use window is over: it stays used


def test_a_refund_of_a_paid_order_does_not_give_it_back(shop_a, shopper, address):
    sku = sku_of(shop_a, 15000)
    mine = claim(shop_a, shopper)
    order = order_services.order_place(shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=address.pk)
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    after_sale = order_services.after_sale_request(
        order=order, user=shopper, kind="refund_only", reason="不要了", amount_fen=order.total_fen
    )
    order_services.after_sale_approve(shop=shop_a, after_sale_no=after_sale.after_sale_no, actor=None)
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
    mine.refresh_from_db()
    assert mine.status == "used"


def test_a_first_paid_order_brings_the_new_customer_coupons(shop_a, shopper, address):
    gift = make_coupon(shop=shop_a, distribution=Coupon.Distribution.NEW_CUSTOMER, name="新客券")
    sku = sku_of(shop_a, 5000)
    for _n in range(2):
        order = order_services.order_place(
            shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=address.pk
        )
        order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    assert list(CouponClaim.objects.values_list("coupon", "source")) == [(gift.pk, "new_customer")]
