"""Prefecture-level cities of the mainland with a centre point and a tier, from cpca's table."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from carecover.platform.geo.distance import Point
from carecover.platform.geo.tiers import tier_of

#: Province codes of the four municipalities (直辖市): each is one city and a province at once.
MUNICIPALITY_CODES: frozenset[str] = frozenset({"11", "12", "31", "50"})


@dataclass(frozen=True, slots=True)
class City:
    """A prefecture-level city (or a municipality) and where it is."""

    adcode: str
    name: str
    province: str
    point: Point
    tier: int


@dataclass(frozen=True, slots=True)
class _Row:
    """One line of adcodes.csv; placeholder rows have no point."""

    adcode: str
    name: str
    point: Point | None


def _read_rows() -> list[_Row]:
    """Every row of cpca's adcodes.csv with the 12-digit code cut to GB/T 2260's six."""
    resource = files("cpca") / "resources" / "adcodes.csv"
    rows: list[_Row] = []
    # The file is small (about 3,500 rows) and has no quoted line breaks, so lines suffice.
    for record in csv.DictReader(resource.read_text(encoding="utf-8").splitlines()):
        has_point = bool(record["latitude"] and record["longitude"])
        point = Point(float(record["latitude"]), float(record["longitude"])) if has_point else None
        rows.append(_Row(adcode=record["adcode"][:6], name=record["name"], point=point))
    return rows


@lru_cache(maxsize=1)
def prefecture_cities() -> tuple[City, ...]:
    """The mainland's prefecture-level cities and the four municipalities, by adcode."""
    rows = _read_rows()
    provinces = {row.adcode[:2]: row for row in rows if row.adcode.endswith("0000")}
    cities: list[City] = []
    for row in rows:
        is_prefecture = row.adcode[2:4] != "00" and row.adcode.endswith("00")
        # Rows without a point are the placeholders for county-level cities the province runs
        # directly (省直辖县级行政区划: 仙桃, 济源, 石河子 …); they are not cities themselves.
        if not is_prefecture or row.point is None or row.adcode[:2] in MUNICIPALITY_CODES:
            continue
        province = provinces[row.adcode[:2]].name
        cities.append(City(row.adcode, row.name, province, row.point, tier_of(row.name)))
    # A municipality appears in the table as its province row (北京市 110000, with the city
    # centre as its point) and as one or two administrative rows under it (市辖区 110100, and
    # 县 500200 for Chongqing's counties). The province row carries the real name, so it stands
    # for the city, and every district code maps back to it.
    for code in sorted(MUNICIPALITY_CODES):
        row = provinces[code]
        if row.point is not None:
            cities.append(City(row.adcode, row.name, row.name, row.point, tier_of(row.name)))
    return tuple(sorted(cities, key=lambda city: city.adcode))


@lru_cache(maxsize=1)
def _cities_by_adcode() -> dict[str, City]:
    return {city.adcode: city for city in prefecture_cities()}


@lru_cache(maxsize=1)
def _cities_by_name() -> dict[str, City]:
    return {city.name: city for city in prefecture_cities()}


def city_adcode(adcode: str) -> str | None:
    """The code of the city an adcode lies in (310104 → 310000, 330106 → 330100), or None."""
    code = adcode.strip()
    # cpca and some other sources write the 12-digit statistical code; its tail is zeros here.
    if len(code) == 12 and code.endswith("000000"):
        code = code[:6]
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    if code[:2] in MUNICIPALITY_CODES:
        return code[:2] + "0000"
    # Any other province code names no single city.
    return None if code.endswith("0000") else code[:4] + "00"


def city_by_adcode(adcode: str) -> City | None:
    """The city of a city or district adcode, or None (provinces, unknown codes)."""
    code = city_adcode(adcode)
    return None if code is None else _cities_by_adcode().get(code)


def city_by_name(name: str) -> City | None:
    """A city by its full name (杭州市) or a short form (杭州, 延边), or None if not unique."""
    wanted = name.strip()
    by_name = _cities_by_name()
    exact = by_name.get(wanted) or by_name.get(wanted + "市")
    if exact is not None or len(wanted) < 2:
        return exact
    # Short forms of prefectures and autonomous prefectures: 延边 → 延边朝鲜族自治州.
    matches = [city for city_name, city in by_name.items() if city_name.startswith(wanted)]
    return matches[0] if len(matches) == 1 else None
