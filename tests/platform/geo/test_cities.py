"""Cities from cpca's table: count, coordinates, tiers, adcode and name look-ups."""

from __future__ import annotations

import pytest

from carecover.platform.geo import (
    CITY_TIERS,
    city_adcode,
    city_by_adcode,
    city_by_name,
    prefecture_cities,
)


def test_all_prefecture_cities_load_once_each() -> None:
    cities = prefecture_cities()
    # cpca 0.5.5 has 339 prefecture rows with a point; the five rows under municipalities
    # (四个市辖区 and Chongqing's 县) fold into the four municipalities: 339 - 5 + 4.
    assert len(cities) == 338
    assert len({city.adcode for city in cities}) == len(cities)
    assert len({city.name for city in cities}) == len(cities)
    assert prefecture_cities() is cities


def test_every_city_has_a_code_a_province_and_a_point_in_china() -> None:
    for city in prefecture_cities():
        assert len(city.adcode) == 6, city
        assert city.adcode.isdigit(), city
        assert city.name not in {"市辖区", "县"}, city
        assert city.province.endswith(("省", "市", "自治区")), city
        assert 3 < city.point.lat < 54, city
        assert 73 < city.point.lng < 136, city
        assert city.tier in {1, 2, 3, 4}, city


@pytest.mark.parametrize(
    ("name", "lat", "lng"),
    [
        pytest.param("上海市", 31.2, 121.5, id="shanghai"),
        pytest.param("北京市", 39.9, 116.4, id="beijing"),
        pytest.param("天津市", 39.1, 117.2, id="tianjin"),
        pytest.param("重庆市", 29.6, 106.6, id="chongqing"),
        pytest.param("乌鲁木齐市", 43.8, 87.6, id="urumqi"),
    ],
)
def test_cities_have_plausible_coordinates(name: str, lat: float, lng: float) -> None:
    city = city_by_name(name)
    assert city is not None
    assert city.point.lat == pytest.approx(lat, abs=0.2)
    assert city.point.lng == pytest.approx(lng, abs=0.2)


def test_municipalities_are_their_own_province() -> None:
    shanghai = city_by_name("上海市")
    assert shanghai is not None
    assert (shanghai.adcode, shanghai.province) == ("310000", "上海市")


@pytest.mark.parametrize(
    ("name", "tier"),
    [
        pytest.param("深圳市", 1, id="shenzhen-1"),
        pytest.param("北京市", 1, id="beijing-1"),
        pytest.param("杭州市", 2, id="hangzhou-2"),
        pytest.param("重庆市", 2, id="chongqing-2"),
        pytest.param("徐州市", 3, id="xuzhou-3"),
        pytest.param("张掖市", 4, id="zhangye-4"),
        pytest.param("阿拉善盟", 4, id="alxa-league-4"),
    ],
)
def test_city_tiers(name: str, tier: int) -> None:
    city = city_by_name(name)
    assert city is not None
    assert city.tier == tier


def test_every_tiered_name_is_a_city() -> None:
    names = {city.name for city in prefecture_cities()}
    assert set(CITY_TIERS) <= names, sorted(set(CITY_TIERS) - names)
    assert len(CITY_TIERS) == 49


@pytest.mark.parametrize(
    ("adcode", "name"),
    [
        pytest.param("310104", "上海市", id="shanghai-district"),
        pytest.param("310000", "上海市", id="shanghai-itself"),
        pytest.param("110105", "北京市", id="beijing-district"),
        pytest.param("500237", "重庆市", id="chongqing-county"),
        pytest.param("440305", "深圳市", id="shenzhen-district"),
        pytest.param("440300", "深圳市", id="shenzhen-itself"),
        pytest.param("330106000000", "杭州市", id="12-digit-code"),
    ],
)
def test_city_by_adcode(adcode: str, name: str) -> None:
    city = city_by_adcode(adcode)
    assert city is not None
    assert city.name == name


@pytest.mark.parametrize(
    "adcode",
    [
        pytest.param("330000", id="province"),
        pytest.param("429004", id="county-level-city-run-by-province"),
        pytest.param("999900", id="unknown"),
        pytest.param("3101", id="short"),
        pytest.param("abcdef", id="letters"),
        pytest.param("", id="empty"),
    ],
)
def test_city_by_adcode_unknown(adcode: str) -> None:
    assert city_by_adcode(adcode) is None


def test_every_city_is_found_by_its_own_adcode_and_name() -> None:
    for city in prefecture_cities():
        assert city_by_adcode(city.adcode) is city
        assert city_by_name(city.name) is city


def test_city_adcode() -> None:
    assert city_adcode("310104") == "310000"
    assert city_adcode("330106") == "330100"
    assert city_adcode("310000") == "310000"
    assert city_adcode("330000") is None


@pytest.mark.parametrize(
    ("query", "adcode"),
    [
        pytest.param("杭州市", "330100", id="full-name"),
        pytest.param("杭州", "330100", id="short-name"),
        pytest.param(" 上海 ", "310000", id="municipality-padded"),
        pytest.param("吉林", "220200", id="city-not-province"),
        pytest.param("延边", "222400", id="autonomous-prefecture"),
    ],
)
def test_city_by_name(query: str, adcode: str) -> None:
    city = city_by_name(query)
    assert city is not None
    assert city.adcode == adcode


@pytest.mark.parametrize("query", ["", "海", "市辖区", "浙江省", "Atlantis"])
def test_city_by_name_unknown(query: str) -> None:
    assert city_by_name(query) is None
