"""Addresses take their region from the standard division codes (accounts/regions.py): the data
file, the address book's checks, the regions endpoint and the migration of typed addresses."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from rest_framework.test import APIClient

from accounts import regions
from accounts import services as account_services
from accounts.models import Address
from core.errors import ApplicationError
from tests.factories import AddressFactory, ShopperFactory

API = "/api/v1"
HANGZHOU = {"province_code": "330000", "city_code": "330100", "district_code": "330106"}  # 西湖区
BASE = {"recipient": "李四", "phone": "13912345678", "detail": "文三路 1 号"}


def test_the_data_has_every_level_and_the_special_cases():
    provinces = regions.children()
    assert len(provinces) == 34
    assert {p.name for p in provinces} >= {"北京市", "新疆维吾尔自治区", "香港特别行政区", "台湾省"}
    total = sum(1 + len(regions.children(p.code)) for p in provinces) + sum(
        len(regions.children(c.code)) for p in provinces for c in regions.children(p.code)
    )
    assert 3000 < total < 3600
    # municipalities: one city of their own name, holding the districts
    for code, name in (
        ("110000", "北京市"),
        ("120000", "天津市"),
        ("310000", "上海市"),
        ("500000", "重庆市"),
    ):
        (city,) = regions.children(code)
        assert city.name == name and city.code == code[:2] + "0100" and city.has_children
    assert regions.get("500229").parent_code == "500100"  # 城口县, a county of 重庆
    # counties governed directly by their province are cities with no districts
    for code, province in (
        ("429004", "420000"),
        ("419001", "410000"),
        ("659001", "650000"),
        ("469002", "460000"),
    ):
        assert regions.get(code).parent_code == province and not regions.get(code).has_children
    assert not regions.get("441900").has_children  # 东莞市
    # no statistics-only rows (市辖区 placeholders, development zones)
    assert regions.get("130101") is None and regions.get("130171") is None
    assert regions.province_code_for("新疆") == regions.province_code_for("新疆维吾尔自治区") == "650000"
    assert regions.province_code_for("广西") == "450000" and regions.province_code_for("内蒙古") == "150000"


@pytest.mark.django_db
def test_address_save_takes_codes_and_copies_the_names():
    user = ShopperFactory()
    address = account_services.address_save(user=user, **BASE, **HANGZHOU)
    address.refresh_from_db()
    assert (address.province, address.city, address.district) == ("浙江省", "杭州市", "西湖区")
    assert address.region_complete
    # a municipality, a county governed by its province, a city without districts
    for codes, names in (
        (("110000", "110100", "110105"), ("北京市", "北京市", "朝阳区")),
        (("420000", "429004", ""), ("湖北省", "仙桃市", "")),
        (("440000", "441900", ""), ("广东省", "东莞市", "")),
    ):
        saved = account_services.address_save(
            user=user, address_id=address.pk, **dict(zip(regions.LEVEL_FIELDS.values(), codes, strict=True))
        )
        saved.refresh_from_db()
        assert (saved.province, saved.city, saved.district) == names
    # names sent by a client are not fields the service takes
    with pytest.raises(ApplicationError) as refused:
        account_services.address_save(user=user, address_id=address.pk, province="火星")
    assert refused.value.code == "invalid"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("codes", "error", "field"),
    [
        ({"province_code": "330000", "city_code": "330100", "district_code": "320102"}, "region_mismatch", "district_code"),
        ({"province_code": "330000", "city_code": "320100", "district_code": "320102"}, "region_mismatch", "city_code"),
        ({"province_code": "330000", "city_code": "330100"}, "region_required", "district_code"),
        ({"province_code": "330000"}, "region_required", "city_code"),
        ({"province_code": ""}, "region_required", "province_code"),
        ({"province_code": "999999"}, "region_invalid", "province_code"),
        ({"province_code": "330100"}, "region_invalid", "province_code"),  # a city where a province goes
        ({"province_code": "３３００００"}, "region_invalid", "province_code"),  # full-width digits
        ({"province_code": "440000", "city_code": "441900", "district_code": "441901"}, "region_mismatch", "district_code"),
    ],
)  # fmt: skip
def test_address_save_refuses_bad_codes(codes, error, field):
    user = ShopperFactory()
    with pytest.raises(ApplicationError) as refused:
        account_services.address_save(user=user, **BASE, **codes)
    assert refused.value.code == error and field in refused.value.fields
    assert not Address.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_every_problem_is_told_at_once():
    with pytest.raises(ApplicationError) as refused:
        account_services.address_save(
            user=ShopperFactory(), **{**BASE, "phone": "1234"}, province_code="330000"
        )
    assert refused.value.code == "address_invalid"
    assert {"phone", "city_code"} <= set(refused.value.fields)


@pytest.mark.django_db
def test_a_partial_update_keeps_or_rechecks_the_region():
    user = ShopperFactory()
    address = account_services.address_save(user=user, **BASE, **HANGZHOU)
    account_services.address_save(user=user, address_id=address.pk, recipient="王五")
    address.refresh_from_db()
    assert address.recipient == "王五" and address.district_code == "330106"
    with pytest.raises(ApplicationError) as refused:  # a new province with the old city
        account_services.address_save(user=user, address_id=address.pk, province_code="320000")
    assert refused.value.code == "region_mismatch" and "city_code" in refused.value.fields


# ---------------------------------------------------------------- API


@pytest.fixture
def api(db):
    client = APIClient()
    client.force_authenticate(ShopperFactory(username="buyer"))
    return client


def test_regions_endpoint_walks_province_city_district(db):
    client = APIClient()  # public: no login needed
    provinces = client.get(f"{API}/regions/")
    assert provinces.status_code == 200 and provinces["Cache-Control"] == "public, max-age=86400"
    body = provinces.json()
    assert len(body) == 34
    assert {"code": "650000", "name": "新疆维吾尔自治区", "level": "province", "has_children": True} in body
    cities = client.get(f"{API}/regions/", {"parent": "650000"}).json()
    assert {"code": "650100", "name": "乌鲁木齐市", "level": "city", "has_children": True} in cities
    assert {"code": "659001", "name": "石河子市", "level": "city", "has_children": False} in cities
    districts = client.get(f"{API}/regions/", {"parent": "650100"}).json()
    assert {"code": "650102", "name": "天山区", "level": "district", "has_children": False} in districts
    assert client.get(f"{API}/regions/", {"parent": "650102"}).json() == []
    for bad_parent in ("65", "", "６５００００"):
        bad = client.get(f"{API}/regions/", {"parent": bad_parent})
        assert bad.status_code == 400 and bad.json()["code"] == "region_invalid"
    unknown = client.get(f"{API}/regions/", {"parent": "999999"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "region_not_found"
    # a bad token is not looked at: the data is public
    assert client.get(f"{API}/regions/", HTTP_AUTHORIZATION="Token nope").status_code == 200


def test_address_endpoints_take_and_return_codes_and_names(api):
    response = api.post(f"{API}/addresses/", {**BASE, **HANGZHOU}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body | HANGZHOU == body
    assert (body["province"], body["city"], body["district"], body["region_complete"]) == (
        "浙江省",
        "杭州市",
        "西湖区",
        True,
    )
    # names sent are ignored (read-only): the codes decide
    changed = api.patch(
        f"{API}/addresses/{body['id']}/",
        {"province_code": "650000", "city_code": "650100", "district_code": "650102", "province": "上海市"},
        format="json",
    ).json()
    assert (changed["province"], changed["city"], changed["district"]) == (
        "新疆维吾尔自治区",
        "乌鲁木齐市",
        "天山区",
    )
    assert api.get(f"{API}/addresses/{body['id']}/").json()["district_code"] == "650102"


def test_address_endpoints_refuse_bad_codes_with_a_stable_code(api):
    mismatch = api.post(
        f"{API}/addresses/", {**BASE, **HANGZHOU, "district_code": "320102"}, format="json"
    )  # 玄武区 is in 南京市
    assert mismatch.status_code == 400 and mismatch.json()["code"] == "region_mismatch"
    assert "district_code" in mismatch.json()["fields"]
    unknown = api.post(f"{API}/addresses/", {**BASE, **HANGZHOU, "province_code": "990000"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["code"] == "region_invalid"
    as_number = api.post(f"{API}/addresses/", {**BASE, **HANGZHOU, "province_code": 330000}, format="json")
    assert as_number.status_code == 400 and as_number.json()["code"] == "invalid"
    names_only = api.post(
        f"{API}/addresses/",
        {**BASE, "province": "浙江省", "city": "杭州市", "district": "西湖区"},
        format="json",
    )
    assert names_only.status_code == 400 and "province_code" in names_only.json()["fields"]
    assert api.get(f"{API}/addresses/").json() == []


# ---------------------------------------------------------------- migrating typed addresses


@pytest.mark.django_db
def test_typed_addresses_are_mapped_to_codes_where_they_can_be():
    migration = importlib.import_module("accounts.migrations.0004_address_region_codes")
    typed = {
        "xinjiang": ("新疆", "乌鲁木齐", "天山区"),
        "shanghai": ("上海市", "上海市", "黄浦区"),
        "beijing": ("北京", "朝阳区", ""),
        "dongguan": ("广东省", "东莞市", "莞城街道"),
        "xiantao": ("湖北省", "省直辖县级行政区划", "仙桃市"),
        "partial": ("浙江", "杭州", "不存在区"),
        "unknown": ("火星", "奥林匹斯", ""),
    }
    rows = {
        key: AddressFactory(province_code="", city_code="", district_code="", province=p, city=c, district=d)
        for key, (p, c, d) in typed.items()
    }
    migration.codes_from_text(django_apps, None)
    got = {key: Address.objects.get(pk=row.pk) for key, row in rows.items()}
    assert (got["xinjiang"].province_code, got["xinjiang"].province) == ("650000", "新疆维吾尔自治区")
    assert (got["xinjiang"].city, got["xinjiang"].district_code) == ("乌鲁木齐市", "650102")
    assert got["shanghai"].district_code == "310101" and got["beijing"].district_code == "110105"
    assert got["dongguan"].city_code == "441900" and got["dongguan"].detail.startswith("莞城街道")
    assert got["xiantao"].city_code == "429004" and got["xiantao"].city == "仙桃市"
    for key in ("xinjiang", "shanghai", "beijing", "dongguan", "xiantao"):
        assert got[key].region_complete, key
    # the rest is left for the shopper: what matched is kept (the province decides the fee)
    assert (got["partial"].province_code, got["partial"].city_code, got["partial"].district_code) == (
        "330000",
        "330100",
        "",
    )
    assert got["partial"].district == "不存在区" and not got["partial"].region_complete
    assert got["unknown"].province_code == "" and got["unknown"].province == "火星"


def test_manage_py_check_fails_without_the_region_data(tmp_path, monkeypatch):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    call_command("check")  # the shipped data is there
    monkeypatch.setattr(regions, "DATA_FILE", tmp_path / "missing.json")
    regions._data.cache_clear()
    try:
        with pytest.raises(SystemCheckError, match=r"accounts\.E001"):
            call_command("check")
    finally:
        monkeypatch.undo()
        regions._data.cache_clear()
    assert len(regions.children()) == 34


def test_regions_match_finds_the_codes_of_wechat_address_names(db):
    client = APIClient()  # public, like /regions/
    url = f"{API}/regions/match/"

    def match(province, city, district):
        response = client.get(url, {"province": province, "city": city, "district": district})
        assert response.status_code == 200
        return response.json()

    guangzhou = match("广东省", "广州市", "天河区")  # wx.chooseAddress's names
    assert guangzhou == {
        "province_code": "440000", "city_code": "440100", "district_code": "440106",
        "province": "广东省", "city": "广州市", "district": "天河区", "complete": True, "leftover": "",
    }  # fmt: skip
    beijing = match("北京市", "北京市", "东城区")
    assert (beijing["city_code"], beijing["district_code"], beijing["complete"]) == ("110100", "110101", True)
    dongguan = match("广东省", "东莞市", "莞城街道")  # no districts: the street goes to the detail line
    assert (dongguan["city_code"], dongguan["district_code"], dongguan["leftover"]) == (
        "441900",
        "",
        "莞城街道",
    )
    assert dongguan["complete"]
    xiantao = match("湖北省", "省直辖县级行政区划", "仙桃市")
    assert (xiantao["city_code"], xiantao["city"], xiantao["complete"]) == ("429004", "仙桃市", True)
    partial = match("浙江省", "杭州市", "不存在区")  # what matched is kept, the rest is the shopper's
    assert (partial["province_code"], partial["city_code"], partial["district_code"]) == (
        "330000",
        "330100",
        "",
    )
    assert partial["district"] == "" and not partial["complete"]
    nothing = client.get(url).json()
    assert nothing["province_code"] == "" and nothing["complete"] is False
    # the codes found are what the address book takes
    api = APIClient()
    api.force_authenticate(ShopperFactory(username="importer"))
    codes = {k: guangzhou[k] for k in ("province_code", "city_code", "district_code")}
    saved = api.post(f"{API}/addresses/", {**BASE, **codes}, format="json")
    assert saved.status_code == 201 and saved.json()["region_complete"]
