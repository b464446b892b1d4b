"""Point → district and city, offline; the sea and nonsense are nowhere."""

from __future__ import annotations

import pytest

from carecover.platform.geo.regeo import locate


def test_a_shanghai_street_is_in_huangpu() -> None:
    place = locate(31.2304, 121.4737)
    assert place is not None
    assert (place.city_adcode, place.district) == ("310000", "黄浦区")


def test_shenzhen_nanshan_files_under_the_city() -> None:
    place = locate(22.52, 113.93)
    assert place is not None
    assert place.city_adcode == "440300"
    assert place.district_adcode == "440305"


@pytest.mark.parametrize(
    ("lat", "lng"),
    [(31.0, 122.6), (22.0, 114.5), (35.0, 140.0), (float("nan"), 120.0), (95.0, 120.0)],
    ids=["east-china-sea", "south-china-sea", "tokyo", "nan", "beyond-the-pole"],
)
def test_the_sea_abroad_and_nonsense_are_nowhere(lat: float, lng: float) -> None:
    assert locate(lat, lng) is None
