"""The merchant's side of campaigns in admin: the push budget's floor, writing a campaign and
landing on its preview, confirming and cancelling there, the results page, and another shop's
merchant reaching none of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models.campaigns import Campaign, CampaignDelivery, CampaignSettings
from crm.models.profiles import CustomerProfile
from tests.crm.campaign_helpers import campaign, everyone
from tests.factories import ShopperFactory, simulator_wechat_account

pytestmark = pytest.mark.django_db


def test_the_budget_cannot_go_below_two_days(client, merchant_a, shop_a):
    client.force_login(merchant_a)
    response = client.post(reverse("admin:crm_campaignsettings_add"), {"min_days_between": "1"})
    assert response.status_code == 200
    assert "2" in str(response.context["adminform"].form.errors["min_days_between"])
    assert not CampaignSettings.objects.exists()
    response = client.post(reverse("admin:crm_campaignsettings_add"), {"min_days_between": "2"})
    assert response.status_code == 302 and CampaignSettings.objects.get(shop=shop_a).min_days_between == 2


def test_a_saved_campaign_opens_its_preview_then_is_confirmed_or_cancelled(client, merchant_a, shop_a):
    simulator_wechat_account(shop_a)
    segment = everyone(shop_a)
    CustomerProfile.objects.create(shop=shop_a, user=ShopperFactory())
    client.force_login(merchant_a)
    response = client.post(reverse("admin:crm_campaign_add"), {
        "name": "上新", "text": "秋冬新品到店。", "link_kind": "page", "page": "home", "segment": segment.pk,
        "send_at_0": "", "send_at_1": "",
    })  # fmt: skip
    found = Campaign.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "admin:crm_campaign_preview", args=[found.pk]
    )
    page = client.get(response.url).content.decode()
    assert "将收到" in page and "无法触达" in page and "秋冬新品到店。" in page and "一键退订" in page
    client.post(response.url, {"action": "send"})
    found.refresh_from_db()
    assert found.status == Campaign.Status.SCHEDULED and found.due_at is not None
    assert (
        client.get(reverse("admin:crm_campaign_change", args=[found.pk])).context["has_change_permission"]
        is False
    )
    client.post(response.url, {"action": "cancel"})
    found.refresh_from_db()
    assert found.status == Campaign.Status.CANCELLED


def test_a_link_must_be_valid_and_a_time_in_the_future(client, merchant_a, shop_a):
    from tests.factories import make_coupon

    segment = everyone(shop_a)
    sent_only = make_coupon(shop=shop_a, name="专属券", distribution="sent")
    client.force_login(merchant_a)
    past = timezone.localtime() - timedelta(hours=1)
    response = client.post(reverse("admin:crm_campaign_add"), {
        "name": "领券", "text": "领券啦", "link_kind": "coupon", "coupon": sent_only.pk, "segment": segment.pk,
        "send_at_0": past.strftime("%Y-%m-%d"), "send_at_1": past.strftime("%H:%M:%S"),
    })  # fmt: skip
    errors = response.context["adminform"].form.errors
    assert "coupon" in errors and "send_at" in errors  # a coupon shoppers cannot claim is not offered
    response = client.post(reverse("admin:crm_campaign_add"), {
        "name": "商品", "text": "看看", "link_kind": "product", "segment": segment.pk, "send_at_0": "", "send_at_1": "",
    })  # fmt: skip
    assert "请选择要链接的商品" in str(response.context["adminform"].form.errors)
    assert not Campaign.objects.exists()


def test_the_results_page_counts_and_lists_every_customer(client, merchant_a, merchant_b, shop_a):
    found = campaign(shop_a, status=Campaign.Status.SENT)
    outcomes = [
        ("sent", ""),
        ("capped", ""),
        ("opted_out", ""),
        ("unreachable", "window_closed"),
        ("failed", ""),
    ]
    for status, reason in outcomes:
        profile = CustomerProfile.objects.create(shop=shop_a, user=ShopperFactory(nickname=f"顾客{status}"))
        CampaignDelivery.objects.create(shop=shop_a, campaign=found, profile=profile, status=status, reason=reason,
                                        channel="account" if status == "sent" else "")  # fmt: skip
    client.force_login(merchant_a)
    url = reverse("admin:crm_campaign_results", args=[found.pk])
    page = client.get(url).content.decode()
    for label in ("已发送 1", "频次限制 1", "已退订 1", "无法触达 1", "失败 1", "超过 48 小时未与公众号互动"):
        assert label in page, label
    assert all(f"顾客{status}" in page for status, _reason in outcomes)
    only_sent = client.get(url, {"status": "sent"}).content.decode()
    assert "顾客sent" in only_sent and "顾客capped" not in only_sent
    client.force_login(merchant_b)
    assert client.get(url).status_code == 404
    assert client.get(reverse("admin:crm_campaign_preview", args=[found.pk])).status_code == 404
    assert (
        client.post(reverse("admin:crm_campaign_preview", args=[found.pk]), {"action": "cancel"}).status_code
        == 404
    )
