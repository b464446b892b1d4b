"""Trips on the ingest path (F1): each car's new readings go through the streaming segmenter
(``trips.observe``) with its memory in the car's latest-state row, so any worker can continue a
car's stream; a trip is measured and scored as it ends, never by re-reading its readings.

Each ended trip is stored once: (vehicle, start) is unique and the insert does nothing on
conflict, so a redelivered batch, or the silent-car sweep racing a late reading, never stores it
twice. Only a newly stored trip is added to its month's running totals (``DrivingMonth``), with
one UPDATE of sums, so the monthly report reads one row. The caller owns the transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from carecover.platform.db import dialect_insert
from carecover.telematics.models import DrivingMonth, Trip, VehicleState
from carecover.telematics.service import payload, trips
from carecover.telematics.service.ingest_state import LatestState

log = structlog.get_logger(__name__)
CONFIG = trips.TripConfig()
LOCAL = ZoneInfo(CONFIG.night_zone)
"""Months and nights are local (Asia/Shanghai): a trip counts in the month it started in."""
SWEEP_BATCH = 500


def month_of(at: datetime) -> str:
    """The local month key (``YYYY-MM``) of a moment."""
    return at.astimezone(LOCAL).strftime("%Y-%m")


def trip_sample(s: payload.Sample) -> trips.TripSample | None:
    """A stored reading as the segmenter sees it; None when it says nothing about the drive
    (no speed from GPS or OBD, and not an ignition-off)."""
    sig = s.signals
    speed = s.speed_kmh
    obd = sig.get("obd")
    if speed is None and isinstance(obd, dict):
        speed = obd.get("vehicle_speed")
    ignition = sig.get("ign")
    ignition = ignition if isinstance(ignition, bool) else None
    if speed is None:
        if ignition is not False:
            return None
        speed = 0.0  # switched off: standing
    acc = sig.get("acc")
    accel = None
    if isinstance(acc, list) and len(acc) == 3 and all(isinstance(a, int | float) for a in acc):
        accel = (float(acc[0]), float(acc[1]), float(acc[2]))
    return trips.TripSample(s.device_time, s.lat, s.lng, float(speed), ignition, accel)


def _memory(state: LatestState) -> trips.TripState:
    """The car's segmenter memory; a state it cannot read (an older version) starts afresh: the
    open trip is lost, never the ingest."""
    if state.trip_state:
        try:
            return trips.TripState.from_json(state.trip_state)
        except (KeyError, TypeError, ValueError):
            log.warning("trip_state_unreadable", vehicle=str(state.vehicle_id))
    return trips.TripState(str(state.vehicle_id))


def _keep(state: LatestState, memory: trips.TripState) -> None:
    state.trip_state = memory.to_json()
    last = memory.last_ts
    open_trip = memory.trip is not None and last is not None
    state.trip_last_at = datetime.fromtimestamp(last, UTC) if open_trip and last else None


def record(
    session: Session, state: LatestState, samples: Sequence[payload.Sample], now: datetime
) -> list[Trip]:
    """Feed a car's newly stored samples (oldest first) to its segmenter; store the trips they
    ended (each once) and add them to their months. Returns the trips newly stored."""
    memory = _memory(state)
    stored: list[Trip] = []
    for s in samples:
        sample = trip_sample(s)
        if sample is None:
            continue
        ended = trips.observe(sample, memory, CONFIG)
        if ended is not None and (row := store(session, state.vehicle_id, ended, now)):
            stored.append(row)
    _keep(state, memory)
    return stored


def close_silent(session: Session, now: datetime, limit: int = SWEEP_BATCH) -> list[Trip]:
    """End the open trips of cars whose device went silent past the data gap (``trips.flush``):
    the trip ends when the car stopped, else at its last reading. Rows another worker holds are
    skipped (PostgreSQL ``SKIP LOCKED``); they are taken on the next sweep."""
    cutoff = now - timedelta(seconds=CONFIG.gap_s)
    states = session.scalars(
        select(VehicleState)
        .where(VehicleState.trip_last_at.is_not(None), VehicleState.trip_last_at < cutoff)
        .order_by(VehicleState.trip_last_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    stored: list[Trip] = []
    for state in states:
        memory = _memory(state)
        ended = trips.flush(memory, now, CONFIG)
        if ended is not None and (row := store(session, state.vehicle_id, ended, now)):
            stored.append(row)
        _keep(state, memory)
    return stored


def store(session: Session, vehicle_id: uuid.UUID, trip: trips.Trip, now: datetime) -> Trip | None:
    """Store an ended trip unless it is already stored; a new one is added to its month."""
    trip_id, month = uuid.uuid4(), month_of(trip.start)
    inserted = session.scalar(
        dialect_insert(session, Trip)
        .values(
            id=trip_id,
            vehicle_id=vehicle_id,
            month=month,
            started_at=trip.start,
            ended_at=trip.end,
            end_reason=trip.end_reason,
            discarded=trip.discarded,
            distance_km=trip.distance_km,
            duration_s=trip.duration_s,
            moving_s=trip.moving_s,
            max_speed_kmh=trip.max_speed_kmh,
            avg_speed_kmh=trip.avg_speed_kmh,
            harsh_braking=trip.harsh_braking,
            harsh_acceleration=trip.harsh_acceleration,
            harsh_cornering=trip.harsh_cornering,
            speeding_share=trip.speeding_share,
            night_share=trip.night_share,
            night_km=trip.night_km,
            gps_jumps=trip.gps_jumps,
            score=trip.score,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["vehicle_id", "started_at"])
        .returning(Trip.id)
    )
    if inserted is None:
        return None
    _add_to_month(session, vehicle_id, month, trip, now)
    return session.get(Trip, trip_id)


def _add_to_month(
    session: Session, vehicle_id: uuid.UUID, month: str, trip: trips.Trip, now: datetime
) -> None:
    session.execute(
        dialect_insert(session, DrivingMonth)
        .values(vehicle_id=vehicle_id, month=month, hints=[], updated_at=now)
        .on_conflict_do_nothing(index_elements=["vehicle_id", "month"])
    )
    m = DrivingMonth
    changes: dict[str, Any]
    if trip.score is None:
        changes = {"discarded": m.discarded + 1}
    else:
        km = trip.distance_km
        weight = km * min(1.0, km)
        top = case(
            (m.max_speed_kmh < trip.max_speed_kmh, trip.max_speed_kmh), else_=m.max_speed_kmh
        )
        changes = {
            "trips": m.trips + 1,
            "distance_km": m.distance_km + km,
            "moving_s": m.moving_s + trip.moving_s,
            "score_weight": m.score_weight + weight,
            "weighted_score": m.weighted_score + weight * trip.score,
            "harsh_braking": m.harsh_braking + trip.harsh_braking,
            "harsh_acceleration": m.harsh_acceleration + trip.harsh_acceleration,
            "harsh_cornering": m.harsh_cornering + trip.harsh_cornering,
            "speeding_s": m.speeding_s + trip.moving_s * trip.speeding_share,
            "night_s": m.night_s + trip.moving_s * trip.night_share,
            "night_km": m.night_km + trip.night_km,
            "max_speed_kmh": top,
        }
    session.execute(
        update(DrivingMonth)
        .where(DrivingMonth.vehicle_id == vehicle_id, DrivingMonth.month == month)
        .values(**changes, updated_at=now)
        .execution_options(synchronize_session=False)
    )
