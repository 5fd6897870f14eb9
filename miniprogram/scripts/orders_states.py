"""Put the simulator shopper USER's orders in the demo shop into every state the order pages show,
through the real services, before recording the ``orders_*`` page fixtures:

    DATABASE_URL=... DEBUG=1 .venv/bin/python manage.py shell -c \
        "import runpy; runpy.run_path('miniprogram/scripts/orders_states.py')['main']('USER_ID')"

(USER_ID: ``id`` of ``GET /me/`` after ``record.py --login alice``). Prints the order numbers by
state, as JSON, for the recording commands in docs/miniprogram.md. Development data only.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone


def main(user_id: str) -> None:
    from accounts.models import User
    from accounts.services import address_save
    from catalog.images import make_demo_image
    from catalog.models import SKU
    from complaints.services import complaint_create
    from orders import services as orders
    from orders.models import Shipment
    from orders.services.shipping import tracking_event_add
    from promotions.models import Coupon
    from promotions.services import coupon_claim
    from reviews.services import review_create
    from shop.models import Shop

    shop = Shop.objects.get(slug="demo")
    user = User.objects.get(pk=int(user_id))
    if not user.nickname.startswith("小"):
        user.nickname = "小满顾客"
        user.save(update_fields=["nickname"])
    address = user.addresses.first() or address_save(
        user=user, recipient="李小满", phone="13800138000", province_code="310000", city_code="310100",
        district_code="310104", detail="漕溪北路 88 号 3 楼",
    )  # fmt: skip
    skus = list(
        SKU.objects.filter(shop=shop, is_active=True, stock__gte=20, product__status="on_sale").order_by(
            "pk"
        )[:6]
    )
    none = {"coupon_claim_id": "none"}

    def place(items, options=None):
        return orders.order_place(
            shop=shop, user=user, items=items, address_id=address.pk, options=options or none
        )

    def pay(order):
        orders.order_mark_paid(order=order, amount_fen=order.total_fen)
        order.refresh_from_db()
        return order

    def ship(order, n):
        orders.order_ship(
            shop=shop, order_no=order.order_no, carrier="sf", tracking_no=f"SF70{order.pk:08d}", actor=None
        )
        shipment = Shipment.objects.get(order=order)
        now = timezone.now()
        steps = [("【上海市】顺丰速运 已收取快件", "上海"), ("【上海市】快件已到达 上海徐汇集散中心", "上海"),
                 ("【上海市】快件派送中，派送员 王师傅 13900001111", "上海")][:n]  # fmt: skip
        for i, (text, where) in enumerate(steps):
            tracking_event_add(shipment=shipment, occurred_at=now - timedelta(hours=6 - i * 2), description=text,
                               location=where, source="manual")  # fmt: skip
        order.refresh_from_db()
        return order

    found: dict[str, str] = {}
    # an order with a coupon line: a claimable coupon the shop shows
    coupon = (
        Coupon.objects.filter(shop=shop, distribution="public", is_active=True)
        .order_by("threshold_fen")
        .first()
    )
    if coupon is not None:
        try:
            claim = coupon_claim(shop=shop, user=user, coupon=coupon)
            found["with_coupon"] = pay(place([(skus[0].pk, 3)], {"coupon_claim_id": claim.pk})).order_no
        except Exception as exc:  # development data: go on without the coupon
            print("coupon:", exc)
    found["pending_payment"] = place([(skus[1].pk, 1), (skus[2].pk, 2)]).order_no
    found["paid"] = pay(place([(skus[3].pk, 1)])).order_no
    found["shipped"] = ship(pay(place([(skus[4].pk, 2)])), 3).order_no
    completed = ship(pay(place([(skus[0].pk, 1), (skus[5].pk, 1)])), 2)
    orders.order_confirm_receipt(order=completed, user=user)
    found["completed"] = completed.order_no
    reviewed = completed.lines.order_by("pk").first()
    picture = SimpleUploadedFile(
        "p.jpg", make_demo_image("买家晒图", color=(220, 200, 180), size=600), "image/jpeg"
    )
    review_create(shop=shop, user=user, order_no=completed.order_no, line_id=reviewed.pk, rating=5,
                  text="面料舒服，尺码标准，物流也快。", photos=[picture])  # fmt: skip
    # a return approved and waiting for the shopper's parcel
    returning = ship(pay(place([(skus[2].pk, 2)])), 1)
    asked = orders.after_sale_request(order=returning, user=user, kind="return_refund", reason="尺码偏小",
                                      lines=[(returning.lines.get().pk, 1)])  # fmt: skip
    orders.after_sale_approve(shop=shop, after_sale_no=asked.after_sale_no, actor=None)
    found["awaiting_return"] = returning.order_no
    found["awaiting_return_after_sale"] = asked.after_sale_no
    # a refund asked and waiting for the merchant
    waiting = pay(place([(skus[3].pk, 1)]))
    refund = orders.after_sale_request(
        order=waiting, user=user, kind="refund_only", reason="不想要了", amount_fen=500
    )
    found["refund_requested"] = waiting.order_no
    found["refund_requested_after_sale"] = refund.after_sale_no
    cancelled = place([(skus[4].pk, 1)])
    orders.order_cancel(order=cancelled, actor=user, actor_kind="shopper", reason="顾客取消")
    found["cancelled"] = cancelled.order_no
    found["complaint"] = complaint_create(
        shop=shop,
        user=user,
        kind="not_shipped",
        order_no=found["paid"],
        text="付款两天了还没有发货，客服也不回复。",
    ).complaint_no
    print(json.dumps(found, ensure_ascii=False))
