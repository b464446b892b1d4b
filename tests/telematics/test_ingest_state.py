"""The ingest's light state path (``ingest_state``): a stream of single-reading batches from
several cars stores exactly what the ORM path stored (states, alerts, trips, devices); only the
columns a car changed are written; a state the session had loaded reads what is stored."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.telematics.enums import DeviceKind
from carecover.telematics.models import Alert, Device, Trip, VehicleState
from carecover.telematics.service import devices, ingest, ingest_state, payload_fast
from carecover.vehicles.enums import Powertrain
from tests.dbutil import DIALECT
from tests.factories.customers import make_vehicle
from tests.factories.partners import XUHUI, make_partner

START = utc_now().replace(microsecond=0) - timedelta(hours=1)


def reading(car: int, n: int) -> dict[str, Any]:
    """Car ``car``'s ``n``-th reading, a minute apart: it drives, then parks (ignition off at 14).
    Car 0's front-left tyre goes flat; car 1's alternator fails; car 2 is an EV running low."""
    at = START + timedelta(minutes=n)
    parked = n >= 14
    item: dict[str, Any] = {
        "seq": n,
        "ts": int(at.timestamp() * 1000),
        "ign": not parked,
        "speed": 0.0 if parked else 30.0 + car + n % 3,
    }
    if n % 4 != 3:  # every fourth reading without a fix
        item |= {"lat": XUHUI[0] + 0.0004 * n, "lng": XUHUI[1] + 0.0003 * car}
    if car == 0 or n % 5 == 0:
        fl = 230.0 - (12.0 * max(0, n - 4) if car == 0 else 0.0)
        item["tyres"] = {"fl": [fl, 25.0], "fr": [231.0, 25.0], "rl": [229.5, 24.0]}
    if car == 1:
        item["lv_v"] = 12.6 - 0.12 * n
    if car == 2:
        item |= {"soc": 30.0 - n, "range_km": 150.0 - 5 * n}
    return item


def stream(nos: Sequence[str]) -> list[list[tuple[str, bytes]]]:
    """Eighteen flushes of one message per car; redeliveries and a late reading mixed in."""
    flushes = [
        [(no, json.dumps(reading(car, n)).encode()) for car, no in enumerate(nos)]
        for n in range(18)
    ]
    flushes[6].append(flushes[5][0])  # a redelivered message
    flushes[9].append((nos[1], json.dumps(reading(1, 2) | {"seq": 99}).encode()))  # late
    flushes[12] = flushes[12] + flushes[11]  # a whole flush again
    return flushes


def store(session: Session, flush: Sequence[tuple[str, bytes]], now: datetime) -> None:
    """As an MQTT worker does: the devices by number, then one store for the lot."""
    known = {d.device_no: d for d in devices.by_nos(session, sorted({no for no, _ in flush}))}
    samples: dict[str, list[Any]] = {}
    for no, body in flush:
        good, bad = payload_fast.decode_samples(body, "application/json", now=now)
        assert bad == []
        samples.setdefault(no, []).extend(good)
    batches = [ingest.DeviceBatch(known[no], samples[no]) for no in sorted(samples)]
    ingest.store(session, batches, now=now)


def orm_load(
    session: Session, first: Mapping[uuid.UUID, datetime], now: datetime
) -> dict[uuid.UUID, VehicleState]:
    """The ORM path as it was: missing rows created, then the states as ORM objects."""
    for vid in sorted(first):
        if session.get(VehicleState, vid) is None:
            session.add(
                VehicleState(
                    vehicle_id=vid,
                    device_time=first[vid],
                    signals={},
                    rule_state={},
                    updated_at=now,
                )
            )
    session.flush()
    found = session.scalars(
        select(VehicleState)
        .where(VehicleState.vehicle_id.in_(list(first)))
        .order_by(VehicleState.vehicle_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {state.vehicle_id: state for state in found}


def orm_save(session: Session, states: Iterable[VehicleState]) -> None:
    session.flush()


def snapshot(session: Session, cars: Sequence[uuid.UUID]) -> dict[str, Any]:
    """What is stored for the cars, read around the identity map."""
    state = VehicleState
    state_columns = [state.vehicle_id, *(getattr(state, c) for c in ingest_state.COLUMNS)]
    alert_columns = [Alert.vehicle_id, Alert.code, Alert.severity, Alert.wheel, Alert.params,
                     Alert.episode_key, Alert.quiet, Alert.action, Alert.raised_at]  # fmt: skip
    trip_columns = [Trip.vehicle_id, Trip.started_at, Trip.ended_at, Trip.distance_km, Trip.score]
    return {
        "states": sorted(
            tuple(row)
            for row in session.execute(
                select(*state_columns).where(VehicleState.vehicle_id.in_(cars))
            )
        ),
        "alerts": sorted(
            tuple(json.dumps(v, sort_keys=True) if isinstance(v, dict) else v for v in row)
            for row in session.execute(select(*alert_columns).where(Alert.vehicle_id.in_(cars)))
        ),
        "trips": sorted(
            tuple(row)
            for row in session.execute(select(*trip_columns).where(Trip.vehicle_id.in_(cars)))
        ),
        "devices": sorted(
            tuple(row)
            for row in session.execute(
                select(Device.device_no, Device.last_seq, Device.last_seen_at).where(
                    Device.vehicle_id.in_(cars)
                )
            )
        ),
    }


def fleet(session: Session) -> tuple[list[uuid.UUID], list[str]]:
    make_partner(session, location=XUHUI)
    cars, nos = [], []
    for powertrain, kind in (
        (Powertrain.ice, DeviceKind.obd_dongle),
        (Powertrain.ice, DeviceKind.obd_dongle),
        (Powertrain.bev, DeviceKind.ev_box),
        (Powertrain.bev, DeviceKind.ev_box),
    ):
        car = make_vehicle(session, powertrain=powertrain)
        device, _ = devices.register(session, Actor.system(), car.id, kind)
        cars.append(car.id)
        nos.append(device.device_no)
    session.flush()
    return cars, nos


def run(session: Session, nos: Sequence[str]) -> None:
    for n, flush in enumerate(stream(nos)):
        store(session, flush, START + timedelta(minutes=n, milliseconds=500))


def test_the_light_path_stores_what_the_orm_path_stored(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    cars, nos = fleet(session)
    with monkeypatch.context() as orm:
        orm.setattr(ingest_state, "load", orm_load)
        orm.setattr(ingest_state, "save", orm_save)
        with session.begin_nested() as reference:
            run(session, nos)
            expected = snapshot(session, cars)
            reference.rollback()
    session.expunge_all()
    assert snapshot(session, cars)["alerts"] == []  # the reference run left nothing behind
    run(session, nos)
    got = snapshot(session, cars)
    assert {alert[1] for alert in got["alerts"]} >= {"tyre_puncture", "charging_fault"}
    assert len(got["trips"]) == 4  # each car drove one trip, ended as it parked
    assert got == expected


def changed(state: ingest_state.CarState) -> set[str]:
    row = state.changes()
    return set() if row is None else set(row) - {"vehicle_id"}


def test_a_state_knows_which_columns_it_changed() -> None:
    at = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    state = ingest_state.CarState(
        uuid.uuid4(), at, 31.2, 121.4, {"soc": 50.0}, {"v": 1}, at, None, None
    )
    assert state.changes() is None
    state.signals = {"soc": 50.0}  # a new object, the same value
    state.rule_state = {"v": 1, "last": 1.5}
    state.trip_last_at = at
    assert changed(state) == {"rule_state", "trip_last_at"}
    state.trip_last_at = None  # back as it was
    assert changed(state) == {"rule_state"}


def test_a_late_reading_writes_only_what_it_changed(session: Session) -> None:
    cars, nos = fleet(session)
    store(session, [(nos[0], json.dumps(reading(0, 10)).encode())], START + timedelta(minutes=11))
    sent: list[Any] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.startswith("UPDATE telematics_vehicle_state"):
            sent.append(params)

    before = session.execute(
        select(VehicleState.device_time, VehicleState.signals, VehicleState.updated_at).where(
            VehicleState.vehicle_id == cars[0]
        )
    ).one()
    event.listen(session.connection(), "before_cursor_execute", capture)
    late = json.dumps(reading(0, 3)).encode()  # seven minutes older than the state
    store(session, [(nos[0], late)], START + timedelta(minutes=12))
    event.remove(session.connection(), "before_cursor_execute", capture)
    after = session.execute(
        select(VehicleState.device_time, VehicleState.signals, VehicleState.updated_at).where(
            VehicleState.vehicle_id == cars[0]
        )
    ).one()
    assert after == before  # the state never moves back
    assert len(sent) == 1
    if DIALECT == "postgresql":
        [row] = json.loads(sent[0]["rows"])
        assert set(row) == {"vehicle_id", "_m", "trip_state"}  # the segmenter counted it ignored
        assert row["trip_state"]["ignored"] == 1


def test_a_state_the_session_had_loaded_reads_what_was_stored(session: Session) -> None:
    cars, nos = fleet(session)
    store(session, [(nos[1], json.dumps(reading(1, 1)).encode())], START + timedelta(minutes=2))
    state = session.get(VehicleState, cars[1])
    device = session.scalars(select(Device).where(Device.device_no == nos[1])).one()
    assert state is not None
    assert state.signals["lv_v"] == pytest.approx(12.48)
    store(session, [(nos[1], json.dumps(reading(1, 5)).encode())], START + timedelta(minutes=6))
    assert state.signals["lv_v"] == pytest.approx(12.0)
    assert device.last_seq == 5
