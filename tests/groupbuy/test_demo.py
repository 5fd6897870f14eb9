"""The demo shop runs one group-buy (no groups: every member of a group is a shopper who paid)."""

from io import StringIO

import pytest
from django.core.management import call_command

from groupbuy.models import Group, GroupBuyActivity

pytestmark = pytest.mark.django_db


def test_the_demo_shop_runs_one_group_buy(client):
    call_command("load_demo", stdout=StringIO())
    activity = GroupBuyActivity.objects.get()
    assert activity.shop.slug == "demo" and activity.state_at() == "running" and activity.group_size == 3
    assert not Group.objects.exists()
    page = client.get(f"/s/demo/p/{activity.product_id}/").content.decode()
    assert "3人拼团" in page and "拼团价 ¥99" in page and "发起拼团" in page
    call_command("load_demo", stdout=StringIO())
    assert GroupBuyActivity.objects.count() == 1
