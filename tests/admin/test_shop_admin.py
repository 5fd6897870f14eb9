"""Shop details and verification: merchants edit, the platform operator verifies."""

import pytest

from core.errors import ApplicationError
from shop import services
from shop.models import Shop


def shop_form(shop: Shop, **changes) -> dict:
    data = {
        "name": shop.name, "intro": shop.intro, "company_name": shop.company_name, "licence_no": shop.licence_no,
        "business_address": shop.business_address, "service_phone": shop.service_phone,
        "return_policy": shop.return_policy, "pay_timeout_minutes": shop.pay_timeout_minutes,
        "auto_confirm_days": shop.auto_confirm_days, "after_sale_days": shop.after_sale_days,
        "after_sale_response_hours": shop.after_sale_response_hours, "shipping_fee_fen": "0",
        "free_shipping_min_fen": "", "tracking_webhook_secret": "",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0", "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    data.update(changes)
    return data


def test_merchant_edits_details_but_not_the_verification(client, shop_a, merchant_a):
    Shop.objects.filter(pk=shop_a.pk).update(verification=Shop.Verification.VERIFIED)
    client.force_login(merchant_a)
    response = client.post(
        f"/admin/shop/shop/{shop_a.pk}/change/",
        shop_form(shop_a, intro="新的简介", verification="verified", is_active="", slug="hijack"),
    )
    assert response.status_code == 302
    shop_a.refresh_from_db()
    assert shop_a.intro == "新的简介" and shop_a.is_verified and shop_a.slug == "shop-a" and shop_a.is_active


def test_changing_verified_details_sends_the_shop_back_to_review(client, shop_a, merchant_a):
    Shop.objects.filter(pk=shop_a.pk).update(verification=Shop.Verification.VERIFIED)
    client.force_login(merchant_a)
    client.post(f"/admin/shop/shop/{shop_a.pk}/change/", shop_form(shop_a, licence_no="91310000NEWNUMBER1"))
    shop_a.refresh_from_db()
    assert shop_a.licence_no == "91310000NEWNUMBER1"
    assert shop_a.verification == Shop.Verification.PENDING and not shop_a.is_verified


def test_shipping_settings_in_yuan_and_secret_is_write_only(client, shop_a, merchant_a):
    client.force_login(merchant_a)
    client.post(
        f"/admin/shop/shop/{shop_a.pk}/change/",
        shop_form(
            shop_a, shipping_fee_fen="8", free_shipping_min_fen="99.00", tracking_webhook_secret="s3cret"
        ),
    )
    shop_a.refresh_from_db()
    assert (shop_a.shipping_fee_fen, shop_a.free_shipping_min_fen, shop_a.tracking_webhook_secret) == (
        800,
        9900,
        "s3cret",
    )
    page = client.get(f"/admin/shop/shop/{shop_a.pk}/change/").content.decode()
    assert "s3cret" not in page
    client.post(f"/admin/shop/shop/{shop_a.pk}/change/", shop_form(shop_a, shipping_fee_fen="8"))
    shop_a.refresh_from_db()
    assert shop_a.tracking_webhook_secret == "s3cret"  # left empty: unchanged


def test_operator_verifies_and_suspends(client, shop_a, operator):
    client.force_login(operator)
    client.post("/admin/shop/shop/", {"action": "approve", "_selected_action": [shop_a.pk]})
    shop_a.refresh_from_db()
    assert shop_a.is_verified and shop_a.verified_at is not None
    client.post("/admin/shop/shop/", {"action": "suspend", "_selected_action": [shop_a.pk]})
    shop_a.refresh_from_db()
    assert not shop_a.is_active
    assert client.get("/s/shop-a/").status_code == 404  # shoppers can no longer reach it


def test_merchants_have_no_operator_actions(client, shop_a, merchant_a):
    client.force_login(merchant_a)
    client.post("/admin/shop/shop/", {"action": "approve", "_selected_action": [shop_a.pk]})
    shop_a.refresh_from_db()
    assert not shop_a.is_verified


def test_submit_for_verification_needs_complete_details(shop_a):
    Shop.objects.filter(pk=shop_a.pk).update(service_phone="")
    shop_a.refresh_from_db()
    with pytest.raises(ApplicationError) as err:
        services.shop_submit_for_verification(shop=shop_a)
    assert err.value.code == "shop_details_incomplete"
    services.shop_update_details(shop=shop_a, service_phone="400-800-1234")
    assert services.shop_submit_for_verification(shop=shop_a).verification == Shop.Verification.PENDING


def test_rejecting_needs_a_reason(shop_a):
    with pytest.raises(ApplicationError):
        services.shop_set_verification(shop=shop_a, verified=False, note="")
    shop = services.shop_set_verification(shop=shop_a, verified=False, note="执照照片不清晰")
    assert shop.verification == Shop.Verification.REJECTED and shop.verification_note == "执照照片不清晰"


@pytest.mark.parametrize("typed", ["４５", "4_5", "4e1", "٤٥"])
def test_integer_settings_read_only_ascii_digits(client, shop_a, merchant_a, typed):
    """int() reads full-width and Arabic-Indic digits, "4_5" and (through float) "4e1": a merchant
    typing them gets a form error, and the setting keeps its value."""
    client.force_login(merchant_a)
    before = shop_a.pay_timeout_minutes
    response = client.post(f"/admin/shop/shop/{shop_a.pk}/change/", shop_form(shop_a, pay_timeout_minutes=typed))
    assert response.status_code == 200 and "请输入整数（只用数字 0–9）。" in response.content.decode()
    shop_a.refresh_from_db()
    assert shop_a.pay_timeout_minutes == before
    ok = client.post(f"/admin/shop/shop/{shop_a.pk}/change/", shop_form(shop_a, pay_timeout_minutes=" 45 "))
    assert ok.status_code == 302
    shop_a.refresh_from_db()
    assert shop_a.pay_timeout_minutes == 45
