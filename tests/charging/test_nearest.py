"""The nearest available chargers: nearest first with great-circle distances, only EVSEs that
are free now (a stale or reported-faulty status is not), the filters (DC, GB/T, power), only
published locations of active operators; the spatial index gives the same answers as the SQL
band query and is rebuilt when the layout changes, not when a status does."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from carecover.charging.enums import ConnectorType
from carecover.charging.service import index as spatial
from carecover.charging.service import registry, tariffs
from carecover.charging.service.nearest import nearest_available, nearest_available_band
from carecover.partners import service as partner_service
from carecover.platform.context import Actor
from carecover.platform.errors import InvalidFields
from carecover.platform.geo import Point, haversine_km
from tests.charging.builders import (
    NOW,
    Operator,
    ac_evse,
    connector_doc,
    dc_evse,
    later,
    location_doc,
    make_operator,
    stamp,
    tariff_doc,
)
from tests.factories.partners import PEOPLES_SQUARE, PUDONG, WEST_LAKE, XUHUI

HERE = (31.2000, 121.4500)  # 徐家汇 — between Xuhui and People's Square
LONGHUA = (31.1770, 121.4530)


def put(session: Session, op: Operator, doc: dict[str, object]) -> None:
    registry.upsert_location(
        session, op.actor, "CN", op.party.party_id, str(doc["id"]), doc, now=later(120)
    )


def world(session: Session) -> Operator:
    op = make_operator(session)
    tariffs.upsert_tariff(
        session, op.actor, "CN", "TLD", "DC-STD", tariff_doc(energy="1.15"), now=later(1)
    )
    put(
        session,
        op,
        location_doc(
            "XH",
            lat=XUHUI[0],
            lng=XUHUI[1],
            evses=[dc_evse("XH-1"), dc_evse("XH-2", status="CHARGING")],
        ),
    )
    put(
        session,
        op,
        location_doc(
            "RMGC",
            lat=PEOPLES_SQUARE[0],
            lng=PEOPLES_SQUARE[1],
            evses=[ac_evse("RM-1"), ac_evse("RM-2")],
        ),
    )
    put(
        session,
        op,
        location_doc("LJZ", lat=PUDONG[0], lng=PUDONG[1], evses=[dc_evse("LJ-1", kw=180)]),
    )
    put(
        session,
        op,
        location_doc(
            "LH", lat=LONGHUA[0], lng=LONGHUA[1], evses=[dc_evse("LH-1", status="OUTOFORDER")]
        ),
    )
    put(
        session,
        op,
        location_doc(
            "XH-T2",
            lat=31.1950,
            lng=121.4400,
            evses=[
                {
                    **dc_evse("T2-1"),
                    "connectors": [
                        connector_doc(
                            standard="IEC_62196_T2",
                            power_type="AC_3_PHASE",
                            volts=230,
                            amps=32,
                            watts=None,
                        )
                    ],
                }
            ],
        ),
    )
    put(
        session, op, location_doc("WL", lat=WEST_LAKE[0], lng=WEST_LAKE[1], evses=[dc_evse("WL-1")])
    )
    return op


def names(hits: list[object]) -> list[str]:
    return [h.location.ocpi_id for h in hits]  # type: ignore[attr-defined]


def test_nearest_first_with_great_circle_distances(session: Session) -> None:
    world(session)
    hits = nearest_available(session, *HERE, now=later(10))
    assert names(hits) == ["XH-T2", "XH", "RMGC", "LJZ"]  # LH is out of order, WL 160 km away
    for hit in hits:
        expected = haversine_km(Point(*HERE), Point(hit.location.lat, hit.location.lng))
        assert hit.distance_km == pytest.approx(expected, abs=1e-9)
    xh = hits[1]
    assert (xh.available_evses, xh.total_evses, xh.best_power_kw) == (1, 2, 120.0)
    assert xh.standards == ("GBT_DC",)
    assert xh.tariff is not None
    assert (xh.tariff.tariff_id, xh.tariff.energy_fen_per_kwh, xh.tariff.parking_fen_per_hour) == (
        "DC-STD",
        115,
        500,
    )
    t2 = hits[0]
    assert t2.best_power_kw == pytest.approx(230 * 32 * 3 / 1000)  # volts × amps × 3 phases
    assert hits[2].tariff is None  # AC-STD was never pushed: no price rather than a wrong one
    far = nearest_available(session, *HERE, now=later(10), radius_km=200, limit=10)
    assert names(far)[-1] == "WL"
    assert far[-1].distance_km == pytest.approx(haversine_km(Point(*HERE), Point(*WEST_LAKE)))


def test_filters_dc_gbt_and_power(session: Session) -> None:
    world(session)
    assert names(nearest_available(session, *HERE, now=later(10), dc_only=True)) == ["XH", "LJZ"]
    gbt = nearest_available(
        session,
        *HERE,
        now=later(10),
        connector_standards=[ConnectorType.GBT_DC, ConnectorType.GBT_AC],
    )
    assert names(gbt) == ["XH", "RMGC", "LJZ"]
    assert names(
        nearest_available(session, *HERE, now=later(10), connector_standards=["GBT_AC"])
    ) == ["RMGC"]
    assert names(nearest_available(session, *HERE, now=later(10), min_power_kw=150)) == ["LJZ"]
    assert names(nearest_available(session, *HERE, now=later(10), min_power_kw=7)) == [
        "XH-T2",
        "XH",
        "RMGC",
        "LJZ",
    ]
    assert names(nearest_available(session, *HERE, now=later(10), limit=2)) == ["XH-T2", "XH"]


def test_a_stale_status_is_unknown_not_available(session: Session) -> None:
    op = world(session)
    # an hour and a half without a word from the operator: nothing can be trusted as free
    assert nearest_available(session, *HERE, now=later(90)) == []
    assert names(
        nearest_available(session, *HERE, now=later(90), stale_after=timedelta(hours=2))
    ) == ["XH-T2", "XH", "RMGC", "LJZ"]
    registry.patch_evse(
        session,
        op.actor,
        "CN",
        "TLD",
        "LJZ",
        "LJ-1",
        {"status": "AVAILABLE", "last_updated": stamp(later(80))},
        now=later(80),
    )
    assert names(nearest_available(session, *HERE, now=later(90))) == ["LJZ"]


def test_status_changes_move_chargers_in_and_out(session: Session) -> None:
    op = world(session)
    registry.patch_evse(
        session,
        op.actor,
        "CN",
        "TLD",
        "XH",
        "XH-1",
        {"status": "CHARGING", "last_updated": stamp(later(5))},
        now=later(5),
    )
    registry.patch_evse(
        session,
        op.actor,
        "CN",
        "TLD",
        "LH",
        "LH-1",
        {"status": "AVAILABLE", "last_updated": stamp(later(5))},
        now=later(5),
    )
    assert names(nearest_available(session, *HERE, now=later(10), dc_only=True)) == ["LH", "LJZ"]


def test_unpublished_locations_and_suspended_operators_are_not_offered(session: Session) -> None:
    op = world(session)
    put(
        session,
        op,
        {
            **location_doc("XH", lat=XUHUI[0], lng=XUHUI[1], evses=[dc_evse("XH-1")], at=later(5)),
            "publish": False,
        },
    )
    assert "XH" not in names(nearest_available(session, *HERE, now=later(10)))
    other = make_operator(session, "STC")
    put(
        session,
        other,
        location_doc(
            "NEAR", party="STC", lat=HERE[0], lng=HERE[1], evses=[dc_evse("N-1", party="STC")]
        ),
    )
    assert names(nearest_available(session, *HERE, now=later(10)))[0] == "NEAR"
    partner_service.suspend(session, Actor.system(), other.partner, "充电桩安全检查不合格")
    assert "NEAR" not in names(nearest_available(session, *HERE, now=later(10)))


def test_the_index_answers_as_the_band_query_does(session: Session) -> None:
    op = make_operator(session)
    rng = random.Random(7)
    for n in range(120):
        lat, lng = 31.23 + rng.uniform(-0.3, 0.3), 121.47 + rng.uniform(-0.35, 0.35)
        kind = rng.random()
        evses = [
            dc_evse(
                f"{n}-{k}",
                kw=rng.choice([60, 120, 180]),
                status=rng.choice(["AVAILABLE", "CHARGING", "OUTOFORDER"]),
            )
            if kind < 0.6
            else ac_evse(f"{n}-{k}", status=rng.choice(["AVAILABLE", "CHARGING"]))
            for k in range(rng.randint(1, 4))
        ]
        put(session, op, location_doc(f"L{n:03d}", lat=lat, lng=lng, evses=evses))
    for _ in range(25):
        point = (31.23 + rng.uniform(-0.4, 0.4), 121.47 + rng.uniform(-0.4, 0.4))
        args = {
            "now": later(10),
            "dc_only": rng.random() < 0.3,
            "min_power_kw": rng.choice([None, 60, 150]),
            "connector_standards": rng.choice([None, ["GBT_AC"], ["GBT_DC", "GBT_AC"]]),
            "limit": rng.choice([1, 5, 12]),
            "radius_km": rng.choice([5.0, 20.0, 60.0]),
        }
        by_index = nearest_available(session, *point, **args)  # type: ignore[arg-type]
        by_band = nearest_available_band(session, *point, **args)  # type: ignore[arg-type]
        assert [(h.location.id, round(h.distance_km, 9), h.available_evses) for h in by_index] == [
            (h.location.id, round(h.distance_km, 9), h.available_evses) for h in by_band
        ]
        assert all(h.distance_km <= args["radius_km"] for h in by_index)  # type: ignore[operator]


def test_the_index_is_rebuilt_for_layout_changes_only(session: Session) -> None:
    op = world(session)
    nearest_available(session, *HERE, now=later(10))
    before = spatial.index_for(session)
    registry.patch_evse(
        session,
        op.actor,
        "CN",
        "TLD",
        "XH",
        "XH-2",
        {"status": "AVAILABLE", "last_updated": stamp(later(6))},
        now=later(6),
    )
    assert spatial.index_for(session) is before  # a status change costs no rebuild
    assert nearest_available(session, *HERE, now=later(10))[1].available_evses == 2
    put(session, op, location_doc("NEW", lat=HERE[0], lng=HERE[1], evses=[ac_evse("NEW-1")]))
    after = spatial.index_for(session)
    assert after is not before
    assert len(after) == len(before) + 1
    assert names(nearest_available(session, *HERE, now=later(10)))[0] == "NEW"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"lat": 91.0, "lng": 121.0}, "lat"),
        ({"lat": 31.0, "lng": -200.0}, "lng"),
        ({"lat": 31.0, "lng": 121.0, "min_power_kw": -7.0}, "min_power_kw"),
        ({"lat": 31.0, "lng": 121.0, "limit": 0}, "limit"),
        ({"lat": 31.0, "lng": 121.0, "radius_km": 0.0}, "radius_km"),
        ({"lat": 31.0, "lng": 121.0, "connector_standards": ["GB_DC"]}, "connector_standards"),
    ],
)
def test_bad_search_input_is_refused(session: Session, args: dict[str, object], field: str) -> None:
    lat, lng = args.pop("lat"), args.pop("lng")
    with pytest.raises(InvalidFields) as refused:
        nearest_available(session, lat, lng, now=NOW, **args)  # type: ignore[arg-type]
    assert [p.field for p in refused.value.problems] == [field]
