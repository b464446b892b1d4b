"""The nearest-site search: a bounding box that never loses a site, ordering by distance."""

from __future__ import annotations

import math

import pytest
from sqlalchemy.orm import Session

from carecover.partners import repository, service
from carecover.partners.enums import PartnerType
from carecover.platform.context import Actor
from carecover.platform.geo import EARTH_RADIUS_KM, Point, haversine_km
from tests.factories.partners import PEOPLES_SQUARE, PUDONG, WEST_LAKE, make_partner


@pytest.mark.parametrize(
    ("lat", "lng", "radius_km"),
    [(31.2, 121.4, 25.0), (53.5, 122.3, 400.0), (18.2, 109.5, 1600.0), (45.0, 126.6, 50.0)],
)
def test_the_bounding_box_holds_the_whole_circle(lat: float, lng: float, radius_km: float) -> None:
    centre = Point(lat, lng)
    box = repository.bounding_box(centre, radius_km)
    angle = radius_km / EARTH_RADIUS_KM
    for step in range(360):
        bearing = math.radians(step)
        # The point at ``radius_km`` along ``bearing`` (great-circle destination formula).
        lat1 = math.radians(lat)
        lat2 = math.asin(
            math.sin(lat1) * math.cos(angle) + math.cos(lat1) * math.sin(angle) * math.cos(bearing)
        )
        lng2 = math.radians(lng) + math.atan2(
            math.sin(bearing) * math.sin(angle) * math.cos(lat1),
            math.cos(angle) - math.sin(lat1) * math.sin(lat2),
        )
        edge = Point(math.degrees(lat2), math.degrees(lng2))
        assert haversine_km(centre, edge) == pytest.approx(radius_km)
        assert box.lat[0] <= edge.lat <= box.lat[1]
        assert box.lng is not None
        assert box.lng[0] <= edge.lng <= box.lng[1]


def test_a_circle_over_the_pole_has_no_longitude_limit() -> None:
    assert repository.bounding_box(Point(85.0, 10.0), 1000.0).lng is None


def test_nearest_sites_across_two_cities(session: Session) -> None:
    xuhui = make_partner(session)
    pudong = make_partner(session, location=PUDONG, address="上海市浦东新区陆家嘴环路1000号")
    hangzhou = make_partner(
        session, city_adcode="330100", location=WEST_LAKE, address="杭州市西湖区龙井路1号"
    )
    wash = make_partner(session, partner_type=PartnerType.car_wash)
    asleep = make_partner(session)
    service.suspend(session, Actor.system(), asleep, "暂停接单")
    here = Point(*PEOPLES_SQUARE)

    found = repository.nearest_locations(session, here, partner_type=PartnerType.repair_shop)
    assert [site.partner_id for site, _ in found] == [xuhui.id, pudong.id, hangzhou.id]
    distances = [km for _, km in found]
    assert distances == sorted(distances)
    assert distances[0] == pytest.approx(5.9, abs=0.1)
    assert distances[2] == pytest.approx(165, abs=5)

    near = repository.nearest_locations(
        session, here, partner_type=PartnerType.repair_shop, within_km=50
    )
    assert [site.partner_id for site, _ in near] == [xuhui.id, pudong.id]
    only_two = repository.nearest_locations(
        session, here, partner_type=PartnerType.repair_shop, limit=2
    )
    assert [site.partner_id for site, _ in only_two] == [xuhui.id, pudong.id]
    in_hangzhou = repository.nearest_locations(session, here, city_adcode="330100")
    assert [site.partner_id for site, _ in in_hangzhou] == [hangzhou.id]
    everyone = {site.partner_id for site, _ in repository.nearest_locations(session, here)}
    assert wash.id in everyone
    assert asleep.id not in everyone
