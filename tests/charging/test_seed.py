"""Demo chargers: each charging operator of the demo world gets an OCPI party, tariffs and its
stations (GB/T DC 60–180 kW and 7 kW AC, a few out of order) through the receiver path, once;
the demo feed keeps their statuses fresh; a world reset can clear them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.charging import demo
from carecover.charging.enums import EvseStatus, PowerType
from carecover.charging.models import (
    ChargingLocation,
    ChargingParty,
    Connector,
    Evse,
    EvseStatusChange,
)
from carecover.charging.service.nearest import nearest_available
from carecover.entrypoints.seed.charging import clear_demo_charging, seed_demo_charging
from carecover.entrypoints.seed.world import WorldSpec, choose_cities, seed_world
from carecover.partners.enums import PartnerType
from carecover.partners.models import Partner
from carecover.platform.clock import utc_now


def test_the_demo_world_gets_realistic_chargers_once(session: Session) -> None:
    now = utc_now().replace(microsecond=0)
    seed_world(session, WorldSpec(customers=20, cities=1, seed=3, now=now))
    operators = session.scalar(
        select(func.count())
        .select_from(Partner)
        .where(Partner.partner_type == PartnerType.charging_operator)
    )
    done = seed_demo_charging(session, now=now, seed=3)
    assert done is not None
    assert done.parties == operators == 8  # a tier-1 city
    assert done.locations == 8 * 4  # each operator's site and three more stations
    assert done.dc > done.ac > 0
    assert done.out_of_order > 0
    powers = session.execute(
        select(Connector.power_type, Connector.standard, Connector.max_electric_power)
    ).all()
    assert {std.value for _, std, _ in powers} == {"GBT_DC", "GBT_AC"}
    assert {w for p, _, w in powers if p is PowerType.DC} <= {60_000, 120_000, 160_000, 180_000}
    assert {w for p, _, w in powers if p is not PowerType.DC} == {7000}
    linked = session.scalar(
        select(func.count())
        .select_from(ChargingLocation)
        .where(ChargingLocation.partner_location_id.is_not(None))
    )
    assert linked == 8
    assert all(p.simulated for p in session.scalars(select(ChargingParty)))
    centre = choose_cities(1, 3)[0].point
    hits = nearest_available(
        session, centre.lat, centre.lng, now=now + timedelta(minutes=5), limit=10
    )
    assert len(hits) == 10
    assert hits[0].tariff is not None
    assert seed_demo_charging(session, now=now, seed=3) is None

    # an hour and a half later nothing would be trusted, unless the feed restated the statuses
    later = now + timedelta(minutes=90)
    assert nearest_available(session, centre.lat, centre.lng, now=later) == []
    history = session.scalar(select(func.count()).select_from(EvseStatusChange))
    changed = demo.refresh_statuses(session, later - timedelta(minutes=1), seed=1)
    assert changed > 0
    assert session.scalar(select(func.count()).select_from(EvseStatusChange)) == history + changed
    assert len(nearest_available(session, centre.lat, centre.lng, now=later, limit=10)) == 10
    assert (
        session.scalar(
            select(func.count()).select_from(Evse).where(Evse.status == EvseStatus.REMOVED)
        )
        == 0
    )

    clear_demo_charging(session)
    assert session.scalar(select(func.count()).select_from(ChargingLocation)) == 0
