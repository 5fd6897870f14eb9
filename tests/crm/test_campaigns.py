"""Marketing campaigns (docs/crm.md#messages): the preview counts what sending does; every customer
of the segment ends with a delivery row (sent, capped, opted out, unreachable with the reason,
failed); the push budget, the quiet hours and opt-outs hold; WeChat's refusals are recorded; order
messages are never counted or blocked. WeChat is the local simulator, over HTTP."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from crm.models.campaigns import Campaign, CampaignDelivery, CampaignSettings
from crm.models.profiles import CustomerProfile
from crm.selectors import campaigns as selectors
from crm.services import campaigns as services
from tests.crm.campaign_helpers import (
    campaign,
    confirm,
    daytime,
    everyone,
    followers,
    local,
    run_until_idle,
    statuses,
)
from tests.devtools import hooks
from tests.factories import ShopperFactory
from tests.wechat import conftest as wechat_fixtures
from tests.wechat.conftest import APPID, MP_APPID
from wechat import notifications
from wechat.models import Follower, MessageSubscription, WeChatIdentity

# the WeChat account and simulator fixtures of tests/wechat/ (no conftest here: crm's areas share this folder)
account, sim = wechat_fixtures.account, wechat_fixtures.sim

pytestmark = pytest.mark.django_db(transaction=True)
D = CampaignDelivery.Status
R = CampaignDelivery.Reason


def mini_subscriber(shop, account, name: str) -> CustomerProfile:
    """A mini-program shopper (not a follower) who accepted the shop's marketing template once."""
    from devtools.wechat_sim import views as simulator

    shopper = ShopperFactory(nickname=name)
    openid = f"o-mini-{name}"
    WeChatIdentity.objects.create(user=shopper, kind="miniprogram", appid=MP_APPID, openid=openid)
    simulator.accept_subscriptions(appid=MP_APPID, openid=openid, template_ids=["MP_MARKETING"])
    notifications.subscriptions_record(shop_id=shop.pk, user=shopper, results={"MP_MARKETING": "accept"})
    return CustomerProfile.objects.create(shop=shop, user=shopper)


@pytest.fixture(autouse=True)
def _marketing_template(account):
    """The shop's account with a marketing subscribe-message template (tests/wechat/conftest.py)."""
    account.mp_tpl_marketing = "MP_MARKETING"
    account.save()


def test_preview_counts_what_sending_does_and_every_customer_has_a_row(sim, shop_a, account):
    reachable = followers(shop_a, account, 3)
    (opted,) = followers(shop_a, account, 1, prefix="o-opted", marketing_opt_out_at=timezone.now())
    (capped,) = followers(
        shop_a, account, 1, prefix="o-capped", last_marketing_at=timezone.now() - timedelta(days=1)
    )
    (quiet,) = followers(shop_a, account, 1, prefix="o-quiet", hours_ago=60)  # outside the 48 hours
    stranger = CustomerProfile.objects.create(shop=shop_a, user=ShopperFactory())  # no WeChat at all
    mini = mini_subscriber(shop_a, account, "小程序用户")
    found = campaign(shop_a)

    preview = selectors.preview_counts(campaign=found, now=timezone.now())
    assert (preview.total, preview.receive, preview.by_account, preview.by_miniprogram) == (8, 4, 3, 1)
    assert (preview.opted_out, preview.capped, preview.unreachable) == (1, 1, 2)
    assert preview.unreachable_by_reason == {R.NOT_FOLLOWER: 1, R.WINDOW_CLOSED: 1}

    confirm(found)
    run_until_idle()
    found.refresh_from_db()
    assert found.status == Campaign.Status.SENT and found.finished_at is not None
    assert statuses(found) == {D.SENT: 4, D.OPTED_OUT: 1, D.CAPPED: 1, D.UNREACHABLE: 2}
    rows = {d.profile_id: d for d in CampaignDelivery.objects.filter(campaign=found)}
    assert {rows[p.pk].channel for p in reachable} == {"account"} and rows[mini.pk].channel == "miniprogram"
    assert rows[opted.pk].status == D.OPTED_OUT and rows[capped.pk].status == D.CAPPED
    assert (rows[quiet.pk].status, rows[quiet.pk].reason) == (D.UNREACHABLE, R.WINDOW_CLOSED)
    assert (rows[stranger.pk].status, rows[stranger.pk].reason) == (D.UNREACHABLE, R.NOT_FOLLOWER)
    results = selectors.campaign_results(campaign=found)
    assert results.by_status == {D.SENT: 4, D.OPTED_OUT: 1, D.CAPPED: 1, D.UNREACHABLE: 2}

    sent = hooks.custom_messages(APPID)
    assert sorted(m["touser"] for m in sent) == sorted(p.oa_openid for p in reachable)
    text = sent[0]["text"]["content"]
    assert (
        text.startswith("周末上新，全场包邮。") and "/s/shop-a/" in text and "/messages/unsubscribe/" in text
    )
    (subscribe,) = hooks.subscribe_messages(MP_APPID)
    assert subscribe["touser"] == "o-mini-小程序用户" and subscribe["template_id"] == "MP_MARKETING"
    assert subscribe["data"]["thing1"]["value"] == "周末上新，全场包邮。"
    assert "u=" in subscribe["page"]
    assert MessageSubscription.objects.get(user=mini.user).remaining == 0  # one send, one acceptance
    for profile in reachable:
        profile.refresh_from_db()
        assert profile.last_marketing_at is not None


def test_a_thousand_customers_sent_twice_in_a_day_receive_one_message_each(sim, shop_a, account):
    profiles = followers(shop_a, account, 1000)
    first, second = campaign(shop_a, name="第一次"), campaign(shop_a, name="第二次")
    confirm(first)
    run_until_idle()
    confirm(second)
    run_until_idle()
    assert statuses(first) == {D.SENT: 1000}
    assert statuses(second) == {D.CAPPED: 1000}
    received: dict[str, int] = {}
    for message in hooks.custom_messages(APPID):
        received[message["touser"]] = received.get(message["touser"], 0) + 1
    assert received == {p.oa_openid: 1 for p in profiles}


def test_the_budget_counts_the_shops_days(sim, shop_a, account):
    CampaignSettings.objects.create(shop=shop_a, min_days_between=2)
    (fan,) = followers(shop_a, account, 1)
    first = campaign(shop_a, name="第一次")
    start = local(0, 10)
    confirm(first, now=start)
    run_until_idle(now=start)
    # thirty hours later: still within two days
    later = campaign(shop_a, name="第二次")
    confirm(later, now=start + timedelta(hours=30))
    run_until_idle(now=start + timedelta(hours=30))
    # two days later (the follower wrote again meanwhile): allowed again
    third = campaign(shop_a, name="第三次")
    then = start + timedelta(days=2, minutes=1)
    Follower.objects.filter(openid=fan.oa_openid).update(last_interaction_at=then - timedelta(hours=1))
    confirm(third, now=then)
    run_until_idle(now=then)
    assert [statuses(c) for c in (first, later, third)] == [{D.SENT: 1}, {D.CAPPED: 1}, {D.SENT: 1}]
    assert len(hooks.custom_messages(APPID)) == 2


def test_a_campaign_due_in_the_quiet_hours_waits_for_eight_oclock(sim, shop_a, account):
    followers(shop_a, account, 2)
    found = campaign(shop_a)
    tonight = local(0, 23)
    confirm(found, now=tonight)
    found.refresh_from_db()
    assert found.due_at == local(1, 8)  # 立即发送 at 23:00 means 08:00 tomorrow
    assert run_until_idle(now=local(1, 2)) == 0 and run_until_idle(now=local(1, 7, 59)) == 0
    found.refresh_from_db()
    assert found.status == Campaign.Status.SCHEDULED and hooks.custom_messages() == []
    run_until_idle(now=local(1, 8))
    assert statuses(found) == {D.SENT: 2}


def test_deliveries_waiting_at_ten_at_night_are_sent_after_eight(sim, shop_a, account):
    followers(shop_a, account, 3)
    found = campaign(shop_a)
    evening = local(0, 21, 59)
    confirm(found, now=evening)
    services.campaigns_start_due(now=evening)
    assert services.campaign_build_batch(campaign_id=found.pk, now=evening) == 3  # the list, before 22:00
    assert services.campaigns_run(now=local(0, 22, 1)) == 0  # then the quiet hours: nothing goes out
    assert statuses(found) == {D.PENDING: 3} and hooks.custom_messages() == []
    run_until_idle(now=local(1, 8, 1))
    assert statuses(found) == {D.SENT: 3}
    sent_at = set(CampaignDelivery.objects.filter(campaign=found).values_list("sent_at", flat=True))
    assert sent_at == {local(1, 8, 1)}


def test_a_customer_who_unsubscribes_is_never_sent_marketing(sim, client, shop_a, account):
    fan, other = followers(shop_a, account, 2)
    found = campaign(shop_a)
    confirm(found)
    services.campaigns_start_due(now=daytime())
    services.campaign_build_batch(campaign_id=found.pk, now=daytime())
    token = services.unsubscribe_token(shop_id=shop_a.pk, profile_id=fan.pk)
    assert client.get(f"/s/shop-a/messages/unsubscribe/{token}/").status_code == 200  # while it waits
    run_until_idle()
    assert CampaignDelivery.objects.get(campaign=found, profile=fan).status == D.OPTED_OUT
    assert [m["touser"] for m in hooks.custom_messages()] == [other.oa_openid]
    fan.refresh_from_db()
    assert fan.last_marketing_at is None  # the budget it claimed went back
    # and the next campaign skips them from the start
    again = campaign(shop_a, name="下一次")
    confirm(again)
    run_until_idle()
    assert CampaignDelivery.objects.get(campaign=again, profile=fan).status == D.OPTED_OUT


def test_the_link_in_every_message_unsubscribes_in_one_tap_and_can_be_undone(
    sim, client, shop_a, shop_b, account
):
    (fan,) = followers(shop_a, account, 1)
    confirm(campaign(shop_a))
    run_until_idle()
    (message,) = hooks.custom_messages()
    url = message["text"]["content"].rsplit("一键退订：", 1)[1].strip()
    path = urlsplit(url).path
    page = client.get(path)
    assert (
        page.status_code == 200
        and "已退订活动消息" in page.content.decode()
        and "重新订阅" in page.content.decode()
    )
    fan.refresh_from_db()
    first = fan.marketing_opt_out_at
    assert first is not None
    client.get(path)  # a second tap changes nothing
    fan.refresh_from_db()
    assert fan.marketing_opt_out_at == first
    page = client.post(path, {"action": "resubscribe"})
    assert "已重新订阅" in page.content.decode()
    fan.refresh_from_db()
    assert fan.marketing_opt_out_at is None
    # a tampered token, or shop A's token under shop B, is the 404 page and changes nothing
    assert client.get(path[:-3] + "xx/").status_code == 404
    assert client.get(path.replace("/s/shop-a/", "/s/shop-b/")).status_code == 404
    assert client.head(path).status_code == 200  # a link checker's HEAD opts nobody out
    fan.refresh_from_db()
    assert fan.marketing_opt_out_at is None


def test_wechat_answering_45015_marks_the_delivery_unreachable_with_the_reason(sim, shop_a, account):
    (fan,) = followers(shop_a, account, 1)  # we saw them write an hour ago ...
    hooks.follower_interacted(APPID, fan.oa_openid, hours_ago=49)  # ... WeChat says otherwise
    found = campaign(shop_a)
    confirm(found)
    run_until_idle()
    delivery = CampaignDelivery.objects.get(campaign=found)
    assert (delivery.status, delivery.reason) == (D.UNREACHABLE, R.WECHAT_WINDOW)
    assert delivery.detail.startswith("45015") and "48 小时" in delivery.outcome
    fan.refresh_from_db()
    assert fan.last_marketing_at is None  # nothing reached them: the budget is free again
    assert hooks.custom_messages() == []


def test_wechat_answering_43101_to_a_subscribe_message_marks_it_unreachable(sim, shop_a, account):
    mini = mini_subscriber(shop_a, account, "拒收")
    hooks.refuse_messages("o-mini-拒收")
    found = campaign(shop_a)
    confirm(found)
    run_until_idle()
    delivery = CampaignDelivery.objects.get(campaign=found, profile=mini)
    assert (delivery.status, delivery.reason, delivery.channel) == (
        D.UNREACHABLE,
        R.WECHAT_REFUSED,
        "miniprogram",
    )
    assert delivery.detail.startswith("43101")


def test_a_failed_send_is_retried_then_sent(sim, shop_a, account):
    (fan,) = followers(shop_a, account, 1)
    hooks.fail_next_message(fan.oa_openid)
    found = campaign(shop_a)
    start = local(0, 10)
    confirm(found, now=start)
    run_until_idle(now=start)
    delivery = CampaignDelivery.objects.get(campaign=found)
    assert (delivery.status, delivery.attempts) == (D.PENDING, 1) and delivery.detail.startswith("-1")
    run_until_idle(now=start + timedelta(minutes=2))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (D.SENT, 2)
    assert len(hooks.custom_messages()) == 1


def test_a_campaign_is_cancelled_before_it_sends_and_not_after(sim, shop_a, account):
    followers(shop_a, account, 2)
    found = campaign(shop_a, send_at=daytime() + timedelta(hours=3))
    confirm(found)
    services.campaign_cancel(shop=shop_a, campaign_id=found.pk)
    run_until_idle(now=daytime() + timedelta(hours=4))
    found.refresh_from_db()
    assert (
        found.status == Campaign.Status.CANCELLED and statuses(found) == {} and hooks.custom_messages() == []
    )

    started = campaign(shop_a, name="已开始")
    confirm(started)
    run_until_idle()
    from core.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        services.campaign_cancel(shop=shop_a, campaign_id=started.pk)
    assert refused.value.code == "campaign_already_sending"


def test_order_messages_are_never_counted_or_blocked(sim, shop_a, account):
    """A customer at their budget and unsubscribed from marketing still gets every order message,
    and an order message never uses up the budget."""
    from orders import services as order_services
    from tests.factories import AddressFactory, make_product
    from wechat.models import Notification

    shopper = ShopperFactory()
    WeChatIdentity.objects.create(user=shopper, kind="account", appid=APPID, openid="o-buyer")
    Follower.objects.create(shop=shop_a, openid="o-buyer", last_interaction_at=timezone.now())
    hooks.follower_interacted(APPID, "o-buyer")
    just_now = timezone.now() - timedelta(minutes=5)
    profile = CustomerProfile.objects.create(
        shop=shop_a, user=shopper, last_marketing_at=just_now, marketing_opt_out_at=just_now
    )
    sku = make_product(shop=shop_a, title="羊毛围巾", price_fen=5900, stock=5).skus.get()
    order = order_services.order_place(shop=shop_a, user=shopper, items=[(sku.pk, 1)],
                                       address_id=AddressFactory(user=shopper).pk)  # fmt: skip
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    assert notifications.notifications_send_due() == 1
    assert Notification.objects.get(order=order, channel="account").status == Notification.Status.SENT
    profile.refresh_from_db()
    assert profile.last_marketing_at == just_now  # not counted

    # the other way round: an order message does not stop the next campaign
    CustomerProfile.objects.filter(pk=profile.pk).update(last_marketing_at=None, marketing_opt_out_at=None)
    order_services.order_ship(
        shop=shop_a, order_no=order.order_no, carrier="sf", tracking_no="SF1234567890", actor=None
    )
    assert notifications.notifications_send_due() == 1
    found = campaign(shop_a)
    confirm(found)
    run_until_idle()
    assert statuses(found) == {D.SENT: 1}


def test_confirming_checks_the_campaign(sim, shop_a, shop_b, account):
    from core.errors import ApplicationError
    from tests.factories import make_product

    def refused(found, **kwargs):
        with pytest.raises(ApplicationError) as error:
            confirm(found, **kwargs)
        return error.value.code

    assert refused(campaign(shop_a, send_at=daytime() - timedelta(minutes=1))) == "campaign_time_past"
    off_shelf = make_product(shop=shop_a, title="下架商品", status="draft")
    assert (
        refused(campaign(shop_a, link_kind="product", product=off_shelf, page="")) == "campaign_link_invalid"
    )
    assert refused(campaign(shop_b, segment=everyone(shop_b))) == "wechat_not_configured"
    sent = campaign(shop_a)
    confirm(sent)
    assert refused(sent) == "campaign_not_draft"


def test_the_minimum_days_is_never_below_two():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        CampaignSettings(shop_id=1, min_days_between=1).full_clean(exclude=["shop"])
    assert "min_days_between" in error.value.message_dict
    CampaignSettings(shop_id=1, min_days_between=2).full_clean(exclude=["shop"])
    assert CampaignSettings().min_days_between == 3


def test_a_worker_killed_mid_send_is_retried_once_then_given_up(sim, shop_a, account):
    followers(shop_a, account, 2)
    found = campaign(shop_a)
    confirm(found)
    now = daytime()
    services.campaigns_start_due(now=now)
    services.campaign_build_batch(campaign_id=found.pk, now=now)
    (killed,) = services.deliveries_claim_due(now=now)  # ... and its worker dies here
    run_until_idle(now=now)
    assert statuses(found) == {D.SENT: 1, D.SENDING: 1}  # the other one went; the claimed one is leased
    later = now + services.LEASE + timedelta(seconds=1)
    run_until_idle(now=later)
    killed.refresh_from_db()
    assert (killed.status, killed.attempts) == (D.SENT, 2)
    assert len(hooks.custom_messages()) == 2

    twice = campaign(shop_a, name="又一次")
    then = now + timedelta(days=4)
    Follower.objects.filter(shop=shop_a).update(last_interaction_at=then - timedelta(hours=1))
    confirm(twice, now=then)
    services.campaigns_start_due(now=then)
    services.campaign_build_batch(campaign_id=twice.pk, now=then)
    assert statuses(twice) == {D.PENDING: 2}
    # both claimed and killed, retried once each and killed again
    CampaignDelivery.objects.filter(campaign=twice).update(status=D.SENDING, lease_lapses=1, lease_until=then)
    run_until_idle(now=then + services.LEASE + timedelta(seconds=1))
    assert statuses(twice) == {D.FAILED: 2}  # the message may have arrived: never a second copy
