"""商家转账 in admin: the scene is set on the WeChat Pay config; transfers are read-only records a
merchant can query again or cancel before the payee confirms."""

from __future__ import annotations

import pytest

from payments.models import Transfer, WeChatPayConfig
from tests.admin.test_payment_admin import form
from tests.payments.test_transfer_flow import pay

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def merchant(client, merchant_a):
    client.force_login(merchant_a)
    return client


def test_the_merchant_sets_the_scene_and_its_report(merchant, shop_a):
    WeChatPayConfig.objects.filter(shop=shop_a).delete()
    report = '[{"info_type": "活动名称", "info_content": "推广佣金"}, {"info_type": "奖励说明", "info_content": "佣金提现"}]'
    response = merchant.post(
        "/admin/payments/wechatpayconfig/add/", form(transfer_scene_id="1000", transfer_report_infos=report)
    )
    assert response.status_code == 302
    config = WeChatPayConfig.objects.get(shop=shop_a)
    assert config.transfer_scene_id == "1000" and config.transfer_report_infos[0]["info_type"] == "活动名称"
    page = merchant.get(f"/admin/payments/wechatpayconfig/{config.pk}/change/").content.decode()
    assert "商家转账场景 ID" in page and "转账场景报备信息" in page


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"transfer_scene_id": "现金营销"}, "转账场景 ID 是商户平台给出的数字"),
        ({"transfer_report_infos": '[{"info_type": "活动名称"}]'}, "报备信息应为"),
        ({"transfer_report_infos": '{"info_type": "活动名称"}'}, "报备信息应为"),
    ],
)
def test_a_bad_scene_setting_is_a_clear_error(merchant, shop_a, change, error):
    WeChatPayConfig.objects.filter(shop=shop_a).delete()
    response = merchant.post("/admin/payments/wechatpayconfig/add/", form(**change))
    assert response.status_code == 200 and error in response.content.decode()


def test_transfers_are_read_only_and_can_be_queried_or_cancelled(
    transfers_simulated, merchant, shop_a, transfer_results
):
    transfer = pay(shop_a)
    page = merchant.get("/admin/payments/transfer/")
    assert page.status_code == 200 and transfer.out_bill_no in page.content.decode()
    assert "待用户确认收款" in page.content.decode()
    assert merchant.get("/admin/payments/transfer/add/").status_code == 403
    detail = merchant.get(f"/admin/payments/transfer/{transfer.pk}/change/").content.decode()
    assert "withdrawal:7" in detail and "状态变更记录" in detail and 'name="_save"' not in detail
    queried = merchant.post(
        "/admin/payments/transfer/", {"action": "query_now", "_selected_action": [transfer.pk]}, follow=True
    )
    assert "已查询 1 笔转账" in queried.content.decode()
    cancelled = merchant.post(
        "/admin/payments/transfer/",
        {"action": "cancel_unconfirmed", "_selected_action": [transfer.pk]},
        follow=True,
    )
    assert "已申请撤销" in cancelled.content.decode()
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.CANCELLED and transfer_results == [("cancelled", "withdrawal:7")]
    again = merchant.post(
        "/admin/payments/transfer/",
        {"action": "cancel_unconfirmed", "_selected_action": [transfer.pk]},
        follow=True,
    )
    assert "只有微信支付已受理、收款用户尚未确认的转账可以撤销" in again.content.decode()
