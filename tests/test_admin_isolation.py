"""Tenant isolation in admin, walked over EVERY registered model: merchant B can neither read nor
write anything of merchant A's shop — not by list, search, change/delete/history URL, POST, or a
foreign-key choice. A model registered later is covered the day it is registered."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.forms import ModelChoiceField
from django.urls import reverse

from shop.admin_base import ShopScopedAdmin
from shop.models import Shop
from tests.factories import add_image, product_with_matrix


def scoped_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ShopScopedAdmin)
    ]


def objects_of(shop: Shop, model, model_admin):
    return list(model._default_manager.filter(**{model_admin.shop_lookup: shop.pk}))


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def two_shops(shop_a, shop_b, merchant_a, merchant_b):
    """Shop A with one of everything a merchant owns; shop B with its own product."""
    from catalog.models import Category

    clothes = Category.objects.create(shop=shop_a, name="甲的分类")
    product = product_with_matrix(shop=shop_a, title="甲的商品")
    product.category = clothes
    product.save()
    add_image(product)
    product_with_matrix(shop=shop_b, title="乙的商品")
    Category.objects.create(shop=shop_b, name="乙的分类")

    from orders import services as order_services
    from orders.models import ShippingRegionFee
    from tests.factories import AddressFactory

    address = AddressFactory()
    sku = product.skus.filter(is_active=True).first()
    order = order_services.order_place(
        shop=shop_a, user=address.user, items=[(sku.pk, 1)], address_id=address.pk
    )
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    order_services.after_sale_request(
        order=order, user=address.user, kind="refund_only", reason="甲的售后", amount_fen=100
    )
    from orders.models import OrderDiscount

    OrderDiscount.objects.create(shop=shop_a, order=order, code="test", label="甲的满减", amount_fen=100)
    ShippingRegionFee.objects.create(shop=shop_a, province_code="540000", fee_fen=3000)
    ShippingRegionFee.objects.create(shop=shop_b, province_code="540000", fee_fen=2000)
    from orders.models import ReturnSettings

    for shop, label in ((shop_a, "甲"), (shop_b, "乙")):  # 退货设置
        ReturnSettings.objects.create(
            shop=shop, recipient=f"{label}的仓库", phone="021-1234567", address=f"{label}的退货地址"
        )

    from devtools.wechatpay_sim import keys as simulator
    from payments.models import PaymentAttempt, Refund, WeChatPayConfig
    from payments.wechat import crypto

    for shop in (shop_a, shop_b):
        WeChatPayConfig.objects.filter(shop=shop).delete()  # replaces the factory's stand-in account
        WeChatPayConfig.objects.create(
            shop=shop, mchid=f"19{shop.pk:08d}", appid="wxa", merchant_serial_no="S",
            merchant_private_key=crypto.private_pem(crypto.new_private_key()), apiv3_key="k" * 32,
            **simulator.platform_settings(),
        )  # fmt: skip
    PaymentAttempt.objects.create(shop=shop_a, order=order, out_trade_no=f"{order.order_no}P01", scene="jsapi",
                                  amount_fen=order.total_fen)  # fmt: skip
    Refund.objects.create(shop=shop_a, order=order, provider="local", amount_fen=100)
    from payments.models import Transfer, TransferEvent

    for shop, n in ((shop_a, 1), (shop_b, 2)):  # 商家转账 (payments/transfers.py)
        transfer = Transfer.objects.create(shop=shop, appid="wxa", openid=f"o-{n}", amount_fen=100 * n,
                                           remark="推广佣金提现", scene_id="1005", reference=f"isolation:{n}")  # fmt: skip
        TransferEvent.objects.create(shop=shop, transfer=transfer, actor_kind="system", to_state="created")

    from wechat import models as wx

    for shop, n in ((shop_a, 1), (shop_b, 2)):
        wx.WeChatAccount.objects.create(shop=shop, appid=f"wx{n:016x}", secret="s", token="t")
        wx.AutoReplyRule.objects.create(shop=shop, keyword="订单", reply="看订单")
        wx.ChannelQRCode.objects.create(shop=shop, name="门店海报", scene="store")
        wx.Follower.objects.create(shop=shop, openid=f"o-{n}")
        wx.QRScan.objects.create(shop=shop, openid=f"o-{n}", scene="store")
        wx.InboundMessage.objects.create(shop=shop, dedup_key=f"k{n}", from_openid=f"o-{n}", msg_type="text")
    wx.MessageSubscription.objects.create(shop=shop_a, user=address.user, template_id="MP", remaining=1)
    paid_event = order.events.get(type="paid")
    wx.Notification.objects.create(shop=shop_a, order=order, order_event=paid_event, event="paid",
                                   channel="account", openid="o-1", template_id="T")  # fmt: skip

    from promotions import services as promotion_services
    from promotions.models import Coupon, FollowerGrant
    from tests.factories import make_coupon, make_red_packet_pool

    for shop, label in ((shop_a, "甲"), (shop_b, "乙")):
        coupon = make_coupon(shop=shop, name=f"{label}的券", distribution=Coupon.Distribution.SENT)
        promotion_services.coupon_send(shop=shop, coupon=coupon, users=[address.user])
        make_red_packet_pool(shop=shop, name=f"{label}的红包券")
        gift = make_coupon(shop=shop, name=f"{label}的关注券", distribution=Coupon.Distribution.FOLLOWER)
        FollowerGrant.objects.create(shop=shop, appid=f"wx-{label}", openid=f"o-{label}", coupon=gift)

    from promotions.flash.models import FlashSaleSettings
    from tests.factories import make_product
    from tests.promotions.flash.helpers import make_session

    for shop, label in ((shop_a, "甲"), (shop_b, "乙")):
        flash_sku = make_product(shop=shop, title=f"{label}的秒杀品", price_fen=9900, stock=5).skus.get()
        make_session(shop=shop, sku=flash_sku, flash_price_fen=4900, name=f"{label}的秒杀场")
        FlashSaleSettings.objects.create(shop=shop, pay_minutes=15)

    from tests.groupbuy.helpers import buyer, make_activity, place

    for shop, label in ((shop_a, "甲"), (shop_b, "乙")):  # groupbuy: an activity and a group with its member
        place(make_activity(shop=shop, name=f"{label}的拼团"), buyer(f"{label}的团长"))
    from marketing.models import Channel, MarketingSettings
    from marketing.services import channel_save

    for shop, label, code in ((shop_a, "甲", "pyq-jia"), (shop_b, "乙", "pyq-yi")):
        channel_save(channel=Channel(shop=shop, name=f"{label}的朋友圈", code=code))
        MarketingSettings.objects.create(shop=shop, attribution_window_days=5)
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from core.attribution import Attribution
    from distribution import services as distribution_services
    from distribution.models import DistributionSettings, ProductCommission
    from tests.factories import ShopperFactory

    for shop, label in ((shop_a, "甲"), (shop_b, "乙")):
        WeChatPayConfig.objects.filter(shop=shop).update(transfer_scene_id="1005")  # 商家转账 for withdrawals
        DistributionSettings.objects.create(shop=shop, is_enabled=True, who_may_promote="anyone")
        promoter_user = ShopperFactory(username=f"promoter-{shop.slug}", nickname=f"{label}的推广员")
        promoter = distribution_services.promoter_apply(shop=shop, user=promoter_user)
        wx.WeChatIdentity.objects.create(
            user=promoter_user, kind="account", appid="wxa", openid=f"o-promoter-{label}"
        )
        sold = make_product(shop=shop, title=f"{label}的分销品", price_fen=100000, stock=5)
        ProductCommission.objects.create(shop=shop, product=sold, rate_percent=Decimal("10"))
        buyer = AddressFactory(
            user=ShopperFactory(username=f"referred-{shop.slug}", nickname=f"{label}的客户")
        )
        touch = Attribution(shop_id=shop.pk, referrer_code=str(promoter_user.pk), touched_at=timezone.now())
        referred = order_services.order_place(shop=shop, user=buyer.user, items=[(sold.skus.get().pk, 1)],
                                              address_id=buyer.pk, attribution=touch)  # fmt: skip
        order_services.order_mark_paid(order=referred, amount_fen=referred.total_fen)
        order_services.order_ship(shop=shop, order_no=referred.order_no, carrier="sf", tracking_no=f"SF{referred.pk}000",
                                  actor=None)  # fmt: skip
        order_services.order_confirm_receipt(order=referred, user=buyer.user)
        distribution_services.commissions_settle_due(
            now=timezone.now() + timedelta(days=30)
        )  # ¥100 to withdraw
        asked = distribution_services.withdrawal_request(shop=shop, user=promoter_user, amount_fen=3000)
        distribution_services.withdrawal_approve(shop=shop, withdrawal_id=asked.pk, actor=None)  # a 商家转账
        distribution_services.withdrawal_request(shop=shop, user=promoter_user, amount_fen=2000)  # waiting
        assert promoter.is_approved
    from crm.models.profiles import ChannelTagRule, CustomerProfile, Segment, Tag

    for shop, label, code in ((shop_a, "甲", "pyq-jia"), (shop_b, "乙", "pyq-yi")):  # crm: customers
        tag = Tag.objects.create(shop=shop, name=f"{label}的标签")
        Segment.objects.create(shop=shop, name=f"{label}的分群", filters={"tag": tag.pk})
        rule = ChannelTagRule.objects.create(shop=shop, channel=Channel.objects.get(shop=shop, code=code))
        rule.tags.set([tag])
        assert CustomerProfile.objects.filter(shop=shop).exists()  # made by the orders above
        CustomerProfile.objects.filter(shop=shop).first().tags.add(tag)
    from catalog import services as catalog_services
    from complaints import services as complaint_services
    from tests.factories import UserFactory

    platform = UserFactory(username="isolation-operator", is_staff=True, is_superuser=True)
    for shop, label in ((shop_a, "甲"), (shop_b, "乙")):  # issue 14: low stock and complaints
        low = make_product(shop=shop, title=f"{label}的低库存品", stock=6).skus.get()
        catalog_services.sku_update(sku=low, low_stock_threshold=5)
        catalog_services.stock_settings_save(shop=shop, low_stock_threshold=3)
        stock_buyer = AddressFactory(user=ShopperFactory(username=f"lowstock-{shop.slug}"))
        order_services.order_place(
            shop=shop, user=stock_buyer.user, items=[(low.pk, 2)], address_id=stock_buyer.pk
        )
        complaint = complaint_services.complaint_create(
            shop=shop, user=stock_buyer.user, kind="fake", text=f"{label}的投诉：收到的是假货。"
        )
        complaint_services.complaint_ask_merchant(
            complaint_id=complaint.pk, actor=platform
        )  # the merchant sees it
        complaint_services.complaint_warn_shop(
            complaint_id=complaint.pk, actor=platform, reason=f"{label}的警告内容。"
        )
    from crm.models.campaigns import Campaign, CampaignDelivery, CampaignSettings
    from crm.models.profiles import CustomerProfile, Segment

    for shop, label, n in ((shop_a, "甲", 1), (shop_b, "乙", 2)):  # crm's campaigns and wechat's inbox
        segment = Segment.objects.create(shop=shop, name=f"{label}的活动分群")
        CampaignSettings.objects.create(shop=shop, min_days_between=3)
        Campaign.objects.create(shop=shop, name=f"{label}的草稿活动", text="上新了", segment=segment)
        sent = Campaign.objects.create(shop=shop, name=f"{label}的已发活动", text="上新了", segment=segment,
                                       status=Campaign.Status.SENT)  # fmt: skip
        fan = CustomerProfile.objects.create(shop=shop, oa_openid=f"o-campaign-{n}")
        CampaignDelivery.objects.create(
            shop=shop, campaign=sent, profile=fan, status="sent", channel="account"
        )
        conversation = wx.Conversation.objects.create(
            shop=shop, openid=f"o-{n}", last_message_at=timezone.now(), last_message_preview=f"{label}的消息"
        )
        wx.CustomerServiceMessage.objects.create(
            shop=shop, conversation=conversation, openid=f"o-{n}", content="好的", status="sent"
        )

    from crm.models.members import MemberLevel, MemberSettings
    from crm.services import members as member_services
    from crm.services.profiles import profile_for_user

    for shop, label in ((shop_a, "甲"), (shop_b, "乙")):  # members and points (crm)
        MemberLevel.objects.create(
            shop=shop, name=f"{label}的金卡", threshold_fen=100000, discount_percent=90
        )
        MemberSettings.objects.create(shop=shop, points_enabled=True)
        member = ShopperFactory(username=f"member-{shop.slug}", nickname=f"{label}的会员")
        profile = profile_for_user(shop_id=shop.pk, user_id=member.pk)
        member_services.points_adjust(
            shop=shop, profile_id=profile.pk, points=100, reason=f"{label}的赠送", actor=None
        )
        member_address = AddressFactory(user=member)
        order_services.order_place(  # spends the points: the order's OrderPoints row
            shop=shop, user=member, items=[(make_product(shop=shop, title=f"{label}的积分品").skus.get().pk, 1)],
            address_id=member_address.pk, options={"points": True},
        )  # fmt: skip
    from django.core.files.uploadedfile import SimpleUploadedFile

    from catalog.images import make_demo_image
    from orders.models import Order
    from reviews import services as review_services
    from reviews.models import ReviewSettings

    # reviews: the window, a review with a photo and a merchant's reply
    for shop, label in ((shop_a, "甲"), (shop_b, "乙")):
        ReviewSettings.objects.create(shop=shop, window_days=20)
        done = Order.objects.filter(shop=shop, status="completed").first()
        picture = SimpleUploadedFile(
            "r.jpg", make_demo_image("r", color=(90, 90, 90), size=200), "image/jpeg"
        )
        made = review_services.review_create(shop=shop, user=done.user, order_no=done.order_no, line_id=done.lines.first().pk,
                                             rating=4, text=f"{label}的评价内容", photos=[picture])  # fmt: skip
        review_services.review_reply(shop=shop, review_id=made.pk, text=f"{label}的回复", actor=None)
    return shop_a


def test_every_merchant_model_is_scoped(rf, merchant_a):
    """Every admin a merchant can reach must be a ShopScopedAdmin (or superuser-only)."""
    request = rf.get("/admin/")
    request.user = merchant_a
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, ShopScopedAdmin):
            continue
        assert not model_admin.has_module_permission(request), f"{model.__name__} admin is not shop-scoped"


def test_b_cannot_list_or_search_a_objects(client, two_shops, merchant_b):
    client.force_login(merchant_b)
    for model, model_admin in scoped_admins():
        a_objects = objects_of(two_shops, model, model_admin)
        assert a_objects, f"fixture has no {model.__name__} of shop A: extend two_shops"
        a_pks = {obj.pk for obj in a_objects}
        for params in ({}, {"q": str(a_objects[0])[:20]}, {"all": ""}):
            response = client.get(url(model, "changelist"), params)
            assert response.status_code == 200, model
            shown = {obj.pk for obj in response.context["cl"].result_list}
            assert not shown & a_pks, f"{model.__name__} list shows shop A's rows to B ({params})"


def test_b_cannot_open_change_delete_or_history_of_a_objects(client, two_shops, merchant_b):
    client.force_login(merchant_b)
    for model, model_admin in scoped_admins():
        for obj in objects_of(two_shops, model, model_admin):
            for view in ("change", "delete", "history"):
                response = client.get(url(model, view, obj.pk))
                assert response.status_code in (302, 403, 404), (model.__name__, view)
                if response.status_code == 302:
                    assert response.url == reverse("admin:index"), (model.__name__, view)


def test_b_cannot_change_or_delete_a_objects_by_post(client, two_shops, merchant_b):
    client.force_login(merchant_b)
    for model, model_admin in scoped_admins():
        for obj in objects_of(two_shops, model, model_admin):
            before = model._default_manager.filter(pk=obj.pk).values().get()
            client.post(
                url(model, "change", obj.pk), {"name": "被改了", "title": "被改了", "price_fen": "0.01"}
            )
            client.post(url(model, "delete", obj.pk), {"post": "yes"})
            after = model._default_manager.filter(pk=obj.pk).values().first()
            assert after == before, f"B changed A's {model.__name__}"
            # bulk actions with A's ids do nothing either
            client.post(
                url(model, "changelist"),
                {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
            )
            assert model._default_manager.filter(pk=obj.pk).exists()


def choice_querysets(response):
    context = response.context
    forms = [context["adminform"].form] if context and "adminform" in context else []
    for inline in (context.get("inline_admin_formsets") or []) if context else []:
        forms.extend(inline.formset.forms)
        forms.append(inline.formset.empty_form)
    for form in forms:
        for name, field in form.fields.items():
            # the hidden primary-key field of inline rows only identifies rows already listed
            if isinstance(field, ModelChoiceField) and name != form._meta.model._meta.pk.name:
                yield name, field.queryset


def test_b_add_forms_never_offer_a_objects(client, two_shops, merchant_b):
    client.force_login(merchant_b)
    a_rows = {
        (model._meta.label, obj.pk)
        for model, model_admin in scoped_admins()
        for obj in objects_of(two_shops, model, model_admin)
    }
    a_rows |= {("shop.Shop", two_shops.pk)}
    checked = 0
    for model, model_admin in scoped_admins():
        pages = [url(model, "add")]
        pages += [
            url(model, "change", obj.pk)
            for obj in model._default_manager.exclude(**{model_admin.shop_lookup: two_shops.pk})[:1]
        ]
        for page in pages:
            response = client.get(page)
            if response.status_code != 200:
                continue
            for name, queryset in choice_querysets(response):
                offered = {(queryset.model._meta.label, pk) for pk in queryset.values_list("pk", flat=True)}
                assert not offered & a_rows, f"{model.__name__} form field {name} offers shop A's rows to B"
                checked += 1
    assert checked > 0


def test_operator_sees_both_shops(client, two_shops, operator):
    from catalog.models import Product

    client.force_login(operator)
    response = client.get(url(Product, "changelist"))
    titles = {p.title for p in response.context["cl"].result_list}
    assert {"甲的商品", "乙的商品"} <= titles
    assert client.get(url(Shop, "change", two_shops.pk)).status_code == 200


def test_merchant_without_a_shop_sees_nothing(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="loner", is_staff=True))
    for model, _model_admin in scoped_admins():
        assert client.get(url(model, "changelist")).status_code == 403


def test_b_s_list_filters_offer_none_of_a_s_rows(client, two_shops, merchant_b):
    """A related-field filter in B's sidebar (积分流水's 推广员, a customer's 会员等级) offers only
    rows B's own list refers to: never a name of shop A's (every one of them says 甲)."""
    client.force_login(merchant_b)
    for model, _model_admin in scoped_admins():
        response = client.get(url(model, "changelist"))
        assert response.status_code == 200, model
        changelist = response.context["cl"]
        for spec in changelist.filter_specs:
            for choice in spec.choices(changelist):
                assert "甲" not in str(choice.get("display", "")), (model.__name__, spec.title, choice)
