"""The members back office: levels (with the stacking rules on the page; saving one puts every
customer at their level), the points settings (one per shop, the after-sales window shown), a
customer's points adjusted with a reason (a ledger entry, never an edit), the read-only ledger."""

from __future__ import annotations

import pytest

from crm.models.members import MemberLevel, PointsEntry
from crm.models.profiles import CustomerProfile
from crm.services.profiles import profile_for_user
from tests.crm.members_helpers import (
    buyer,
    give,
    ledger,
    make_levels,
    pay,
    place,
    points_on,
    spend_tracking,  # noqa: F401  (the fixture)
)

pytestmark = pytest.mark.usefixtures("spend_tracking")


def test_the_levels_page_states_the_rules_and_saving_a_level_regrades_customers(client, shop_a, merchant_a):
    make_levels(shop_a)
    user = buyer()
    pay(place(shop_a, user, price_fen=60000))
    assert CustomerProfile.objects.get(user=user).level.name == "银卡"
    client.force_login(merchant_a)
    html = client.get("/admin/crm/memberlevel/").content.decode()
    assert "秒杀价、拼团价商品不享受会员折扣" in html and "先减优惠券" in html and "积分最后抵扣" in html
    assert "9.5 折" in html and "¥2000" in html
    add = client.get("/admin/crm/memberlevel/add/").content.decode()
    assert "秒杀价、拼团价商品不享受会员折扣" in add
    response = client.post("/admin/crm/memberlevel/add/", {"name": "铜卡", "threshold_fen": "300.00",
                                                             "discount_percent": "98"})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    silver = MemberLevel.objects.get(shop=shop_a, name="银卡")
    response = client.post(f"/admin/crm/memberlevel/{silver.pk}/change/", {"name": "银卡", "threshold_fen": "800.00",
                                                                           "discount_percent": "95"})  # fmt: skip
    assert response.status_code == 302
    assert CustomerProfile.objects.get(user=user).level.name == "铜卡"  # ¥600 is below 银卡's ¥800 now


def test_a_discount_outside_50_to_100_is_refused_in_chinese(client, shop_a, merchant_a):
    client.force_login(merchant_a)
    response = client.post(
        "/admin/crm/memberlevel/add/", {"name": "钻石", "threshold_fen": "0", "discount_percent": "9"}
    )
    assert response.status_code == 200 and "50" in response.content.decode()
    assert not MemberLevel.objects.exists()


def test_the_settings_page_shows_the_after_sales_window(client, shop_a, merchant_a):
    settings = points_on(shop_a)
    client.force_login(merchant_a)
    html = client.get(f"/admin/crm/membersettings/{settings.pk}/change/").content.decode()
    assert "订单完成后冻结 7 天（店铺的售后期）" in html and "修改售后天数" in html
    assert "积分最后抵扣" in html


def test_a_merchant_adjusts_a_customers_points_with_a_reason(client, shop_a, merchant_a):
    points_on(shop_a)
    user = buyer()
    give(shop_a, user, 100)
    profile = CustomerProfile.objects.get(user=user)
    client.force_login(merchant_a)
    url = f"/admin/crm/member/{profile.pk}/change/"
    page = client.get(url).content.decode()
    assert "调整积分" in page and "调整原因" in page
    refused = client.post(url, {"adjust_points": "50", "adjust_reason": ""})
    assert refused.status_code == 200 and "请填写调整原因" in refused.content.decode()
    refused = client.post(url, {"adjust_points": "-101", "adjust_reason": "扣太多"})
    assert "最多可扣 100 积分" in refused.content.decode()
    assert ledger(shop_a, user) == (100, 0)
    done = client.post(url, {"adjust_points": "-40", "adjust_reason": "兑换礼品"})
    assert done.status_code == 302
    entry = PointsEntry.objects.filter(profile=profile).latest("pk")
    assert (entry.kind, entry.available, entry.note, entry.actor) == ("adjusted", -40, "兑换礼品", merchant_a)
    assert ledger(shop_a, user) == (60, 0)
    unchanged = client.post(url, {"adjust_points": "", "adjust_reason": ""})
    assert unchanged.status_code == 302 and PointsEntry.objects.filter(profile=profile).count() == 2


def test_the_ledger_is_read_only_and_filters_by_customer(client, shop_a, merchant_a):
    points_on(shop_a)
    first, second = buyer("a"), buyer("b")
    entry = give(shop_a, first, 10, reason="给甲")
    give(shop_a, second, 20, reason="给乙")
    client.force_login(merchant_a)
    listed = client.get("/admin/crm/pointsentry/", {"profile__id__exact": entry.profile_id})
    assert listed.status_code == 200
    html = listed.content.decode()
    assert "给甲" in html and "给乙" not in html
    assert client.get("/admin/crm/pointsentry/add/").status_code == 403
    client.post(f"/admin/crm/pointsentry/{entry.pk}/change/", {"note": "改了"})
    client.post(f"/admin/crm/pointsentry/{entry.pk}/delete/", {"post": "yes"})
    entry.refresh_from_db()
    assert entry.note == "给甲"


def test_the_member_list_shows_levels_and_points(client, shop_a, merchant_a):
    make_levels(shop_a)
    points_on(shop_a)
    user = buyer()
    pay(place(shop_a, user, price_fen=60000))
    give(shop_a, user, 321)
    profile_for_user(shop_id=shop_a.pk, user_id=buyer("nobody").pk)
    client.force_login(merchant_a)
    html = client.get("/admin/crm/member/").content.decode()
    assert "会员nobody" in html and "银卡" in html and "321" in html and "¥600" in html
    assert client.get("/admin/crm/member/add/").status_code == 403


def test_the_member_and_ledger_lists_run_a_constant_number_of_queries(client, shop_a, merchant_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_levels(shop_a)
    points_on(shop_a)
    give(shop_a, buyer("first"), 5)
    client.force_login(merchant_a)
    counts = {}
    for size in ("few", "many"):
        if size == "many":
            for i in range(12):
                user = buyer(f"m{i}")
                give(shop_a, user, i + 1)
                give(shop_a, user, 1, reason="再送")
        for path in ("/admin/crm/member/", "/admin/crm/pointsentry/", "/admin/crm/memberlevel/"):
            client.get(path)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            counts[(size, path)] = len(queries)
    for path in ("/admin/crm/member/", "/admin/crm/pointsentry/", "/admin/crm/memberlevel/"):
        assert counts[("few", path)] == counts[("many", path)], (path, counts)
