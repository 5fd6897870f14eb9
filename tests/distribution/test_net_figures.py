"""What refunds took back shows wherever a commission is shown: a promoter's customers (推广中心,
the API) and the merchant's 佣金 admin read the ledger, net of voids and clawbacks, in a fixed
number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from distribution import selectors, services
from distribution.models import Commission, DistributionSettings
from shop.models import ShopMember
from tests.distribution.helpers import (
    after_window,
    buyer,
    complete,
    enable,
    make_promoter,
    pay,
    place,
    refund,
    via,
)
from tests.factories import ShopFactory, ShopperFactory

pytestmark = pytest.mark.django_db
CENTRE = "/s/shop-a/promoter/"
ADMIN = "/admin/distribution/commission/"
SETTINGS = "/admin/distribution/distributionsettings/"


def refunded_customer(shop, promoter, username: str = "c1", nickname: str = "张三丰"):
    """One customer, four orders: one untouched (¥10), one partly refunded before settlement
    (¥9.99 → ¥6.66), one partly refunded after settlement (¥10 → ¥5), one refunded in full (¥0)."""
    customer = ShopperFactory(username=username, nickname=nickname)
    pay(place(shop, customer, attribution=via(promoter)))
    voided = pay(place(shop, customer, attribution=via(promoter), price_fen=9999))
    refund(voided, 3333)
    settled = complete(pay(place(shop, customer, attribution=via(promoter))))
    services.commissions_settle_due(now=after_window(settled))
    refund(settled, 5000)
    gone = pay(place(shop, customer, attribution=via(promoter)))
    refund(gone, gone.paid_fen)
    return customer


def test_a_customers_figure_is_net_of_voids_and_clawbacks(shop_a):
    enable(shop_a)
    promoter = make_promoter(shop_a)
    refunded_customer(shop_a, promoter)
    found = services.promoter_balances(promoter=promoter)
    assert found.pending_fen + found.balance_fen == 1000 + 666 + 500
    [row] = selectors.promoter_customers(promoter=promoter)
    assert (row.orders, row.commission_fen) == (3, 2166)  # the fully refunded order earned nothing


def test_customers_are_read_in_a_fixed_number_of_queries(shop_a):
    enable(shop_a)
    promoter = make_promoter(shop_a)
    counts = []
    for n in (1, 3):
        for i in range(n):
            refunded_customer(shop_a, promoter, f"q{n}-{i}", f"客{n}{i}")
        with CaptureQueriesContext(connection) as queries:
            selectors.promoter_customers(promoter=promoter)
        counts.append(len(queries))
    assert counts == [2, 2]


def test_the_centre_customers_page_and_api_show_the_net_figure(client, shop_a):
    enable(shop_a)
    promoter = make_promoter(shop_a)
    refunded_customer(shop_a, promoter)
    client.force_login(promoter.user)
    for url in (CENTRE, f"{CENTRE}customers/"):
        html = client.get(url).content.decode()
        assert "3 单 · ¥21.66" in html, url
    api = APIClient()
    api.force_authenticate(promoter.user)
    [row] = api.get("/api/v1/shops/shop-a/promoter/customers/").json()["results"]
    assert (row["orders"], row["commission_fen"]) == (3, 2166)


# ---------------------------------------------------------------- admin: 佣金


def test_the_commission_admin_shows_what_refunds_took_back(client, shop_a, merchant_a):
    enable(shop_a)
    promoter = make_promoter(shop_a)
    order = complete(pay(place(shop_a, buyer(), attribution=via(promoter), price_fen=17600)))
    services.commissions_settle_due(now=after_window(order))
    refund(order, 3690)  # kept (17600 − 3690) × 10% = 1391
    commission = Commission.objects.get(order=order)
    assert commission.amount_fen == 1760  # the row stays as it was fixed
    client.force_login(merchant_a)
    html = client.get(ADMIN).content.decode()
    for label in ("原佣金", "已扣回", "现佣金", "计佣金额"):
        assert label in html, label
    for figure in ("¥17.60", "-¥3.69", "¥13.91", "¥139.10"):
        assert figure in html, figure
    html = client.get(f"{ADMIN}{commission.pk}/change/").content.decode()
    for figure in ("¥17.60", "-¥3.69", "¥13.91", "¥139.10", "¥176"):
        assert figure in html, figure
    assert "/admin/distribution/ledgerentry/?q=" in html  # its ledger entries


def test_the_commission_changelist_runs_a_fixed_number_of_queries(client, shop_a, merchant_a):
    enable(shop_a)
    promoter = make_promoter(shop_a)
    client.force_login(merchant_a)
    client.get(ADMIN)
    counts = []
    for n in (1, 4):
        for i in range(n):
            order = pay(place(shop_a, buyer(f"a{n}-{i}"), attribution=via(promoter)))
            refund(order, 3000)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(ADMIN).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# ---------------------------------------------------------------- admin: 分销设置


def test_a_merchant_whose_shop_has_its_settings_gets_no_add_button(client, shop_a, merchant_a):
    client.force_login(merchant_a)
    assert client.get(SETTINGS).context["has_add_permission"] is True
    assert client.get(f"{SETTINGS}add/").status_code == 200
    found = enable(shop_a)
    html = client.get(SETTINGS).content.decode()
    assert f"{SETTINGS}add/" not in html
    assert client.get(f"{SETTINGS}add/").status_code == 403
    # the menu goes straight to the shop's one row
    index = client.get("/admin/").content.decode()
    assert f"{SETTINGS}{found.pk}/change/" in index


def test_a_merchant_with_a_shop_still_without_settings_may_add(client, shop_a, merchant_a):
    other = ShopFactory(slug="shop-c", name="丙店")
    ShopMember.objects.create(shop=other, user=merchant_a, role=ShopMember.Role.OWNER)
    enable(shop_a)
    client.force_login(merchant_a)
    assert client.get(SETTINGS).context["has_add_permission"] is True
    assert f"{SETTINGS}add/" in client.get("/admin/").content.decode()  # the menu: the list, not a row


def test_the_operator_still_sees_every_shops_settings_and_may_add(client, shop_a, shop_b, operator):
    enable(shop_a)
    enable(shop_b)
    client.force_login(operator)
    response = client.get(SETTINGS)
    assert response.context["has_add_permission"] is True
    assert response.context["cl"].result_count == DistributionSettings.objects.count() == 2
