"""Low charge weighed against the nearest charger (C1): the batch finds the charging sites around
its low EVs once, the rule compares the range left with the way there, and the alert names it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from carecover.partners.enums import PartnerType
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.geo import Point, haversine_km
from carecover.telematics.enums import DeviceKind
from carecover.telematics.service import devices, ingest, nearby
from carecover.vehicles.enums import Powertrain
from carecover.vehicles.models import Vehicle
from tests.factories.customers import make_customer, make_vehicle
from tests.factories.partners import make_partner

HERE = (31.2304, 121.4737)  # People's Square
CHARGER = (31.3000, 121.4737)  # ~7.7 km north
FAR_CHARGER = (31.5000, 121.4737)  # ~30 km north


def _ev(session: Session) -> Vehicle:
    owner = make_customer(session)
    return make_vehicle(session, owner=owner, powertrain=Powertrain.bev)


def _drive(start_seq: int, ranges: list[float], per_pct: float = 4.5) -> list[dict[str, object]]:
    """A reading a minute at People's Square; SOC is the range over ``per_pct`` km per %."""
    start = utc_now() - timedelta(minutes=len(ranges) + 1)
    return [
        {
            "seq": start_seq + n,
            "ts": int((start + timedelta(minutes=n)).timestamp() * 1000),
            "lat": HERE[0],
            "lng": HERE[1],
            "speed": 40.0,
            "ign": True,
            "soc": max(1.0, km / per_pct),
            "range_km": km,
        }
        for n, km in enumerate(ranges)
    ]


def test_the_grid_finds_the_nearest_site_ring_by_ring() -> None:
    sites = [
        nearby.Site(__import__("uuid").uuid4(), name, "", lat, lng)
        for name, (lat, lng) in {
            "near": CHARGER,
            "far": FAR_CHARGER,
            "west": (31.23, 121.0),
        }.items()
    ]
    grid = nearby.SiteGrid(sites)
    found = grid.nearest(*HERE)
    assert found is not None
    site, km = found
    assert site.name == "near"
    assert km == haversine_km(Point(*HERE), Point(*CHARGER))
    assert nearby.SiteGrid(sites[1:2], reach_km=10.0).nearest(*HERE) is None  # beyond reach
    assert nearby.SiteGrid(()).nearest(*HERE) is None


def test_range_short_of_the_nearest_charger_raises_one_alert_naming_it(session: Session) -> None:
    make_partner(session, partner_type=PartnerType.charging_operator, location=CHARGER)
    make_partner(session, partner_type=PartnerType.charging_operator, location=FAR_CHARGER)
    car = _ev(session)
    device, _ = devices.register(session, Actor.system(), car.id, DeviceKind.ev_box)
    # need = 7.7 km x 1.5 + margin: plenty of range first, then it runs down below that
    result = ingest.ingest(
        session, device, _drive(0, [60.0, 40.0, 25.0, 18.0, 16.0]), now=utc_now()
    )
    lows = [a for a in result.alerts if a.code.startswith("soc_")]
    assert [a.code for a in lows] == ["soc_low"]
    action = lows[0].action
    assert action["kind"] == "charger"
    assert action["distance_km"] == round(haversine_km(Point(*HERE), Point(*CHARGER)), 2)
    assert lows[0].params["charger_km"] == round(haversine_km(Point(*HERE), Point(*CHARGER)), 1)
    again = ingest.ingest(session, device, _drive(5, [15.0, 14.0]), now=utc_now())
    assert [a.code for a in again.alerts if a.code.startswith("soc_")] == []  # the same episode


def test_without_a_charger_nearby_the_plain_threshold_applies(session: Session) -> None:
    car = _ev(session)
    device, _ = devices.register(session, Actor.system(), car.id, DeviceKind.ev_box)
    # 2 km per %: SOC 30, 15, 11 % — above the 10 % fallback although the range is short
    result = ingest.ingest(session, device, _drive(0, [60.0, 30.0, 22.0], 2.0), now=utc_now())
    assert [a.code for a in result.alerts] == []
    low = ingest.ingest(session, device, _drive(3, [18.0, 16.0], 2.0), now=utc_now())  # 9, 8 %
    assert [(a.code, a.action["kind"], a.action.get("status")) for a in low.alerts] == [
        ("soc_low", "charger", "none_found")
    ]


def test_a_charger_round_the_corner_does_not_hide_an_empty_pack(session: Session) -> None:
    make_partner(session, partner_type=PartnerType.charging_operator, location=(31.2390, 121.4737))
    car = _ev(session)
    device, _ = devices.register(session, Actor.system(), car.id, DeviceKind.ev_box)
    # about 1 km to the charger: 40 km of range covers it, but 8 % is under the 10 % floor
    result = ingest.ingest(session, device, _drive(0, [90.0, 60.0, 40.0], 5.0), now=utc_now())
    assert [(a.code, a.params["soc_pct"]) for a in result.alerts] == [("soc_low", 8.0)]
    assert result.alerts[0].action["kind"] == "charger"
    assert result.alerts[0].action["distance_km"] < 1.5
