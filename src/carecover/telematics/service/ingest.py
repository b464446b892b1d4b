"""The ingest pipeline: validate → drop duplicates → persist → latest state → rules, for many
devices at once.

At-least-once delivery meets idempotent storage: a reading's key is (device, seq, device time)
and rows are inserted with ON CONFLICT DO NOTHING (PostgreSQL and SQLite alike), so a redelivered
batch — after a worker died mid-batch or a broker resent it — stores nothing twice. Refused
readings are kept with their reason and counted; one bad reading never stops the rest of the
batch. The caller owns the transaction (commit after ``store`` returns, then acknowledge).

A batch costs a fixed number of round trips whatever its size: one insert for all readings (an
``unnest`` of arrays on PostgreSQL), one statement creating missing state rows, one ``SELECT …
FOR UPDATE`` of every touched car's state in one order (so two workers cannot deadlock), one
query for the cars' profiles, and executemany updates of devices and states.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from carecover.partners.enums import PartnerType
from carecover.platform.clock import ensure_utc
from carecover.platform.db import bulk, dialect_insert
from carecover.platform.geo import Point
from carecover.telematics.enums import RejectReason
from carecover.telematics.models import Alert, Device, Reading, RejectedReading, VehicleState
from carecover.telematics.service import alerts, nearby, rules, trip_log
from carecover.telematics.service.payload import PayloadRejected, Sample, validate
from carecover.vehicles.enums import Powertrain
from carecover.vehicles.models import Vehicle

SQLITE_CHUNK = 400
"""Rows per multi-row INSERT on SQLite (its host-parameter limit is 32,766; 9 columns a row)."""


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, RejectReason, str]] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    """The newly stored samples, oldest first (what the alert rules look at)."""
    alerts: list[Alert] = field(default_factory=list)

    @property
    def reasons(self) -> Counter[str]:
        return Counter(reason.value for _, reason, _ in self.rejected)


@dataclass
class DeviceBatch:
    """One device's validated samples within a batch, and what became of them."""

    device: Device
    samples: Sequence[Sample]
    result: IngestResult = field(default_factory=IngestResult)


def reject(
    session: Session,
    device_no: str | None,
    error: PayloadRejected,
    excerpt: str | None,
    now: datetime,
) -> None:
    reject_many(session, [(device_no, error, excerpt)], now)


def reject_many(
    session: Session,
    refused: Iterable[tuple[str | None, PayloadRejected, str | None]],
    now: datetime,
) -> None:
    """Keep refused readings with their reason (one executemany for the lot)."""
    rows = [
        {
            "id": uuid.uuid4(),
            "device_no": device_no,
            "reason": error.reason,
            "detail": error.detail,
            "excerpt": (excerpt or None) and excerpt[:200],
            "received_at": now,
        }
        for device_no, error, excerpt in refused
    ]
    if rows:
        session.execute(insert(RejectedReading), rows)


def ingest(
    session: Session, device: Device, items: Sequence[Any], *, now: datetime
) -> IngestResult:
    """Validate and store one device's readings; returns what was accepted, duplicated and
    refused (each refused reading is also kept with its reason)."""
    samples: list[Sample] = []
    refused: list[tuple[int, PayloadRejected, str]] = []
    for index, item in enumerate(items):
        try:
            samples.append(validate(item, now=now))
        except PayloadRejected as error:
            refused.append((index, error, repr(item)[:200]))
    reject_many(session, [(device.device_no, e, x) for _, e, x in refused], now)
    batch = DeviceBatch(device, samples)
    batch.result.rejected = [(i, e.reason, e.detail) for i, e, _ in refused]
    store(session, [batch], now=now)
    return batch.result


def _postgres(session: Session) -> bool:
    """PostgreSQL takes the bulk statements; SQLite, the embedded default, the portable ones."""
    return session.get_bind().dialect.name == "postgresql"


def store(session: Session, batches: Sequence[DeviceBatch], *, now: datetime) -> None:
    """Persist the validated samples of several devices; fills each batch's ``result``."""
    with session.no_autoflush:  # devices and states are saved in bulk, once each
        _store(session, batches, now)
    if not _postgres(session):
        session.flush()  # SQLite saves them here: a next call's state reload must see them


def _store(session: Session, batches: Sequence[DeviceBatch], now: datetime) -> None:
    rows: list[tuple[DeviceBatch, Sample]] = []
    for batch in batches:
        seen: set[tuple[int, datetime]] = set()
        for s in batch.samples:
            if (s.seq, s.device_time) in seen:
                batch.result.duplicates += 1
                continue
            seen.add((s.seq, s.device_time))
            rows.append((batch, s))
    stored = _insert(session, rows, now)
    by_vehicle: dict[uuid.UUID, list[tuple[DeviceBatch, Sample]]] = defaultdict(list)
    for batch, s in rows:
        device = batch.device
        if (device.id, s.seq, s.device_time) in stored:
            batch.result.accepted += 1
            batch.result.samples.append(s)
            by_vehicle[device.vehicle_id].append((batch, s))
        else:
            batch.result.duplicates += 1
    touched: list[Device] = []
    for batch in batches:
        batch.result.samples.sort(key=lambda s: (s.device_time, s.seq))
        if batch.samples:
            device = batch.device
            device.last_seen_at = now
            top = max(s.seq for s in batch.samples)
            if device.last_seq is None or top > device.last_seq:
                device.last_seq = top
            touched.append(device)
    if touched and _postgres(session):
        bulk.write_back(session, touched, key="id", only=("last_seen_at", "last_seq"))
    if by_vehicle:
        _advance(session, by_vehicle, now)


def _insert(
    session: Session, rows: Sequence[tuple[DeviceBatch, Sample]], now: datetime
) -> set[tuple[uuid.UUID, int, datetime]]:
    """Insert the rows, skipping those already stored; the keys of the rows this call stored."""
    if not rows:
        return set()
    if _postgres(session):
        return _insert_pg(session, rows, now)
    stored: set[tuple[uuid.UUID, int, datetime]] = set()
    for start in range(0, len(rows), SQLITE_CHUNK):
        values = [_row(batch.device, s, now) for batch, s in rows[start : start + SQLITE_CHUNK]]
        statement = (
            dialect_insert(session, Reading)
            .values(values)
            .on_conflict_do_nothing(index_elements=["device_id", "seq", "device_time"])
            .returning(Reading.device_id, Reading.seq, Reading.device_time)
        )
        for device_id, seq, when in session.execute(statement):
            stored.add((device_id, seq, ensure_utc(when)))
    return stored


def _row(device: Device, s: Sample, now: datetime) -> dict[str, Any]:
    return {
        "device_id": device.id,
        "vehicle_id": device.vehicle_id,
        "seq": s.seq,
        "device_time": s.device_time,
        "received_at": now,
        "lat": s.lat,
        "lng": s.lng,
        "speed_kmh": s.speed_kmh,
        "data": s.signals,
    }


_PG_NEW_STATES = text(
    "INSERT INTO telematics_vehicle_state (vehicle_id, device_time, signals, rule_state,"
    " updated_at) SELECT v, t, '{}'::jsonb, '{}'::jsonb, :now"
    " FROM unnest(CAST(:v AS uuid[]), CAST(:t AS timestamptz[])) AS r(v, t)"
    " ON CONFLICT (vehicle_id) DO NOTHING"
)
_PG_INSERT = text(
    "INSERT INTO telematics_readings (device_id, vehicle_id, seq, device_time, received_at,"
    " lat, lng, speed_kmh, data)"
    " SELECT d, v, s, t, :received_at, la, ln, sp, j"
    " FROM jsonb_to_recordset(CAST(:rows AS jsonb))"
    " AS r(d uuid, v uuid, s bigint, t timestamptz, la float8, ln float8, sp float8, j jsonb)"
    " ON CONFLICT (device_id, seq, device_time) DO NOTHING"
    " RETURNING device_id, seq, device_time"
)


def _insert_pg(
    session: Session, rows: Sequence[tuple[DeviceBatch, Sample]], now: datetime
) -> set[tuple[uuid.UUID, int, datetime]]:
    """All rows in one statement: the batch travels as one JSON document that PostgreSQL turns
    back into rows (``jsonb_to_recordset``): one round trip, one plan, whatever the size."""
    records = [
        {
            "d": b.device.id,
            "v": b.device.vehicle_id,
            "s": s.seq,
            "t": s.device_time,
            "la": s.lat,
            "ln": s.lng,
            "sp": s.speed_kmh,
            "j": s.signals,
        }
        for b, s in rows
    ]
    result = session.execute(_PG_INSERT, {"rows": bulk.recordset(records), "received_at": now})
    return {(d, s, ensure_utc(t)) for d, s, t in result}


def _advance(
    session: Session,
    by_vehicle: dict[uuid.UUID, list[tuple[DeviceBatch, Sample]]],
    now: datetime,
) -> None:
    """Move each car's latest state forward and run its rules over its new samples."""
    ids = sorted(by_vehicle)
    first = {vid: min(s.device_time for _, s in by_vehicle[vid]) for vid in ids}
    pg = _postgres(session)
    if pg:  # two workers may see a car's first reading at once
        session.execute(
            _PG_NEW_STATES,
            {"v": ids, "t": [first[vid] for vid in ids], "now": now},
        )
    else:
        session.execute(
            dialect_insert(session, VehicleState)
            .values(
                [
                    {
                        "vehicle_id": vid,
                        "device_time": first[vid],
                        "signals": {},
                        "rule_state": {},
                        "updated_at": now,
                    }
                    for vid in ids
                ]
            )
            .on_conflict_do_nothing(index_elements=["vehicle_id"])
        )
    states = {
        st.vehicle_id: st
        for st in session.scalars(
            select(VehicleState)
            .where(VehicleState.vehicle_id.in_(ids))
            .order_by(VehicleState.vehicle_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    profiles = {
        vid: alerts.profile_for(powertrain)
        for vid, powertrain in session.execute(
            select(Vehicle.id, Vehicle.powertrain).where(Vehicle.id.in_(ids))
        )
    }
    chargers, low_cars = _chargers_near_low_evs(session, by_vehicle, states, profiles)
    for vid in ids:
        entries = sorted(by_vehicle[vid], key=lambda e: (e[1].device_time, e[1].seq))
        samples = [s for _, s in entries]
        state = states[vid]
        _move_forward(state, samples, now)
        raised = alerts.run(
            session,
            state,
            samples,
            now,
            profile=profiles.get(vid),
            chargers=chargers if vid in low_cars else None,
        )
        trip_log.record(session, state, samples, now)
        for alert in raised:
            for batch, s in entries:  # the alert belongs to the device whose reading raised it
                if s.device_time == alert.raised_at:
                    batch.result.alerts.append(alert)
                    break
    if pg:
        bulk.write_back(session, list(states.values()), key="vehicle_id")


LOW_RANGE_KM = 200.0
"""An EV reporting less range than this (or ``LOW_SOC_PCT``) gets the nearest charger looked up."""
LOW_SOC_PCT = 40.0


def _chargers_near_low_evs(
    session: Session,
    by_vehicle: dict[uuid.UUID, list[tuple[DeviceBatch, Sample]]],
    states: dict[uuid.UUID, VehicleState],
    profiles: dict[uuid.UUID, rules.VehicleProfile],
) -> tuple[nearby.SiteGrid | None, set[uuid.UUID]]:
    """The charging sites around the batch's electric cars that run low (one query, if any),
    and which cars those are."""
    points: list[Point] = []
    cars: set[uuid.UUID] = set()
    for vid, entries in by_vehicle.items():
        profile = profiles.get(vid)
        if profile is None or profile.powertrain is not Powertrain.bev:
            continue
        low = [
            s
            for _, s in entries
            if (s.signals.get("range_km") or math.inf) < LOW_RANGE_KM
            or (s.signals.get("soc") or math.inf) < LOW_SOC_PCT
        ]
        if not low:
            continue
        cars.add(vid)
        state = states[vid]
        points.extend(Point(s.lat, s.lng) for s in low if s.lat is not None and s.lng is not None)
        if state.lat is not None and state.lng is not None:
            points.append(Point(state.lat, state.lng))
    if not cars:
        return None, cars
    return nearby.load(session, points, PartnerType.charging_operator), cars


def _move_forward(state: VehicleState, samples: Sequence[Sample], now: datetime) -> None:
    """The car's latest state moves forward only (an old redelivered reading never rewinds it);
    each newer sample's signals are merged in time order (a tyre frame, then an engine frame)."""
    latest = ensure_utc(state.device_time)
    merged: dict[str, Any] | None = None
    for sample in samples:
        if sample.device_time < latest:
            continue
        latest = sample.device_time
        if merged is None:
            merged = dict(state.signals)
        merged.update(sample.signals)
        if sample.speed_kmh is not None:
            merged["speed"] = sample.speed_kmh
        if sample.lat is not None and sample.lng is not None:
            state.lat, state.lng = sample.lat, sample.lng
    if merged is None:
        return
    state.device_time = latest
    state.signals = merged
    state.updated_at = now


__all__ = [
    "DeviceBatch",
    "IngestResult",
    "ingest",
    "reject",
    "reject_many",
    "store",
]
