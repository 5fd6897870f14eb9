"""Shopper-to-shopper isolation inside one shop, walked over EVERY H5 route under /s/<shop>/ and
every /api/v1/ route: shopper B aims each route and method at shopper A's objects (A's order
numbers, cart item, address and after-sale number), and also posts A's after-sale number and
address to B's *own* order pages. Nothing of A's is read or changed. A route or a form action
added later is covered the day it is added (the walker reads the URLconf and the views' actions).

Tenant isolation (merchant B against shop A) is tests/api/test_api_isolation.py and
tests/test_admin_isolation.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.forms.models import model_to_dict
from rest_framework.test import APIClient

from accounts.models import Address, PhotoUpload
from complaints.models import Complaint, ComplaintEvent
from crm.models.members import OrderPoints, PointsEntry
from crm.models.profiles import CustomerProfile
from orders import services as order_services
from orders.models import AfterSale, AfterSaleLine, Cart, CartItem, Order, OrderEvent
from payments.models import PaymentAttempt, Refund
from promotions import services as promotion_services
from promotions.models import Coupon, CouponClaim
from reviews.models import Review
from tests.api.routes import api_routes
from tests.factories import AddressFactory, ShopperFactory, make_coupon, make_product, make_red_packet_pool
from tests.h5.routes import form_actions, h5_routes

MARK = "甲的"  # shopper A's names and addresses contain it
PLACEHOLDER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
WRITE_METHODS = ("post", "put", "patch", "delete")


@dataclass
class World:
    shop: Any
    a: Any
    b: Any
    a_address: Address
    a_cart_item: CartItem
    a_pending: Order  # unpaid: can be cancelled or paid
    a_paid: Order  # paid, with an after-sale request waiting for the merchant
    a_after_sale: AfterSale
    a_line_id: int  # the line of A's paid order (an after-sale may name it)
    b_paid: Order  # B's own paid order (the page the attack posts to)
    product_id: int
    a_claim: CouponClaim  # A's coupon (a merchant sent it to A only)
    coupon_id: int  # a coupon anyone may claim
    red_packet_token: str
    group_no: str = ""  # groupbuy: a group A opened (its page is public; A's name is masked there)
    group_activity_id: int = 0
    a_complaint_no: str = ""  # complaints: A's complaint against the shop (naming A's paid order)
    # crm: the one-tap unsubscribe link of B's own marketing messages. The link is a bearer capability
    # (whoever holds it opts its owner out, with no sign-in, as every unsubscribe link): A's is A's
    # secret, which B never holds, so B walks the route with B's own and A's rows must not move.
    unsubscribe_token: str = ""
    a_shipped: Order | None = None  # orders: shipped, with a return approved and waiting for its parcel
    a_return: AfterSale | None = None
    a_completed: Order | None = None  # reviews: A's completed order, one line reviewed (anonymously), one not
    a_review_line_id: int = 0  # the line of it A has not reviewed yet
    a_upload_id: int = 0  # accounts: a photo A uploaded for a form not sent yet (B names it in photo_ids)

    def fill(self, route: str, *, order: Order) -> str:
        values = {
            "shop_slug": self.shop.slug,
            "order_no": order.order_no,
            "item_id": self.a_cart_item.pk,
            "address_id": self.a_address.pk,
            "after_sale_no": (
                self.a_return if order == self.a_shipped and self.a_return else self.a_after_sale
            ).after_sale_no,
            "product_id": self.product_id,
            "category_id": 0,
            "coupon_id": self.coupon_id,
            "token": self.red_packet_token,
            "group_no": self.group_no,
            "activity_id": self.group_activity_id,
            "channel_code": "pyq-1",  # a channel's short link (marketing): not a shopper's
            "complaint_no": self.a_complaint_no,
            "unsubscribe_token": self.unsubscribe_token,
            "line_id": self.a_review_line_id,
        }

        def replace(match: re.Match) -> str:
            assert match["name"] in values, (
                f"the cross-shopper matrix cannot fill <{match['name']}> in {route}: add it to World.fill"
            )
            return str(values[match["name"]])

        return PLACEHOLDER.sub(replace, route)

    def orders(self, route: str) -> list[Order]:
        """A's orders for a route that names one, plus B's own (where A's ids go into the body)."""
        if "<str:order_no>" in route:
            extra = [order for order in (self.a_shipped, self.a_completed) if order is not None]
            return [self.a_pending, self.a_paid, *extra, self.b_paid]
        return [self.b_paid]

    def body(self) -> dict[str, Any]:
        """Every field a shopper's write might read, naming A's objects."""
        return {
            "after_sale_no": self.a_after_sale.after_sale_no, "address_id": self.a_address.pk,
            "address": self.a_address.pk, "item_id": self.a_cart_item.pk, "order_no": self.a_paid.order_no,
            "quantity": 1, "remove": "1", "kind": "refund_only", "reason": "乙改的", "amount_fen": 1,
            "recipient": "乙改的", "scene": "native", "coupon": self.a_claim.pk, "coupon_claim_id": self.a_claim.pk,
            "lines": [{"line_id": self.a_line_id, "quantity": 1}], f"line_{self.a_line_id}": "on",
            f"qty_{self.a_line_id}": "1", "carrier": "sf", "tracking_no": "SF1234567890",
            "confirm": "注销",  # account deletion: B's unfinished order refuses it, A's rows never move
            "line_id": self.a_review_line_id, "rating": 1, "text": "乙写的差评内容",
            "photo_ids": [self.a_upload_id],
        }  # fmt: skip

    def snapshot(self) -> dict[str, list[dict]]:
        """Every row of shopper A's, field by field."""
        a_orders = Order.objects.filter(user=self.a)
        sets = {
            "orders": a_orders,
            "events": OrderEvent.objects.filter(order__in=a_orders),
            "after_sales": AfterSale.objects.filter(order__in=a_orders),
            "after_sale_lines": AfterSaleLine.objects.filter(after_sale__order__in=a_orders),
            "addresses": Address.objects.filter(user=self.a),
            "carts": Cart.objects.filter(user=self.a),
            "cart_items": CartItem.objects.filter(cart__user=self.a),
            "attempts": PaymentAttempt.objects.filter(order__in=a_orders),
            "refunds": Refund.objects.filter(order__in=a_orders),
            "coupon_claims": CouponClaim.objects.filter(user=self.a),
            "complaints": Complaint.objects.filter(user=self.a),
            "complaint_events": ComplaintEvent.objects.filter(complaint__user=self.a),
            "customer_profiles": CustomerProfile.objects.filter(user=self.a),
            "points_entries": PointsEntry.objects.filter(profile__user=self.a),
            "order_points": OrderPoints.objects.filter(order__in=a_orders),
            "reviews": Review.objects.filter(user=self.a),
            "reviews_of_a_orders": Review.objects.filter(order__in=a_orders),
            "photo_uploads": PhotoUpload.objects.filter(user=self.a),
        }
        return {name: [model_to_dict(row) for row in qs.order_by("pk")] for name, qs in sets.items()}


def paid_order(shop, user, sku) -> Order:
    address = Address.objects.filter(user=user).first() or AddressFactory(user=user)
    order = order_services.order_place(shop=shop, user=user, items=[(sku.pk, 1)], address_id=address.pk)
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    order.refresh_from_db()
    return order


@pytest.fixture
def world(shop_a) -> World:
    sku = make_product(shop=shop_a, title="商品", price_fen=5000, stock=50).skus.get()
    public_sku = make_product(shop=shop_a, title="另一件商品", price_fen=3000, stock=50).skus.get()
    a = ShopperFactory(username="shopper_a", nickname="甲的顾客")
    b = ShopperFactory(username="shopper_b", nickname="乙")
    a_address = AddressFactory(user=a, recipient="甲的收货人", detail="甲的地址 1 号")
    AddressFactory(user=b, recipient="乙", detail="乙的地址")
    a_pending = order_services.order_place(shop=shop_a, user=a, items=[(sku.pk, 1)], address_id=a_address.pk)
    a_paid = paid_order(shop_a, a, sku)
    a_after_sale = order_services.after_sale_request(
        order=a_paid, user=a, kind="refund_only", reason="甲的售后", amount_fen=100
    )
    b_paid = paid_order(shop_a, b, sku)
    cart = order_services.cart_get(shop=shop_a, user=a, create=True)
    a_cart_item = order_services.cart_add(cart=cart, sku_id=sku.pk, quantity=1)
    sent = make_coupon(shop=shop_a, name="甲的专属券", distribution=Coupon.Distribution.SENT, threshold_fen=0,
                       amount_fen=100)  # fmt: skip
    promotion_services.coupon_send(shop=shop_a, coupon=sent, users=[a])
    a_claim = CouponClaim.objects.get(user=a, coupon=sent)
    public = make_coupon(shop=shop_a, name="店铺券", threshold_fen=0, amount_fen=100)
    pool = make_red_packet_pool(shop=shop_a)
    from tests.groupbuy.helpers import make_activity

    group_buy = make_activity(shop=shop_a, name="拼团")
    a_group = order_services.order_place(
        shop=shop_a, user=a, items=[(group_buy.product.skus.get().pk, 1)], address_id=a_address.pk,
        options={"group_buy": {"activity_id": group_buy.pk}, "coupon_claim_id": "none"},
    )  # fmt: skip
    order_services.order_mark_paid(order=a_group, amount_fen=a_group.total_fen)
    from complaints.services import complaint_create

    a_complaint = complaint_create(shop=shop_a, user=a, kind="not_shipped", text="甲的投诉：一直不发货。",
                                   order_no=a_paid.order_no)  # fmt: skip
    a_shipped = paid_order(shop_a, a, sku)
    order_services.order_ship(
        shop=shop_a, order_no=a_shipped.order_no, carrier="sf", tracking_no="SF900002", actor=None
    )
    a_return = order_services.after_sale_request(
        order=a_shipped,
        user=a,
        kind="return_refund",
        reason="甲的退货",
        lines=[(a_shipped.lines.get().pk, 1)],
    )
    order_services.after_sale_approve(shop=shop_a, after_sale_no=a_return.after_sale_no, actor=None)
    from crm.services import members as member_services
    from crm.services.profiles import profile_for_user
    from tests.crm.members_helpers import make_levels, points_on

    make_levels(shop_a)  # members and points (crm): A's points, given and spent on an unpaid order
    points_on(shop_a)
    a_profile = profile_for_user(shop_id=shop_a.pk, user_id=a.pk)
    member_services.points_adjust(
        shop=shop_a, profile_id=a_profile.pk, points=777, reason="甲的积分", actor=None
    )
    order_services.order_place(shop=shop_a, user=a, items=[(sku.pk, 1)], address_id=a_address.pk,
                               options={"points": True})  # fmt: skip
    from reviews.services import review_create

    a_completed = order_services.order_place(shop=shop_a, user=a, items=[(sku.pk, 1), (public_sku.pk, 1)],
                                             address_id=a_address.pk, options={"coupon_claim_id": "none"})  # fmt: skip
    order_services.order_mark_paid(order=a_completed, amount_fen=a_completed.total_fen)
    order_services.order_ship(shop=shop_a, order_no=a_completed.order_no, carrier="sf", tracking_no="SF0000000001",
                              actor=None)  # fmt: skip
    order_services.order_confirm_receipt(order=a_completed, user=a)
    reviewed, waiting = a_completed.lines.order_by("pk")
    review_create(shop=shop_a, user=a, order_no=a_completed.order_no, line_id=reviewed.pk, rating=5,
                  text="匿名的好评内容", is_anonymous=True)  # fmt: skip
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.services import photo_upload_create
    from catalog.images import make_demo_image

    a_upload = photo_upload_create(
        shop=shop_a, user=a, file=SimpleUploadedFile("a.jpg", make_demo_image("a", color=(9, 9, 9), size=200))
    )
    return World(
        shop=shop_a, a=a, b=b, a_upload_id=a_upload.pk, a_address=a_address, a_cart_item=a_cart_item, a_pending=a_pending,
        a_paid=a_paid, a_after_sale=a_after_sale, a_line_id=a_paid.lines.get().pk, b_paid=b_paid, product_id=sku.product_id,
        a_claim=a_claim, coupon_id=public.pk, red_packet_token=promotion_services.red_packet_share_token(pool),
        group_no=a_group.group_member.group.group_no, group_activity_id=group_buy.pk,
        a_complaint_no=a_complaint.complaint_no,
        unsubscribe_token=_unsubscribe_token(shop_a, b),
        a_shipped=a_shipped, a_return=a_return,
        a_completed=Order.objects.get(pk=a_completed.pk), a_review_line_id=waiting.pk,
    )  # fmt: skip


def _unsubscribe_token(shop, user) -> str:
    """``user``'s one-tap unsubscribe token in the shop (it names their profile; a bearer link)."""
    from crm.services.campaigns import unsubscribe_token
    from crm.services.profiles import profile_for_user

    return unsubscribe_token(
        shop_id=shop.pk, profile_id=profile_for_user(shop_id=shop.pk, user_id=user.pk).pk
    )


def test_the_matrix_knows_the_routes_and_actions():
    routes = dict(h5_routes())
    assert "/s/<slug:shop_slug>/orders/<str:order_no>/" in routes, routes
    assert {"cancel", "confirm", "withdraw"} <= form_actions(
        routes["/s/<slug:shop_slug>/orders/<str:order_no>/"]
    )
    assert any("after-sales" in route for route, _view in api_routes())


def test_shopper_b_never_reads_or_changes_shopper_a_objects_on_h5(client, world):
    client.force_login(world.b)
    before = world.snapshot()
    for route, view in h5_routes():
        actions = sorted(form_actions(view)) or [""]
        for order in world.orders(route):
            url = world.fill(route, order=order)
            response = client.get(url)
            assert response.status_code < 500, url
            assert MARK.encode() not in response.content, url  # bytes: posters are PNG
            if order.user_id == world.a.pk or "<str:complaint_no>" in route:
                assert response.status_code == 404, (url, response.status_code)
            for action in actions:
                body = {**world.body(), "action": action} if action else world.body()
                response = client.post(url, body)
                assert response.status_code < 500, (url, action)
                assert MARK not in response.content.decode(), (url, action)
                if order.user_id == world.a.pk and response.status_code != 405:
                    assert response.status_code == 404, (url, action, response.status_code)
                assert world.snapshot() == before, f"B changed A's rows through POST {url} action={action!r}"


def test_shopper_b_never_reads_or_changes_shopper_a_objects_through_the_api(world):
    api = APIClient()
    api.force_authenticate(world.b)
    before = world.snapshot()
    for route, _view in api_routes():
        names_a_object = any(
            f"<{p}" in route for p in ("str:order_no", "int:item_id", "int:address_id", "str:complaint_no")
        )
        for order in world.orders(route):
            url = world.fill(route, order=order)
            response = api.get(url)
            assert response.status_code < 500, url
            assert MARK.encode() not in response.content, url  # bytes: posters are PNG
            if names_a_object and (order.user_id != world.b.pk or "complaint_no" in route):
                assert response.status_code in (404, 405), (url, response.status_code)
            for method in WRITE_METHODS:
                response = getattr(api, method)(url, world.body(), format="json")
                assert response.status_code < 500, (method, url)
                assert MARK not in response.content.decode(), (method, url)
                if names_a_object and (order.user_id != world.b.pk or "complaint_no" in route):
                    assert response.status_code in (404, 405), (method, url, response.status_code)
                assert world.snapshot() == before, f"B changed A's rows through {method.upper()} {url}"
    # nor did B's side take any of A's: no order of B's ships to A's address
    assert not Order.objects.filter(user=world.b, recipient__contains=MARK).exists()
    # nor names A's order in a complaint of B's
    assert not Complaint.objects.filter(user=world.b, order__user=world.a).exists()


def test_withdrawing_through_ones_own_order_page_only_reaches_ones_own_requests(client, world):
    """The attack that worked: A's after-sale number posted to B's own order page."""
    client.force_login(world.b)
    client.post(
        f"/s/{world.shop.slug}/orders/{world.b_paid.order_no}/",
        {"action": "withdraw", "after_sale_no": world.a_after_sale.after_sale_no},
    )
    world.a_after_sale.refresh_from_db()
    assert world.a_after_sale.status == AfterSale.Status.REQUESTED
    assert not world.a_paid.events.filter(type=OrderEvent.Type.REFUND_WITHDRAWN).exists()
    # while A withdraws their own
    client.force_login(world.a)
    client.post(
        f"/s/{world.shop.slug}/orders/{world.a_paid.order_no}/",
        {"action": "withdraw", "after_sale_no": world.a_after_sale.after_sale_no},
    )
    world.a_after_sale.refresh_from_db()
    assert world.a_after_sale.status == AfterSale.Status.WITHDRAWN


def test_a_shopper_deleting_their_account_never_touches_another_shoppers_rows(client, world):
    """B finishes their order and deletes their account (H5): B is anonymised, A's rows stay as
    they were; B's data export never held anything of A's (the GET walk above reads it too)."""
    from accounts.models import User

    client.force_login(world.b)
    export = client.get(f"/s/{world.shop.slug}/me/privacy/data/").content.decode()
    assert MARK not in export and world.b_paid.order_no in export
    assert "暂时不能注销" in client.get(f"/s/{world.shop.slug}/me/privacy/erase/").content.decode()
    order_services.order_ship(shop=world.shop, order_no=world.b_paid.order_no, carrier="sf", tracking_no="SFB1",
                              actor=None)  # fmt: skip
    order_services.order_confirm_receipt(order=Order.objects.get(pk=world.b_paid.pk), user=world.b)
    before = world.snapshot()
    response = client.post(f"/s/{world.shop.slug}/me/privacy/erase/", {"confirm": "注销"})
    assert response.status_code == 302
    assert User.objects.get(pk=world.b.pk).erased_at is not None
    assert Order.objects.get(pk=world.b_paid.pk).phone == ""
    assert world.snapshot() == before
