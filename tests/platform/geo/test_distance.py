"""Points and haversine distances."""

from __future__ import annotations

import math

import pytest

from carecover.platform.geo import EARTH_RADIUS_KM, Point, city_by_name, haversine_km

BEIJING = Point(39.904211, 116.407394)
SHANGHAI = Point(31.230372, 121.473662)


def test_beijing_to_shanghai() -> None:
    assert haversine_km(BEIJING, SHANGHAI) == pytest.approx(1067, rel=0.01)


def test_beijing_to_shanghai_from_the_city_table() -> None:
    beijing, shanghai = city_by_name("北京"), city_by_name("上海")
    assert beijing is not None
    assert shanghai is not None
    assert haversine_km(beijing.point, shanghai.point) == pytest.approx(1067, rel=0.01)


def test_distance_is_symmetric_and_zero_to_itself() -> None:
    assert haversine_km(BEIJING, SHANGHAI) == haversine_km(SHANGHAI, BEIJING)
    assert haversine_km(BEIJING, BEIJING) == 0.0


def test_antipodes_are_half_a_circumference_apart() -> None:
    assert haversine_km(Point(0.0, 0.0), Point(0.0, 180.0)) == pytest.approx(
        math.pi * EARTH_RADIUS_KM
    )
    assert haversine_km(Point(90.0, 0.0), Point(-90.0, 0.0)) == pytest.approx(
        math.pi * EARTH_RADIUS_KM
    )


@pytest.mark.parametrize(
    ("lat", "lng"),
    [
        pytest.param(90.1, 0.0, id="lat-too-high"),
        pytest.param(-91.0, 0.0, id="lat-too-low"),
        pytest.param(0.0, 180.5, id="lng-too-high"),
        pytest.param(0.0, -181.0, id="lng-too-low"),
        pytest.param(math.nan, 0.0, id="lat-nan"),
        pytest.param(0.0, math.inf, id="lng-infinite"),
    ],
)
def test_points_out_of_range_are_refused(lat: float, lng: float) -> None:
    with pytest.raises(ValueError, match="out of range"):
        Point(lat, lng)


def test_points_on_the_edges_are_accepted() -> None:
    assert Point(-90.0, -180.0) == Point(-90.0, -180.0)
    assert Point(90.0, 180.0).lng == 180.0
