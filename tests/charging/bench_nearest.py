"""Measure nearest_available over 5,000 charging locations: the KD-tree index versus the SQL
latitude/longitude band query. Not collected by pytest; run it by hand:

    .venv/bin/python -m tests.charging.bench_nearest            # SQLite
    CARECOVER_TEST_DIALECT=postgresql .venv/bin/python -m tests.charging.bench_nearest

Locations cluster around the ten largest cities (a normal spread of ~13 km), 2 to 10 EVSEs
each, GB/T DC and AC; queries come from random points in those cities with random filters.
"""

# ruff: noqa: T201 - a measurement script: printing the figures is its output

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("CARECOVER_SECRET_KEY", "bench-secret-key-0123456789abcdef0123456789")
os.environ.setdefault("CARECOVER_JWT_SECRET", "bench-jwt-secret-0123456789abcdef0123456789")

from sqlalchemy import insert, text

from carecover.charging.enums import ConnectorFormat, ConnectorType, EvseStatus, PowerType
from carecover.charging.models import ChargingLocation, Connector, Evse
from carecover.charging.service import index as spatial
from carecover.charging.service.nearest import nearest_available, nearest_available_band
from carecover.entrypoints import registry
from carecover.partners.enums import PartnerStatus, PartnerType
from carecover.partners.models import Partner
from carecover.platform.auth.models import Organisation, OrganisationKind
from carecover.platform.db.session import Database
from carecover.platform.geo import prefecture_cities
from carecover.platform.ids import new_id
from tests.dbutil import DatabaseFactory

LOCATIONS = 5000
QUERIES = 400
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def populate(db: Database, rng: random.Random) -> list[tuple[float, float]]:
    cities = sorted(prefecture_cities(), key=lambda c: (c.tier, c.adcode))[:10]
    centres = [(c.point.lat, c.point.lng) for c in cities]
    org, partner = new_id(), new_id()
    locations, evses, connectors = [], [], []
    for n in range(LOCATIONS):
        lat0, lng0 = centres[n % len(centres)]
        loc = new_id()
        locations.append(
            {
                "id": loc, "country_code": "CN", "party_id": "BNC", "ocpi_id": f"L{n:05d}",
                "operator_partner_id": partner, "publish": True, "name": f"站 {n}",
                "address": "示例路1号", "city": "示例市", "country": "CHN",
                "lat": lat0 + rng.gauss(0, 0.12), "lng": lng0 + rng.gauss(0, 0.14),
                "time_zone": "Asia/Shanghai", "details": {}, "last_updated": NOW,
                "layout_changed_at": NOW, "created_at": NOW, "updated_at": NOW,
            }
        )  # fmt: skip
        for k in range(rng.randint(2, 10)):
            dc = rng.random() < 0.65
            evse = new_id()
            status = rng.choice(
                [
                    EvseStatus.AVAILABLE,
                    EvseStatus.CHARGING,
                    EvseStatus.CHARGING,
                    EvseStatus.OUTOFORDER,
                ]
            )
            evses.append(
                {
                    "id": evse, "location_id": loc, "uid": f"{n}-{k}", "status": status,
                    "status_changed_at": NOW, "status_reported_at": NOW, "capabilities": [],
                    "details": {}, "last_updated": NOW, "created_at": NOW, "updated_at": NOW,
                }
            )  # fmt: skip
            connectors.append(
                {
                    "id": new_id(), "evse_pk": evse, "connector_id": "1",
                    "standard": ConnectorType.GBT_DC if dc else ConnectorType.GBT_AC,
                    "format": ConnectorFormat.CABLE,
                    "power_type": PowerType.DC if dc else PowerType.AC_1_PHASE,
                    "max_voltage": 750 if dc else 220, "max_amperage": 250 if dc else 32,
                    "max_electric_power": rng.choice([60, 120, 180]) * 1000 if dc else 7000,
                    "tariff_ids": [], "last_updated": NOW, "created_at": NOW, "updated_at": NOW,
                }
            )  # fmt: skip
    with db.session() as session, session.begin():
        session.add(
            Organisation(id=org, name="基准充电", kind=OrganisationKind.partner, is_active=True)
        )
        session.flush()
        session.add(
            Partner(
                id=partner, organisation_id=org, partner_type=PartnerType.charging_operator,
                status=PartnerStatus.active, legal_name="基准充电", city_adcode="310100",
            )
        )  # fmt: skip
        session.flush()
        session.execute(insert(ChargingLocation), locations)
        session.execute(insert(Evse), evses)
        session.execute(insert(Connector), connectors)
    if db.dialect == "postgresql":  # fresh statistics, as autovacuum would gather them
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    print(f"{len(locations)} locations, {len(evses)} EVSEs, {len(connectors)} connectors")
    return centres


def timed(
    db: Database,
    finder: Callable[..., list[object]],
    queries: list[tuple[float, float, dict[str, object]]],
) -> tuple[list[float], list[list[uuid.UUID]]]:
    times, answers = [], []
    with db.session() as session:
        finder(session, *queries[0][:2], now=NOW, **queries[0][2])  # warm: the index, the pool
        for lat, lng, kwargs in queries:
            start = time.perf_counter()
            hits = finder(session, lat, lng, now=NOW + timedelta(minutes=5), **kwargs)
            times.append((time.perf_counter() - start) * 1000)
            answers.append([h.location.id for h in hits])  # type: ignore[attr-defined]
    return times, answers


def report(name: str, times: list[float]) -> None:
    ordered = sorted(times)
    p50 = statistics.median(ordered)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    print(f"{name:>8}: p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  max {ordered[-1]:6.2f} ms")


def main() -> None:
    registry.load_models()
    factory = DatabaseFactory(Path(tempfile.mkdtemp(prefix="cc-bench-")))
    db = Database(factory.fresh())
    try:
        rng = random.Random(2026)
        centres = populate(db, rng)
        with db.session() as session:
            start = time.perf_counter()
            built = spatial.build(session, spatial.fingerprint(session))
            took = (time.perf_counter() - start) * 1000
            print(f"index build: {took:.0f} ms for {len(built)} locations")
        queries = []
        for _ in range(QUERIES):
            lat0, lng0 = rng.choice(centres)
            kwargs: dict[str, object] = rng.choice(
                [{}, {"dc_only": True}, {"connector_standards": ["GBT_AC"]}, {"min_power_kw": 120}]
            )
            queries.append(
                (
                    lat0 + rng.gauss(0, 0.1),
                    lng0 + rng.gauss(0, 0.1),
                    {"limit": 5, "radius_km": 30.0, **kwargs},
                )
            )
        print(f"database: {db.dialect}, {QUERIES} queries, limit 5 within 30 km")
        index_times, index_answers = timed(db, nearest_available, queries)
        band_times, band_answers = timed(db, nearest_available_band, queries)
        report("index", index_times)
        report("band", band_times)
        assert index_answers == band_answers, "the index and the band query disagree"
        print("answers: identical")
    finally:
        db.dispose()
        factory.drop_all()


if __name__ == "__main__":
    main()
