"""Phones and addresses are masked in every admin list, search result and CSV export, and in every
list a promoter reads (docs/privacy.md#masking), walked over EVERY registered admin model so a
model registered later is covered the day it is registered. The full number and street appear
only where a parcel needs them: the order's page, its shipping step and its packing slip (and a
person's own record for the platform operator, who may correct it)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Address, PhoneLoginCode, User
from core.masking import mask_address, mask_name, mask_phone
from orders.models import Order
from shop.admin_base import ShopScopedAdmin
from tests.test_admin_isolation import two_shops  # noqa: F401 (the fixture: one of everything)

PHONE = "13812345678"  # every address of the fixture's (tests.factories.AddressFactory)
STREET = "南京东路 100 号"
# where the full number is shown on purpose (a change page: the record itself)
FULL_ON_CHANGE_PAGE = {Order, User}


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def data(two_shops):  # noqa: F811 (the imported fixture)
    """The fixture's shoppers carry the real number on their account too, and it has a login code."""
    User.objects.filter(pk__in=Address.objects.values("user")).update(phone=PHONE)
    from django.utils import timezone

    now = timezone.now()
    PhoneLoginCode.objects.create(phone=PHONE, code_hash="x", created_at=now, expires_at=now)
    assert Order.objects.filter(shop=two_shops, phone=PHONE, address_detail__contains=STREET).exists()
    return two_shops


def test_the_masking_rules():
    assert mask_phone("13812348000") == "138****8000"
    assert mask_phone("") == "" and mask_phone("1234567") == "****"
    assert mask_address(province="广东省", city="深圳市", rest="南山区科技园 1 号") == "广东省深圳市****"
    assert mask_address(province="上海市", city="上海市", rest="黄浦区") == "上海市****"
    assert mask_address(province="上海市", city="上海市", rest="") == "上海市"
    assert mask_name("张三丰") == "张**" and mask_name("") == "**"


def walked_admins(user):
    for model, model_admin in admin.site._registry.items():
        if user.is_superuser or isinstance(model_admin, ShopScopedAdmin):
            yield model, model_admin


@pytest.mark.parametrize("who", ["operator", "merchant_a"])
def test_no_changelist_or_search_result_shows_a_full_phone_or_street(client, data, who, request):
    user = request.getfixturevalue(who)
    client.force_login(user)
    walked = 0
    for model, _model_admin in walked_admins(user):
        for params in ({}, {"q": PHONE}, {"q": "张三"}):
            response = client.get(url(model, "changelist"), params)
            if response.status_code != 200:
                continue
            # the search box and its links repeat what was typed: the rest must not show it
            html = (
                response.content.decode()
                .replace(f'value="{PHONE}"', "")
                .replace(f"q={PHONE}", "")
                .replace(f"q%3D{PHONE}", "")
            )
            assert PHONE not in html, f"{model.__name__} list shows a full phone ({params})"
            assert STREET not in html, f"{model.__name__} list shows a street address ({params})"
            walked += 1
    assert walked > 30
    # the order list does show the masked number, and finds the order by the full one
    client.force_login(request.getfixturevalue("operator"))
    found = client.get(url(Order, "changelist"), {"q": PHONE})
    assert found.context["cl"].result_count >= 1 and mask_phone(PHONE) in found.content.decode()


def test_change_pages_show_the_full_phone_only_where_it_is_needed(client, data, operator):
    client.force_login(operator)
    for model, _model_admin in walked_admins(operator):
        for obj in model._default_manager.all()[:3]:
            response = client.get(url(model, "change", obj.pk))
            if response.status_code != 200 or model in FULL_ON_CHANGE_PAGE:
                continue
            html = response.content.decode()
            assert PHONE not in html, f"{model.__name__} change page shows a full phone"
            assert STREET not in html, f"{model.__name__} change page shows a street address"


def test_the_shipping_pages_show_everything_the_parcel_needs(client, data, merchant_a):
    client.force_login(merchant_a)
    order = Order.objects.filter(shop=data, status="paid", phone=PHONE).first()
    for page in (url(Order, "change", order.pk), reverse("admin:orders_order_ship", args=[order.pk]),
                 reverse("admin:orders_order_packing_slip", args=[order.pk])):  # fmt: skip
        html = client.get(page).content.decode()
        assert PHONE in html and STREET in html, page
    slips = client.post(
        url(Order, "changelist"), {"action": "print_packing_slips", "_selected_action": [order.pk]}
    )
    html = slips.content.decode()
    assert slips.status_code == 200 and PHONE in html and STREET in html and order.order_no in html
    # another shop's order is not printed through one's own slip page
    other = Order.objects.exclude(shop=data).first()
    assert client.get(reverse("admin:orders_order_packing_slip", args=[other.pk])).status_code == 404


def test_every_csv_export_is_masked(client, data, operator):
    client.force_login(operator)
    exported = 0
    for model, model_admin in walked_admins(operator):
        actions = [
            name
            for name in model_admin.get_actions(rf_request(operator))
            if "export" in name or "csv" in name
        ]
        ids = list(model._default_manager.values_list("pk", flat=True))
        for action in actions:
            response = client.post(url(model, "changelist"), {"action": action, "_selected_action": ids})
            assert response["Content-Type"].startswith("text/csv"), (model.__name__, action)
            text = response.content.decode("utf-8-sig")
            assert PHONE not in text and STREET not in text, (model.__name__, action)
            exported += 1
    assert exported >= 1
    text = client.post(url(Order, "changelist"), {"action": "export_csv", "_selected_action": [
        o.pk for o in Order.objects.all()]}).content.decode("utf-8-sig")  # fmt: skip
    assert mask_phone(PHONE) in text and "上海市****" in text


def rf_request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_a_promoter_never_sees_a_customers_phone_or_address(data):
    from distribution.models import Promoter

    promoter = Promoter.objects.get(shop=data)
    api = APIClient()
    api.force_authenticate(promoter.user)
    for path in ("customers/", "ledger/", ""):
        body = api.get(f"/api/v1/shops/{data.slug}/promoter/{path}").content.decode()
        assert PHONE not in body and STREET not in body and mask_phone(PHONE) not in body, path
    api.logout()
    from django.test import Client

    web = Client()
    web.force_login(promoter.user)
    for path in ("promoter/", "promoter/customers/", "promoter/ledger/"):
        html = web.get(f"/s/{data.slug}/{path}").content.decode()
        assert PHONE not in html and STREET not in html, path
