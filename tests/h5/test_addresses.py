"""The H5 address book: the region is picked from the standard list (province → city → district),
level by level even without JavaScript, and the server checks it."""

from __future__ import annotations

import pytest

from accounts.models import Address
from tests.factories import AddressFactory, ShopperFactory

URL = "/s/shop-a/addresses/"
BASE = {"action": "add", "recipient": "王五", "phone": "13700001111", "detail": "人民路 1 号"}


@pytest.fixture
def shopper(client, shop_a):
    user = ShopperFactory(username="buyer")
    client.force_login(user)
    return user


def test_without_javascript_the_levels_come_one_save_at_a_time(client, shopper):
    page = client.get(URL).content.decode()
    assert '<option value="650000">新疆维吾尔自治区</option>' in page
    assert 'data-regions-url="/api/v1/regions/"' in page and "h5/region.js" in page
    step1 = client.post(URL, {**BASE, "province_code": "650000"}).content.decode()
    assert "请选择城市。" in step1 and '<option value="650100">乌鲁木齐市</option>' in step1
    step2 = client.post(URL, {**BASE, "province_code": "650000", "city_code": "650100"}).content.decode()
    assert "请选择区县。" in step2 and '<option value="650102">天山区</option>' in step2
    assert not Address.objects.filter(user=shopper).exists()
    done = client.post(
        URL, {**BASE, "province_code": "650000", "city_code": "650100", "district_code": "650102"}
    )
    assert done.status_code == 302
    address = Address.objects.get(user=shopper)
    assert (address.province, address.city, address.district) == ("新疆维吾尔自治区", "乌鲁木齐市", "天山区")
    assert "新疆维吾尔自治区乌鲁木齐市天山区人民路 1 号" in client.get(URL).content.decode()


def test_a_district_of_another_city_is_refused(client, shopper):
    page = client.post(
        URL, {**BASE, "province_code": "330000", "city_code": "330100", "district_code": "320102"}
    ).content.decode()
    assert "玄武区不属于杭州市，请重新选择。" in page
    assert not Address.objects.filter(user=shopper).exists()


def test_a_city_without_districts_needs_none(client, shopper):
    page = client.post(URL, {**BASE, "province_code": "440000"}).content.decode()
    assert '<option value="441900">东莞市</option>' in page
    client.post(URL, {**BASE, "province_code": "440000", "city_code": "441900"})
    address = Address.objects.get(user=shopper)
    assert (address.city, address.district) == ("东莞市", "")
    edit = client.get(f"{URL}?edit={address.pk}").content.decode()
    assert "无需选择" in edit


def test_edit_an_address_to_fix_its_region(client, shopper):
    typed = AddressFactory(user=shopper, province_code="330000", city_code="", district_code="",
                           province="浙江", city="杭洲", district="")  # fmt: skip
    listing = client.get(URL).content.decode()
    assert "地区信息不完整，请重新选择省市区。" in listing and f"?edit={typed.pk}" in listing
    edit = client.get(f"{URL}?edit={typed.pk}").content.decode()
    assert "编辑地址" in edit and '<option value="330000" selected>浙江省</option>' in edit
    assert '<option value="330100">杭州市</option>' in edit  # the next level is ready
    response = client.post(URL, {**BASE, "action": "save", "address_id": typed.pk,
                                 "province_code": "330000", "city_code": "330100", "district_code": "330106"})  # fmt: skip
    assert response.status_code == 302
    typed.refresh_from_db()
    assert (typed.city, typed.district, typed.region_complete) == ("杭州市", "西湖区", True)
    assert Address.objects.filter(user=shopper).count() == 1
    assert "地区信息不完整" not in client.get(URL).content.decode()


def test_another_shoppers_address_cannot_be_edited(client, shopper):
    theirs = AddressFactory(recipient="别人")
    assert "别人" not in client.get(f"{URL}?edit={theirs.pk}").content.decode()
    client.post(URL, {**BASE, "action": "save", "address_id": theirs.pk,
                      "province_code": "330000", "city_code": "330100", "district_code": "330106"})  # fmt: skip
    theirs.refresh_from_db()
    assert theirs.recipient == "别人" and theirs.province == "上海市"
    assert not Address.objects.filter(user=shopper).exists()


def test_the_default_checkbox_sits_in_its_label(client, shopper):
    page = client.get(URL).content.decode()
    assert '<label class="check"><input type="checkbox" name="is_default"' in page


def test_a_municipality_needs_no_city_step(client, shopper):
    page = client.post(URL, {**BASE, "province_code": "110000"}).content.decode()
    assert '<option value="110100" selected>北京市</option>' in page
    assert '<option value="110105">朝阳区</option>' in page and "请选择区县。" in page
    client.post(URL, {**BASE, "province_code": "110000", "city_code": "110100", "district_code": "110105"})
    assert Address.objects.get(user=shopper).region_text == "北京市朝阳区"
