"""Account deletion against the shopper's own requests at the same moment, on PostgreSQL (real row
locks, separate connections): a checkout or an address saved while the account is being deleted
either wins (and then deletion waits for the order) or finds the account gone and writes
nothing; two deletions at once delete once."""

from __future__ import annotations

import pytest

from accounts import privacy
from accounts.models import Address, User
from accounts.services import address_save
from core.errors import ApplicationError
from orders import services as order_services
from orders.models import Order
from tests.concurrency import run_at_once
from tests.factories import AddressFactory, ShopFactory, ShopperFactory, make_product

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def erase(user_id: int):
    return privacy.account_erase(user=User.objects.get(pk=user_id), confirmation="注销")


@pytest.mark.parametrize("attempt", range(4))
def test_a_checkout_during_deletion_never_leaves_an_order_for_a_deleted_account(attempt):
    shop = ShopFactory(slug=f"race-{attempt}")
    sku = make_product(shop=shop, price_fen=1000, stock=10).skus.get()
    shopper = ShopperFactory(username=f"racer{attempt}", phone="13812348000")
    address = AddressFactory(user=shopper, phone="13812348000")

    def place():
        user = User.objects.get(pk=shopper.pk)  # signed in before the deletion
        return order_services.order_place(shop=shop, user=user, items=[(sku.pk, 1)], address_id=address.pk)

    erased, placed = run_at_once(lambda which: erase(shopper.pk) if which == "erase" else place(),
                                 [("erase",), ("place",)])  # fmt: skip
    user = User.objects.get(pk=shopper.pk)
    if isinstance(placed, Order):  # the checkout went first: deletion waits for the order
        assert isinstance(erased, ApplicationError) and erased.code == "account_erase_blocked", erased
        assert user.erased_at is None and Order.objects.get(pk=placed.pk).phone == "13812348000"
    else:  # the deletion went first: the checkout wrote nothing
        assert erased is None and user.erased_at is not None, erased
        assert isinstance(placed, ApplicationError), placed
        assert placed.code in ("account_disabled", "address_not_found"), placed.code
        assert not Order.objects.filter(user=user).exists()


def test_an_address_saved_during_deletion_is_refused_or_deleted():
    shopper = ShopperFactory(username="addr-racer")
    data = {"recipient": "张三", "phone": "13812348000", "province_code": "310000", "city_code": "310100",
            "district_code": "310101", "detail": "南京东路 1 号"}  # fmt: skip

    def save():
        return address_save(user=User.objects.get(pk=shopper.pk), **data)

    results = run_at_once(
        lambda which: erase(shopper.pk) if which == "erase" else save(), [("erase",), ("save",)]
    )
    assert results[0] is None, results  # an address never blocks deletion
    assert not Address.objects.filter(user_id=shopper.pk).exists()
    assert isinstance(results[1], (Address, ApplicationError)), results


def test_two_deletions_at_once_delete_once():
    shopper = ShopperFactory(username="twice", phone="13812348000")
    AddressFactory(user=shopper)
    results = run_at_once(erase, [(shopper.pk,), (shopper.pk,)])
    assert results == [None, None], results
    user = User.objects.get(pk=shopper.pk)
    assert user.erased_at is not None and user.phone == "" and not Address.objects.filter(user=user).exists()
