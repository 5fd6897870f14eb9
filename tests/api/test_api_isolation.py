"""Tenant isolation of /api/v1/, walked from the URLconf so a new endpoint is covered the day it
is added: shop B's merchant (and an anonymous visitor) aims every route and every method at shop A's
objects through shop B's handle, and never reads nor changes anything of A's. The catalog is
read-only for everyone, and A's draft is never shown, not even through A's own handle.

Shopper-to-shopper isolation inside one shop (another shopper's order, address, cart item or
after-sale, on every API and H5 route) is walked by tests/test_shopper_isolation.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.forms.models import model_to_dict
from rest_framework.test import APIClient

from accounts.models import Address
from catalog.models import SKU, Category, Product, SpecValue
from complaints.models import Complaint
from crm.models.members import PointsEntry
from groupbuy.models import Group, GroupBuyActivity, GroupMember
from marketing.models import Channel
from orders import services as order_services
from orders.models import AfterSale, Cart, CartItem, Order, OrderLine
from promotions import services as promotion_services
from promotions.flash.models import FlashItem, FlashPurchase
from promotions.models import Coupon, CouponClaim, RedPacketPool
from reviews.models import Review
from tests.api.routes import api_routes, is_account_erase, is_catalog, is_public_read_only, is_reference
from tests.factories import (
    AddressFactory,
    ShopperFactory,
    make_coupon,
    make_product,
    make_red_packet_pool,
    product_with_matrix,
)

MARK = "甲的"  # every name, title and address of shop A's side contains it
WRITE_METHODS = ("post", "put", "patch", "delete")
PLACEHOLDER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
CHANNEL_CODE = "pyq-jia"  # shop A's channel (marketing)


@dataclass
class World:
    shop_a: Any
    shop_b: Any
    product: Product
    draft: Product
    category: Category
    sku: SKU
    spec_values: list[int]
    address: Address
    cart_item: CartItem
    order: Order
    coupon: Coupon
    red_packet_token: str
    group_activity_id: int = 0  # groupbuy: A's activity and one of its open groups
    group_no: str = ""
    complaint_no: str = ""  # complaints: one of A's buyer's complaints against shop A
    unsubscribe_token: str = ""  # crm: A's customer's one-tap unsubscribe token (shop A's, not B's)
    after_sale_no: str = ""  # orders: A's return, approved and waiting for its parcel

    def fill(self, route: str, *, product: Product | None = None) -> str:
        """The route aimed at A's objects through shop B's handle."""
        values = {
            "shop_slug": self.shop_b.slug,
            "product_id": (product or self.product).pk,
            "order_no": self.order.order_no,
            "item_id": self.cart_item.pk,
            "address_id": self.address.pk,
            "coupon_id": self.coupon.pk,
            "token": self.red_packet_token,
            "activity_id": self.group_activity_id,
            "group_no": self.group_no,
            "channel_code": CHANNEL_CODE,
            "complaint_no": self.complaint_no,
            "unsubscribe_token": self.unsubscribe_token,
            "after_sale_no": self.after_sale_no,
        }

        def replace(match: re.Match) -> str:
            name = match["name"]
            assert name in values, (
                f"the isolation matrix cannot fill <{name}> in {route}: add it to World.fill"
            )
            return str(values[name])

        return PLACEHOLDER.sub(replace, route)

    def query(self) -> dict[str, str]:
        """Query parameters that name A's objects (each route ignores the ones it does not know)."""
        return {
            "category": str(self.category.pk),
            "spec_values": ",".join(map(str, self.spec_values)),
            "q": MARK,
        }

    def body(self) -> dict[str, Any]:
        """A write body that names A's objects in every field a write endpoint might read."""
        return {
            "sku_id": self.sku.pk, "quantity": 1, "items": [{"sku_id": self.sku.pk, "quantity": 1}],
            "address_id": self.address.pk, "title": "乙改的", "price_fen": 1, "stock": 0,
            "kind": "refund_only", "reason": "乙改的", "amount_fen": 1, "is_default": True,
            "scene": "native", "remark": "乙改的", "coupon_claim_id": self.claim_id(), "confirm": "注销",
            "carrier": "sf", "tracking_no": "SF1234567890",
        }  # fmt: skip

    def claim_id(self) -> int:
        return CouponClaim.objects.filter(coupon=self.coupon).values_list("pk", flat=True).first() or 0

    def snapshot(self) -> dict[str, list[dict]]:
        """Every row of shop A's side, field by field."""
        sets = {
            "products": Product.objects.filter(shop=self.shop_a),
            "skus": SKU.objects.filter(shop=self.shop_a),
            "categories": Category.objects.filter(shop=self.shop_a),
            "spec_values": SpecValue.objects.filter(shop=self.shop_a),
            "carts": Cart.objects.filter(shop=self.shop_a),
            "cart_items": CartItem.objects.filter(cart__shop=self.shop_a),
            "orders": Order.objects.filter(shop=self.shop_a),
            "order_lines": OrderLine.objects.filter(order__shop=self.shop_a),
            "addresses": Address.objects.filter(user=self.address.user),
            "coupons": Coupon.objects.filter(shop=self.shop_a),
            "coupon_claims": CouponClaim.objects.filter(shop=self.shop_a),
            "red_packet_pools": RedPacketPool.objects.filter(shop=self.shop_a),
            "flash_items": FlashItem.objects.filter(shop=self.shop_a),
            "flash_purchases": FlashPurchase.objects.filter(shop=self.shop_a),
            "group_buys": GroupBuyActivity.objects.filter(shop=self.shop_a),
            "groups": Group.objects.filter(shop=self.shop_a),
            "group_members": GroupMember.objects.filter(shop=self.shop_a),
            "channels": Channel.objects.filter(shop=self.shop_a),
            "complaints": Complaint.objects.filter(shop=self.shop_a),
            "after_sales": AfterSale.objects.filter(shop=self.shop_a),
            "points_entries": PointsEntry.objects.filter(shop=self.shop_a),
            "reviews": Review.objects.filter(shop=self.shop_a),
        }
        return {name: [model_to_dict(row) for row in qs.order_by("pk")] for name, qs in sets.items()}


@pytest.fixture
def world(shop_a, shop_b):
    product = product_with_matrix(shop=shop_a, title="甲的商品")
    category = Category.objects.create(shop=shop_a, name="甲的分类")
    Product.objects.filter(pk=product.pk).update(category=category)
    draft = make_product(shop=shop_a, title="甲的草稿", category=category, status=Product.Status.DRAFT)
    make_product(shop=shop_b, title="乙的商品")
    Category.objects.create(shop=shop_b, name="乙的分类")
    sku = product.skus.order_by("pk").first()
    buyer = ShopperFactory(username="buyer_a", nickname="甲的顾客")
    address = AddressFactory(user=buyer, recipient="甲的收货人", detail="甲的地址 1 号")
    order = order_services.order_place(shop=shop_a, user=buyer, items=[(sku.pk, 1)], address_id=address.pk)
    cart = order_services.cart_get(shop=shop_a, user=buyer, create=True)
    cart_item = order_services.cart_add(cart=cart, sku_id=sku.pk, quantity=1)
    coupon = make_coupon(shop=shop_a, name="甲的券")
    promotion_services.coupon_claim(shop=shop_a, user=buyer, coupon=coupon)
    make_coupon(shop=shop_b, name="乙的券")
    pool = make_red_packet_pool(shop=shop_a, name="甲的红包券")
    from promotions.flash.services import flash_sessions_sync
    from tests.promotions.flash.helpers import make_session

    flash_sku = make_product(shop=shop_a, title="甲的秒杀品", price_fen=9900, stock=5).skus.get()
    make_session(shop=shop_a, sku=flash_sku, flash_price_fen=4900, quantity=3, name="甲的秒杀场")
    flash_sessions_sync()
    from tests.groupbuy.helpers import buyer, group_of, make_activity, pay, place

    group_buy = make_activity(shop=shop_a, name="甲的拼团")
    group_no = group_of(pay(place(group_buy, buyer("甲的团长")))).group_no
    make_activity(shop=shop_b, name="乙的拼团")
    from marketing.services import channel_save

    channel_save(channel=Channel(shop=shop_a, name="甲的朋友圈", code=CHANNEL_CODE))
    from complaints.services import complaint_create

    complaint = complaint_create(shop=shop_a, user=order.user, kind="fake", text="甲的投诉：收到的是假货。")
    shipped = order_services.order_place(
        shop=shop_a, user=address.user, items=[(sku.pk, 1)], address_id=address.pk
    )
    order_services.order_mark_paid(order=shipped, amount_fen=shipped.total_fen)
    order_services.order_ship(
        shop=shop_a, order_no=shipped.order_no, carrier="sf", tracking_no="SF900001", actor=None
    )
    a_return = order_services.after_sale_request(
        order=shipped,
        user=address.user,
        kind="return_refund",
        reason="甲的退货",
        lines=[(shipped.lines.get().pk, 1)],
    )
    order_services.after_sale_approve(shop=shop_a, after_sale_no=a_return.after_sale_no, actor=None)
    from crm.services import members as member_services
    from crm.services.profiles import profile_for_user
    from tests.crm.members_helpers import make_levels, points_on

    make_levels(shop_a, [("甲的金卡", 0, 90)])  # members and points (crm)
    points_on(shop_a)
    profile = profile_for_user(shop_id=shop_a.pk, user_id=order.user_id)
    member_services.points_adjust(
        shop=shop_a, profile_id=profile.pk, points=777, reason="甲的积分", actor=None
    )
    from reviews.services import review_create

    done = order_services.order_place(
        shop=shop_a, user=address.user, items=[(sku.pk, 1)], address_id=address.pk
    )
    order_services.order_mark_paid(order=done, amount_fen=done.total_fen)
    order_services.order_ship(
        shop=shop_a, order_no=done.order_no, carrier="sf", tracking_no="SF1000000001", actor=None
    )
    order_services.order_confirm_receipt(order=done, user=address.user)
    review_create(shop=shop_a, user=address.user, order_no=done.order_no, line_id=done.lines.get().pk, rating=5,
                  text="甲的评价内容")  # reviews: shown on A's product only through A's own handle  # fmt: skip
    return World(
        shop_a=shop_a, shop_b=shop_b, product=product, draft=draft, category=category, sku=sku,
        spec_values=sku.spec_value_ids, address=address, cart_item=cart_item, order=order, coupon=coupon,
        red_packet_token=promotion_services.red_packet_share_token(pool), group_activity_id=group_buy.pk,
        group_no=group_no, complaint_no=complaint.complaint_no,
        unsubscribe_token=_unsubscribe_token(shop_a, address.user),
        after_sale_no=a_return.after_sale_no,
    )  # fmt: skip


def _unsubscribe_token(shop, user) -> str:
    from crm.services.campaigns import unsubscribe_token
    from crm.services.profiles import profile_for_user

    return unsubscribe_token(
        shop_id=shop.pk, profile_id=profile_for_user(shop_id=shop.pk, user_id=user.pk).pk
    )


@pytest.fixture(params=["anonymous", "merchant_b"])
def actor(request, merchant_b) -> APIClient:
    client = APIClient()
    if request.param == "merchant_b":
        client.force_login(merchant_b)  # a real session: merchant B is also a WeChat user
    return client


def test_the_matrix_knows_every_route():
    routes = api_routes()
    catalog = [route for route, view in routes if is_catalog(view)]
    assert len(catalog) == 6 and len(routes) > len(catalog), routes
    for route, view in routes:
        assert view is not None, f"{route} is not a class-based API view"
    assert [route for route, view in routes if is_reference(view)] == [
        "/api/v1/regions/",
        "/api/v1/regions/match/",
    ]


def test_shop_b_never_reads_shop_a_objects(world, actor):
    for route, view in api_routes():
        has_object = "<" in route.replace("<slug:shop_slug>", "")
        for product in (world.product, world.draft):
            url = world.fill(route, product=product)
            for params in ({}, world.query()):
                response = actor.get(url, params)
                body = response.content.decode()
                assert MARK not in body, (url, params, body[:300])
                assert response.status_code < 500, (url, params)
                if has_object:
                    assert response.status_code in (401, 403, 404, 405), (url, params, response.status_code)
                if is_catalog(view) and product is world.product and "products/<int:product_id>" in route:
                    assert response.json()["code"] == "product_not_found", url


def test_shop_b_never_writes_shop_a_objects(world, actor):
    before = world.snapshot()
    for route, view in api_routes():
        has_object = "<" in route.replace("<slug:shop_slug>", "")
        url = world.fill(route)
        for method in WRITE_METHODS:
            response = getattr(actor, method)(url, world.body(), format="json")
            assert MARK not in response.content.decode(), (method, url)
            assert response.status_code < 500, (method, url)
            if has_object or is_public_read_only(view) or is_account_erase(view):
                assert response.status_code >= 400, (method, url, response.status_code)
    assert world.snapshot() == before
    # the account deletion posted above (confirmed) deleted nobody: a merchant's account is refused
    from accounts.models import User

    assert User.objects.filter(username="merchant_b", is_active=True, erased_at=None).exists()
    assert not User.objects.filter(erased_at__isnull=False).exists()
    # nor did anything of A's end up on B's side
    assert not CartItem.objects.filter(cart__shop=world.shop_b, sku__shop=world.shop_a).exists()
    assert not Order.objects.filter(shop=world.shop_b).exists()


@pytest.mark.parametrize("method", WRITE_METHODS)
def test_the_catalog_is_read_only_even_through_its_own_shop(world, actor, method):
    before = world.snapshot()
    for route, view in api_routes():
        if not is_public_read_only(view):
            continue
        url = world.fill(route).replace("/shop-b/", "/shop-a/")
        response = getattr(actor, method)(url, world.body(), format="json")
        assert response.status_code == 405, (method, url)
        assert response.json()["code"] == "method_not_allowed"
    assert world.snapshot() == before


def test_a_draft_is_never_shown_even_through_its_own_shop(world, actor):
    for route, view in api_routes():
        if not is_catalog(view):
            continue
        url = world.fill(route, product=world.draft).replace("/shop-b/", "/shop-a/")
        for params in ({}, world.query(), {"q": "草稿"}):
            response = actor.get(url, params)
            assert "甲的草稿" not in response.content.decode(), (url, params)
    # while A's product on shelf is, so the test above can fail
    body = actor.get(f"/api/v1/shops/shop-a/products/{world.product.pk}/").json()
    assert body["title"] == "甲的商品"
    assert [
        p["title"] for p in actor.get("/api/v1/shops/shop-a/products/", world.query()).json()["results"]
    ] == ["甲的商品"]
