"""A shopper's privacy (docs/privacy.md): the data export holds only their data and only that
shop's; account deletion is platform-wide, anonymises the merchants' orders (totals and lines
kept; no name, phone, address or openid left), removes identity, addresses, profiles, tags and
unused coupons, logs them out everywhere, and lets the same phone or WeChat sign up afresh; a
blocked deletion changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.forms.models import model_to_dict
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import ports, privacy
from accounts.models import Address, PhoneLoginCode, User
from accounts.services import phone_code_login, phone_code_send
from core.errors import ApplicationError
from crm.models.profiles import CustomerProfile, Tag
from crm.services.profiles import profile_for_user
from orders import services as order_services
from orders.models import AfterSale, Cart, Order, OrderEvent, OrderLine, Shipment, TrackingEvent
from payments.models import PaymentAttempt
from promotions import services as promotion_services
from promotions.models import Coupon, CouponClaim
from tests.factories import (
    AddressFactory,
    ShopperFactory,
    make_coupon,
    make_product,
    simulator_wechat_account,
)
from wechat.identity import identity_login
from wechat.models import (
    Conversation,
    CustomerServiceMessage,
    Follower,
    InboundMessage,
    MessageSubscription,
    WeChatIdentity,
)

PHONE = "13812348000"
DETAIL = "科技园南区 8 栋 1201"


def completed_order(shop, user, *, title="T恤", price_fen=5900) -> Order:
    """An order placed, paid, shipped (with a tracking entry) and received: finished."""
    address = Address.objects.filter(user=user).first() or AddressFactory(
        user=user, phone=PHONE, detail=DETAIL
    )
    sku = make_product(shop=shop, title=title, price_fen=price_fen, stock=10).skus.get()
    order = order_services.order_place(
        shop=shop, user=user, items=[(sku.pk, 2)], address_id=address.pk, remark="放门卫，电话 13812348000"
    )
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    order_services.order_ship(shop=shop, order_no=order.order_no, carrier="sf", tracking_no=f"SF{order.pk}01",
                              actor=None)  # fmt: skip
    order_services.tracking_event_add(
        shipment=Shipment.objects.get(order=order), actor=None, source="manual",
        occurred_at=timezone.now(), description="已签收，签收人：张三", location="深圳",
    )  # fmt: skip
    order_services.order_confirm_receipt(order=Order.objects.get(pk=order.pk), user=user)
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def world(shop_a, shop_b):
    """Shopper 张三 with a finished order in each shop, a WeChat identity and a follow of shop A's
    account, a customer profile with a tag, a coupon, a token and a session; and another shopper
    in shop A."""
    shopper = ShopperFactory(username="zhang", nickname="张三", phone=PHONE, email="zhang@example.com")
    AddressFactory(user=shopper, recipient="张三", phone=PHONE, province_code="440000", city_code="440300",
                   district_code="440305", province="广东省", city="深圳市", district="南山区", detail=DETAIL)  # fmt: skip
    order_a = completed_order(shop_a, shopper, title="甲店的T恤")
    order_b = completed_order(shop_b, shopper, title="乙店的茶")
    PaymentAttempt.objects.create(shop=shop_a, order=order_a, out_trade_no=f"{order_a.order_no}P1", scene="jsapi",
                                  amount_fen=order_a.total_fen, status="succeeded", payer_openid="o-zhang-a")  # fmt: skip
    account = simulator_wechat_account(shop_a)
    WeChatIdentity.objects.create(user=shopper, kind="account", appid=account.appid, openid="o-zhang-a",
                                  nickname="阿三", avatar_url="https://wx.example/a.png")  # fmt: skip
    Follower.objects.create(shop=shop_a, openid="o-zhang-a", subscribed_at=timezone.now())
    InboundMessage.objects.create(shop=shop_a, dedup_key="m1", from_openid="o-zhang-a", msg_type="text",
                                  content="我的电话是 13812348000")  # fmt: skip
    thread = Conversation.objects.create(shop=shop_a, openid="o-zhang-a", last_message_at=timezone.now())
    CustomerServiceMessage.objects.create(shop=shop_a, conversation=thread, openid="o-zhang-a", content="已发货",
                                          status="sent")  # fmt: skip
    MessageSubscription.objects.create(shop=shop_a, user=shopper, template_id="T1", remaining=1)
    profile = profile_for_user(shop_id=shop_a.pk, user_id=shopper.pk)
    tag = Tag.objects.create(shop=shop_a, name="老客户")
    profile.tags.add(tag)
    profile_for_user(shop_id=shop_b.pk, user_id=shopper.pk)
    coupon = make_coupon(shop=shop_a, name="甲店的券", distribution=Coupon.Distribution.SENT)
    promotion_services.coupon_send(shop=shop_a, coupon=coupon, users=[shopper])
    Token.objects.create(user=shopper)
    other = ShopperFactory(username="li", nickname="李四", phone="13900001111")
    AddressFactory(user=other, recipient="李四", phone="13900001111", detail="李四家")
    other_order = completed_order(shop_a, other, title="李四的杯子")
    return {
        "shopper": shopper, "order_a": order_a, "order_b": order_b, "account": account, "tag": tag,
        "other": other, "other_order": other_order,
    }  # fmt: skip


def logged_in_session(client, user) -> str:
    client.force_login(user)
    return client.session.session_key


# ---------------------------------------------------------------- the port


def test_every_app_holding_shopper_data_registers_with_the_privacy_port():
    apps = [handler.app for handler in ports.privacy_handlers]
    assert apps == [
        "accounts", "orders", "payments", "wechat", "promotions", "marketing", "groupbuy", "distribution",
        "reviews", "complaints", "crm",
    ]  # fmt: skip
    erasers = {h.app for h in ports.privacy_handlers if h.erase}
    assert erasers == {
        "accounts", "orders", "payments", "wechat", "promotions", "distribution", "reviews", "complaints", "crm",
    }  # fmt: skip


# ---------------------------------------------------------------- export


def test_the_export_holds_only_the_shoppers_data_and_only_that_shops(world, shop_a):
    data = privacy.account_data_export(user=world["shopper"], shop=shop_a)
    text = json.dumps(data, ensure_ascii=False)  # plain JSON: every value serialisable
    assert data["店铺"] == "甲店"
    assert set(data) >= {
        "说明",
        "导出时间",
        "账号",
        "订单",
        "支付",
        "微信",
        "优惠",
        "渠道",
        "拼团",
        "分销",
        "客户档案",
    }
    assert data["账号"]["手机号"] == PHONE and data["账号"]["收货地址"][0]["详细地址"] == DETAIL
    [order] = data["订单"]["订单"]
    assert order["订单号"] == world["order_a"].order_no and order["商品"][0]["商品名称"] == "甲店的T恤"
    assert order["手机号"] == PHONE and order["物流"]["物流轨迹"][0]["物流信息"] == "已签收，签收人：张三"
    assert data["支付"]["支付记录"][0]["付款人 OpenID"] == "o-zhang-a"
    assert data["微信"]["微信身份"][0]["OpenID"] == "o-zhang-a"
    assert data["微信"]["发给公众号的消息"][0]["内容"] == "我的电话是 13812348000"
    assert data["优惠"]["优惠券"][0]["名称"] == "甲店的券"
    assert data["客户档案"]["客户档案"][0]["标签"] == ["老客户"]
    # nothing of shop B's, nothing of another shopper's
    assert world["order_b"].order_no not in text and "乙店的茶" not in text
    assert world["other_order"].order_no not in text and "李四" not in text and "13900001111" not in text


def test_the_export_of_the_other_shop_has_that_shops_order_and_no_wechat_of_shop_a(world, shop_b):
    data = privacy.account_data_export(user=world["shopper"], shop=shop_b)
    text = json.dumps(data, ensure_ascii=False)
    assert [o["订单号"] for o in data["订单"]["订单"]] == [world["order_b"].order_no]
    assert "o-zhang-a" not in text and "甲店的T恤" not in text and "老客户" not in text
    assert data["微信"]["微信身份"] == [] and data["优惠"]["优惠券"] == []


def test_h5_download_and_view(client, world, shop_a):
    client.force_login(world["shopper"])
    page = client.get("/s/shop-a/me/privacy/")
    html = page.content.decode()
    assert page.status_code == 200 and "下载我的数据" in html and "注销账号" in html
    assert "隐私与数据" in client.get("/s/shop-a/me/").content.decode()
    response = client.get("/s/shop-a/me/privacy/data/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-shop-a-')
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    data = json.loads(response.content.decode())
    assert data["订单"]["订单"][0]["订单号"] == world["order_a"].order_no
    shown = client.get("/s/shop-a/me/privacy/data/?inline=1")
    assert "Content-Disposition" not in shown and shown["Content-Type"].startswith("text/plain")


def test_anonymous_visitors_are_sent_to_log_in(client, shop_a):
    for url in ("/s/shop-a/me/privacy/", "/s/shop-a/me/privacy/data/", "/s/shop-a/me/privacy/erase/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url
    assert client.post("/s/shop-a/me/privacy/erase/", {"confirm": "注销"}).status_code == 302


def test_api_export(world, shop_a):
    api = APIClient()
    api.force_authenticate(world["shopper"])
    response = api.get("/api/v1/shops/shop-a/me/data/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert response.json()["订单"]["订单"][0]["订单号"] == world["order_a"].order_no
    assert APIClient().get("/api/v1/shops/shop-a/me/data/").status_code == 401


# ---------------------------------------------------------------- deletion


def test_deletion_anonymises_the_orders_and_removes_the_person(client, world, shop_a, shop_b):
    shopper, order_a, order_b = world["shopper"], world["order_a"], world["order_b"]
    lines_before = {o.pk: list(OrderLine.objects.filter(order=o).values("title", "quantity", "total_fen"))
                    for o in (order_a, order_b)}  # fmt: skip
    session_key = logged_in_session(client, shopper)
    other_browser = logged_in_session(type(client)(), shopper)
    response = client.post("/s/shop-a/me/privacy/erase/", {"confirm": "注销"})
    assert response.status_code == 302 and response.url.startswith("/accounts/erased/?next=")
    assert "账号已注销" in client.get(response.url).content.decode()

    # the merchants' orders stay, in both shops, with their money and lines, and name nobody
    for before in (order_a, order_b):
        order = Order.objects.get(pk=before.pk)
        assert (order.total_fen, order.paid_fen, order.status) == (
            before.total_fen,
            before.paid_fen,
            "completed",
        )
        assert (
            list(OrderLine.objects.filter(order=order).values("title", "quantity", "total_fen"))
            == (lines_before[order.pk])
        )
        assert order.recipient == "已注销用户" and order.phone == "" and order.address_detail == ""
        assert (
            order.district == ""
            and order.remark == ""
            and (order.province, order.city) == ("广东省", "深圳市")
        )
        assert not TrackingEvent.objects.filter(shipment__order=order).exists()
        assert Shipment.objects.filter(order=order).exists()  # the merchant's record that it shipped
    rows = json.dumps(
        [model_to_dict(o) for o in Order.objects.filter(user=shopper)]
        + [model_to_dict(e) for e in OrderEvent.objects.filter(order__user=shopper)],
        ensure_ascii=False, default=str,
    )  # fmt: skip
    assert PHONE not in rows and DETAIL not in rows and "张三" not in rows and "签收人" not in rows
    assert PaymentAttempt.objects.get(order=order_a).payer_openid == ""

    # the person is gone: identity, addresses, WeChat, profiles and tags, unused coupons, sessions
    user = User.objects.get(pk=shopper.pk)
    assert user.erased_at is not None and not user.is_active and not user.has_usable_password()
    assert (user.phone, user.nickname, user.email, user.first_name, user.last_name) == ("", "", "", "", "")
    assert user.username.startswith("erased_") and "zhang" not in user.username
    assert user.display_name == "已注销用户"
    assert not Address.objects.filter(user=user).exists()
    assert not WeChatIdentity.objects.filter(user=user).exists()
    assert not Follower.objects.filter(openid="o-zhang-a").exists()
    assert not InboundMessage.objects.filter(from_openid="o-zhang-a").exists()
    assert not Conversation.objects.filter(openid="o-zhang-a").exists()  # the inbox thread and replies
    assert not CustomerServiceMessage.objects.filter(openid="o-zhang-a").exists()
    assert not MessageSubscription.objects.filter(user=user).exists()
    assert not CustomerProfile.objects.filter(user=user).exists()  # both shops'
    assert not world["tag"].profiles.exists() and Tag.objects.filter(pk=world["tag"].pk).exists()
    assert not CouponClaim.objects.filter(user=user).exists()
    assert not Cart.objects.filter(user=user).exists()
    assert not Token.objects.filter(user=user).exists()
    assert not Session.objects.filter(session_key__in=[session_key, other_browser]).exists()
    assert client.get("/s/shop-a/me/").status_code == 302  # logged out

    # the other shopper is untouched
    other = Order.objects.get(pk=world["other_order"].pk)
    assert (other.recipient, other.phone, other.address_detail) == ("李四", "13900001111", "李四家")
    assert User.objects.get(pk=world["other"].pk).is_active


def test_the_same_phone_and_the_same_wechat_sign_up_afresh(world, outbox):
    shopper, account = world["shopper"], world["account"]
    privacy.account_erase(user=shopper, confirmation="注销")
    phone_code_send(phone=PHONE, ip="10.0.0.1")
    code = outbox[-1][1].split("验证码是 ")[1][:6]
    fresh = phone_code_login(phone=PHONE, code=code)
    assert fresh.pk != shopper.pk and fresh.phone == PHONE and fresh.is_active
    again, _identity, created = identity_login(kind="account", appid=account.appid, openid="o-zhang-a")
    assert created and again.pk not in (shopper.pk, fresh.pk)
    # and the new account sees nothing of the old one
    assert not Order.objects.filter(user=fresh).exists() and not Address.objects.filter(user=fresh).exists()


def test_the_typed_word_is_required(client, world):
    client.force_login(world["shopper"])
    page = client.post("/s/shop-a/me/privacy/erase/", {"confirm": "确认"})
    assert page.status_code == 200 and "请输入“注销”两个字确认注销" in page.content.decode()
    with pytest.raises(ApplicationError) as refused:
        privacy.account_erase(user=world["shopper"], confirmation="")
    assert refused.value.code == "account_erase_unconfirmed"
    assert User.objects.get(pk=world["shopper"].pk).is_active


def snapshot(user) -> dict:
    sets = {
        "user": User.objects.filter(pk=user.pk),
        "orders": Order.objects.filter(user=user),
        "events": OrderEvent.objects.filter(order__user=user),
        "addresses": Address.objects.filter(user=user),
        "identities": WeChatIdentity.objects.filter(user=user),
        "followers": Follower.objects.all(),
        "profiles": CustomerProfile.objects.filter(user=user),
        "claims": CouponClaim.objects.filter(user=user),
        "tokens": Token.objects.filter(user=user),
        "attempts": PaymentAttempt.objects.filter(order__user=user),
        "tracking": TrackingEvent.objects.filter(shipment__order__user=user),
    }
    return {name: [model_to_dict(r) for r in qs.order_by("pk")] for name, qs in sets.items()}


def test_an_unfinished_order_blocks_deletion_and_nothing_changes(client, world, shop_b):
    shopper = world["shopper"]
    sku = make_product(shop=shop_b, title="还没发货的", price_fen=1000, stock=5).skus.get()
    order = order_services.order_place(shop=shop_b, user=shopper, items=[(sku.pk, 1)],
                                       address_id=Address.objects.filter(user=shopper).first().pk)  # fmt: skip
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    client.force_login(shopper)
    before = snapshot(shopper)
    page = client.get("/s/shop-a/me/privacy/erase/").content.decode()
    assert "暂时不能注销" in page and "乙店 1 个" in page and "privacy-erase-confirm" not in page
    response = client.post("/s/shop-a/me/privacy/erase/", {"confirm": "注销"})
    assert response.status_code == 200 and "乙店 1 个" in response.content.decode()
    with pytest.raises(ApplicationError) as refused:
        privacy.account_erase(user=User.objects.get(pk=shopper.pk), confirmation="注销")
    assert refused.value.code == "account_erase_blocked" and refused.value.http_status == 409
    assert "乙店 1 个" in refused.value.fields["blockers"][0]
    assert snapshot(shopper) == before
    assert client.get("/s/shop-a/me/").status_code == 200  # still logged in


def test_an_open_after_sale_blocks_deletion(world):
    shopper, order = world["shopper"], world["order_a"]
    order_services.after_sale_request(
        order=order, user=shopper, kind="refund_only", reason="坏了", amount_fen=100
    )
    assert AfterSale.objects.filter(order=order, status="requested").exists()
    [reason] = privacy.account_erase_blockers(user=shopper)
    assert "正在处理的售后（甲店 1 个）" in reason


def test_staff_accounts_are_never_erased_from_a_shop(merchant_a):
    assert privacy.account_erase_blockers(user=merchant_a) == [
        "这是商家或平台的管理账号，不能在店铺里注销，请联系平台客服。"
    ]


def test_api_deletion(world):
    shopper = world["shopper"]
    token = Token.objects.get(user=shopper).key
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    state = api.get("/api/v1/me/erase/").json()
    assert state == {"can_erase": True, "blockers": [], "confirmation": "注销"}
    refused = api.post("/api/v1/me/erase/", {"confirm": "好的"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "account_erase_unconfirmed"
    assert api.post("/api/v1/me/erase/", {}, format="json").json()["code"] == "invalid"
    assert api.post("/api/v1/me/erase/", {"confirm": "注销"}, format="json").status_code == 204
    assert api.get("/api/v1/me/erase/").status_code == 401  # the token is gone
    assert User.objects.get(pk=shopper.pk).erased_at is not None


def test_api_deletion_blocked(world, shop_a):
    shopper = world["shopper"]
    sku = make_product(shop=shop_a, title="待付款", price_fen=1000, stock=5).skus.get()
    order_services.order_place(shop=shop_a, user=shopper, items=[(sku.pk, 1)],
                               address_id=Address.objects.filter(user=shopper).first().pk)  # fmt: skip
    api = APIClient()
    api.force_authenticate(shopper)
    state = api.get("/api/v1/me/erase/").json()
    assert state["can_erase"] is False and "待付款的订单请先付款或取消" in state["blockers"][0]
    response = api.post("/api/v1/me/erase/", {"confirm": "注销"}, format="json")
    body = response.json()
    assert response.status_code == 409 and body["code"] == "account_erase_blocked"
    assert body["fields"]["blockers"] == state["blockers"]
    assert User.objects.get(pk=shopper.pk).is_active


def test_erasing_twice_does_nothing_more(world):
    shopper = world["shopper"]
    privacy.account_erase(user=shopper, confirmation="注销")
    erased = model_to_dict(User.objects.get(pk=shopper.pk))
    privacy.account_erase(user=User.objects.get(pk=shopper.pk), confirmation="注销")
    assert model_to_dict(User.objects.get(pk=shopper.pk)) == erased


def test_login_codes_of_the_number_go_too(world):
    now = timezone.now()
    PhoneLoginCode.objects.create(
        phone=PHONE, code_hash="x", created_at=now, expires_at=now + timedelta(minutes=5)
    )
    privacy.account_erase(user=world["shopper"], confirmation="注销")
    assert not PhoneLoginCode.objects.filter(phone=PHONE).exists()
