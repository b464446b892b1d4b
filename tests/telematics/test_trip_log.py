"""Trips on the ingest path: a real-shaped 1 Hz drive, sent as device readings in batches, is
segmented from the stream with the state in the car's row, stored once, and added to its month."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.platform.context import Actor
from carecover.telematics.enums import DeviceKind
from carecover.telematics.models import Device, DrivingMonth, Trip, VehicleState
from carecover.telematics.service import devices, ingest, payload, trip_log
from carecover.telematics.service.trips import Trip as PureTrip
from carecover.telematics.service.trips import TripSample
from carecover.vehicles.models import Vehicle
from tests.factories.customers import make_vehicle
from tests.telematics.test_trips import Drive, commute, local, one

TWO_BRAKES = {2: "brake", 7: "brake"}
FIELDS = (
    "end_reason", "discarded", "distance_km", "duration_s", "moving_s", "max_speed_kmh",
    "avg_speed_kmh", "harsh_braking", "harsh_acceleration", "harsh_cornering", "speeding_share",
    "night_share", "night_km", "gps_jumps", "score",
)  # fmt: skip


def readings(samples: Sequence[TripSample], first_seq: int = 1) -> list[dict[str, Any]]:
    """The drive as a device sends it (JSON-shaped readings)."""
    out = []
    for seq, s in enumerate(samples, first_seq):
        item: dict[str, Any] = {"seq": seq, "ts": s.at.isoformat(), "speed": s.speed_kmh}
        if s.lat is not None and s.lng is not None:
            item |= {"lat": s.lat, "lng": s.lng}
        if s.ignition is not None:
            item["ign"] = s.ignition
        if s.accel_g is not None:
            item["acc"] = list(s.accel_g)
        out.append(item)
    return out


def send(
    session: Session, device: Device, items: Sequence[dict[str, Any]], batch: int = 100
) -> None:
    """In batches, each received a second after its last reading (like a device's uploads), each
    in its own transaction (flushed here: the test's transaction is rolled back at the end)."""
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        now = datetime.fromisoformat(chunk[-1]["ts"]) + timedelta(seconds=1)
        ingest.ingest(session, device, chunk, now=now)
        session.flush()


def fitted(session: Session, vehicle: Vehicle | None = None) -> Device:
    car = vehicle or make_vehicle(session)
    device, _ = devices.register(session, Actor.system(), car.id, DeviceKind.obd_dongle)
    return device


def stored(session: Session, vehicle_id: object) -> list[Trip]:
    return list(
        session.scalars(select(Trip).where(Trip.vehicle_id == vehicle_id).order_by(Trip.started_at))
    )


def month_row(session: Session, vehicle_id: object, month: str) -> DrivingMonth:
    row = session.get(DrivingMonth, (vehicle_id, month), populate_existing=True)
    assert row is not None
    return row


def same(row: Trip, trip: PureTrip) -> None:
    assert (row.started_at, row.ended_at) == (trip.start, trip.end)
    assert {f: getattr(row, f) for f in FIELDS} == {f: getattr(trip, f) for f in FIELDS}


def test_a_commute_with_two_harsh_brakes_is_stored_once_with_its_figures(session: Session) -> None:
    drive = commute(events=TWO_BRAKES)
    device = fitted(session)
    send(session, device, readings(drive.samples))
    [row] = stored(session, device.vehicle_id)
    assert row.harsh_braking == 2
    assert (row.harsh_acceleration, row.harsh_cornering) == (0, 0)
    assert 12.0 < row.distance_km < 14.0
    assert row.distance_km == pytest.approx(drive.metres / 1000, rel=0.005)
    assert row.end_reason == "ignition_off"
    assert row.ended_at == drive.samples[-1].at
    assert row.month == "2026-11"
    assert row.score is not None
    assert 60 < row.score < 80
    same(row, one(drive.samples))  # the stream, in batches through the database, = the pure run
    state = session.get(VehicleState, device.vehicle_id)
    assert state is not None
    assert state.trip_state is not None
    assert state.trip_state["trip"] is None
    assert state.trip_last_at is None
    month = month_row(session, device.vehicle_id, "2026-11")
    assert (month.trips, month.discarded, month.harsh_braking) == (1, 0, 2)
    assert month.distance_km == row.distance_km
    assert month.weighted_score == pytest.approx(row.distance_km * row.score)


def test_a_redelivered_stream_stores_nothing_twice(session: Session) -> None:
    drive = commute(events=TWO_BRAKES, seed=4)
    device = fitted(session)
    items = readings(drive.samples)
    send(session, device, items, batch=250)
    before = month_row(session, device.vehicle_id, "2026-11")
    totals = (before.trips, before.distance_km, before.weighted_score, before.harsh_braking)
    send(session, device, items, batch=250)  # the broker resends everything
    send(session, device, items[400:900], batch=77)  # and a stretch again, cut differently
    assert len(stored(session, device.vehicle_id)) == 1
    after = month_row(session, device.vehicle_id, "2026-11")
    assert (after.trips, after.distance_km, after.weighted_score, after.harsh_braking) == totals


def test_a_trip_found_again_from_scratch_is_not_stored_twice(session: Session) -> None:
    """Even if the segmenter's memory were lost and the readings replayed, (car, start) holds."""
    drive = commute(events=TWO_BRAKES, seed=5)
    device = fitted(session)
    send(session, device, readings(drive.samples))
    state = session.get(VehicleState, device.vehicle_id)
    assert state is not None
    state.trip_state = None
    now = drive.samples[-1].at + timedelta(minutes=1)
    again = [payload.validate(r, now=now) for r in readings(drive.samples)]
    assert trip_log.record(session, state, again, now) == []
    assert len(stored(session, device.vehicle_id)) == 1
    assert month_row(session, device.vehicle_id, "2026-11").trips == 1


def test_readings_without_speed_do_not_break_the_trip(session: Session) -> None:
    drive = commute(seed=6)
    items = readings(drive.samples)
    extra = [
        {"seq": 10_000 + n, "ts": items[n]["ts"], "lv_v": 12.6, "tyres": {"fl": [235.0, 30.0]}}
        for n in range(50, len(items) - 1, 97)
    ]
    merged = sorted(items + extra, key=lambda r: (r["ts"], r["seq"]))
    device = fitted(session)
    send(session, device, merged)
    [row] = stored(session, device.vehicle_id)
    same(row, one(drive.samples))


def test_a_car_that_went_silent_has_its_trip_closed_by_the_sweep(session: Session) -> None:
    drive = Drive(local(18), seed=7).hold(10).to(60).hold(900)  # 15 minutes out, then nothing
    device = fitted(session)
    send(session, device, readings(drive.samples))
    assert stored(session, device.vehicle_id) == []
    state = session.get(VehicleState, device.vehicle_id)
    assert state is not None
    assert state.trip_last_at == drive.samples[-1].at
    last = drive.samples[-1].at
    assert trip_log.close_silent(session, last + timedelta(minutes=9)) == []  # not yet a gap
    [closed] = trip_log.close_silent(session, last + timedelta(minutes=11))
    assert (closed.end_reason, closed.ended_at) == ("gap", last)
    assert closed.distance_km == pytest.approx(drive.metres / 1000, rel=0.005)
    assert state.trip_last_at is None
    assert trip_log.close_silent(session, last + timedelta(minutes=30)) == []
    assert month_row(session, device.vehicle_id, "2026-11").trips == 1


def test_trips_count_in_the_local_month_they_started_in(session: Session) -> None:
    # 23:50 on 30 November in Shanghai is 15:50 UTC: the trip is November's, at night.
    late = commute(local(23, 50, day=30), seed=8)
    device = fitted(session)
    send(session, device, readings(late.samples))
    [row] = stored(session, device.vehicle_id)
    assert row.month == "2026-11"
    assert row.night_share == 1.0
    count = session.scalar(
        select(func.count())
        .select_from(DrivingMonth)
        .where(DrivingMonth.vehicle_id == row.vehicle_id)
    )
    assert count == 1


def test_an_unreadable_trip_state_starts_afresh(session: Session) -> None:
    device = fitted(session)
    drive = commute(seed=19)
    items = readings(drive.samples)
    send(session, device, items[:10])
    state = session.get(VehicleState, device.vehicle_id)
    assert state is not None
    state.trip_state = {"v": 0, "trip": "from an older release"}
    session.flush()
    send(session, device, items[10:])
    [row] = stored(session, device.vehicle_id)
    assert row.started_at == drive.samples[10].at  # the trip is found again from there on
