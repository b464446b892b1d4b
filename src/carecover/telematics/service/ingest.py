"""The ingest pipeline: validate → drop duplicates → persist → latest state → rules, for many
devices at once.

At-least-once delivery meets idempotent storage: a reading's key is (device, seq, device time)
and rows are inserted with ON CONFLICT DO NOTHING (PostgreSQL and SQLite alike), so a redelivered
batch — after a worker died mid-batch or a broker resent it — stores nothing twice. Refused
readings are kept with their reason and counted; one bad reading never stops the rest of the
batch. The caller owns the transaction (commit after ``store`` returns, then acknowledge).

A batch costs a fixed number of round trips whatever its size: one insert for all readings (a
``jsonb_to_recordset`` on PostgreSQL), one update of the devices, one statement creating missing
state rows, one ``SELECT … FOR UPDATE`` of every touched car's state in one order (so two workers
cannot deadlock), one query for the cars' profiles and one update of the states. Devices and
states travel as light objects, not ORM instances (``ingest_state``): a flush of single-reading
messages touches hundreds of cars, and the ORM's bookkeeping per object cost more than the rules.
"""

from __future__ import annotations

import gc
import math
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from carecover.partners.enums import PartnerType
from carecover.platform.clock import ensure_utc
from carecover.platform.db import bulk, dialect_insert
from carecover.platform.geo import Point
from carecover.telematics.enums import RejectReason
from carecover.telematics.models import Alert, Device, Reading, RejectedReading
from carecover.telematics.service import alerts, ingest_state, nearby, rules, trip_log
from carecover.telematics.service.ingest_state import IngestDevice, LatestState
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
    """One device's validated samples within a batch, and what became of them. The device is an
    ORM ``Device`` or a ``devices.DeviceRef``; its ``last_seq`` and ``last_seen_at`` move as the
    batch is stored."""

    device: IngestDevice
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
    session: Session, device: IngestDevice, items: Sequence[Any], *, now: datetime
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


_COLLECTOR = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector off while a flush runs, and no longer: the thread that
    paused it resumes it (another thread's flush meanwhile runs with it paused or not).

    A flush of single-reading messages makes tens of thousands of short-lived containers (each
    car's decoded state JSON, the rules' and the trip segmenter's memory), freed by reference
    counting when it ends. With the collector running, those alive mid-flush are promoted to the
    oldest generation, and every few flushes a full collection scans every object of the process
    (~100 ms in an ingest worker). What other threads make meanwhile is collected once it resumes.
    """
    with _COLLECTOR:
        owner = gc.isenabled()
        if owner:
            gc.disable()
    try:
        yield
    finally:
        if owner:
            gc.enable()


def store(session: Session, batches: Sequence[DeviceBatch], *, now: datetime) -> None:
    """Persist the validated samples of several devices; fills each batch's ``result``."""
    with session.no_autoflush, collector_paused():  # devices and states saved in bulk, once each
        _store(session, batches, now)
    if not _postgres(session):
        session.flush()  # what else the caller changed, before a next call reads the states


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
    touched: dict[uuid.UUID, tuple[IngestDevice, int]] = {}
    for batch in batches:
        batch.result.samples.sort(key=lambda s: (s.device_time, s.seq))
        if batch.samples:
            device = batch.device
            top = max(s.seq for s in batch.samples)
            last = device.last_seq
            touched[device.id] = (device, top if last is None or top > last else last)
    if touched:
        _save_devices(session, list(touched.values()), now)
    if by_vehicle:
        _advance(session, by_vehicle, now)


_DEVICE_TABLE: Table = Device.__table__  # type: ignore[assignment]


def _save_devices(
    session: Session, touched: Sequence[tuple[IngestDevice, int]], now: datetime
) -> None:
    """Each device's last sight and highest sequence, in one statement (in device order), and
    on the objects themselves (an ORM ``Device`` is left with nothing to flush)."""
    ordered = sorted(touched, key=lambda pair: pair[0].id.int)
    rows = [{"id": d.id, "last_seen_at": now, "last_seq": seq} for d, seq in ordered]
    bulk.update_rows(session, _DEVICE_TABLE, "id", ("last_seen_at", "last_seq"), rows)
    refs: list[uuid.UUID] = []
    for device, seq in touched:
        if isinstance(device, Device):
            set_committed_value(device, "last_seen_at", now)
            set_committed_value(device, "last_seq", seq)
        else:
            device.last_seen_at, device.last_seq = now, seq
            refs.append(device.id)
    bulk.expire_cached(session, Device, refs)


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


def _row(device: IngestDevice, s: Sample, now: datetime) -> dict[str, Any]:
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


_PG_INSERT = text(
    "WITH stored AS (INSERT INTO telematics_readings (device_id, vehicle_id, seq, device_time,"
    " received_at, lat, lng, speed_kmh, data)"
    " SELECT d, v, s, t, :received_at, la, ln, sp, j"
    " FROM jsonb_to_recordset(CAST(:rows AS jsonb))"
    " AS r(d uuid, v uuid, s bigint, t timestamptz, la float8, ln float8, sp float8, j jsonb)"
    " ON CONFLICT (device_id, seq, device_time) DO NOTHING"
    " RETURNING device_id, seq, device_time)"
    " SELECT coalesce(json_agg(json_build_array(device_id, seq, device_time)), '[]')::text"
    " FROM stored"
)
"""Returns the keys it stored, as one JSON document (msgspec reads it in C)."""
_DECODE_KEYS = msgspec.json.Decoder(list[tuple[uuid.UUID, int, datetime]])
_PG_POWERTRAINS = text(
    "SELECT coalesce(json_object_agg(id, powertrain), '{}')::text FROM vehicles"
    " WHERE id = ANY(CAST(:ids AS uuid[]))"
)
_DECODE_POWERTRAINS = msgspec.json.Decoder(dict[uuid.UUID, Powertrain])


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
    params = {"rows": bulk.recordset(records), "received_at": now}
    keys = _DECODE_KEYS.decode(session.execute(_PG_INSERT, params).scalar_one())
    return {(d, s, t if t.tzinfo is UTC else ensure_utc(t)) for d, s, t in keys}


def _powertrains(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Powertrain]:
    if _postgres(session):
        found = session.execute(_PG_POWERTRAINS, {"ids": bulk.uuid_array(ids)}).scalar_one()
        return _DECODE_POWERTRAINS.decode(found)
    query = select(Vehicle.id, Vehicle.powertrain).where(Vehicle.id.in_(ids))
    return {vid: powertrain for vid, powertrain in session.execute(query)}


def _advance(
    session: Session,
    by_vehicle: dict[uuid.UUID, list[tuple[DeviceBatch, Sample]]],
    now: datetime,
) -> None:
    """Move each car's latest state forward and run its rules over its new samples."""
    ids = sorted(by_vehicle, key=ingest_state.in_order)
    first = {vid: min(s.device_time for _, s in by_vehicle[vid]) for vid in ids}
    states = ingest_state.load(session, first, now)
    profiles = {vid: alerts.profile_for(p) for vid, p in _powertrains(session, ids).items()}
    chargers, low_cars = _chargers_near_low_evs(session, by_vehicle, states, profiles)
    for vid in ids:
        entries = sorted(by_vehicle[vid], key=lambda e: (e[1].device_time, e[1].seq))
        samples = [s for _, s in entries]
        state = states[vid]
        ingest_state.move_forward(state, samples, now)
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
    ingest_state.save(session, states.values())


LOW_RANGE_KM = 200.0
"""An EV reporting less range than this (or ``LOW_SOC_PCT``) gets the nearest charger looked up."""
LOW_SOC_PCT = 40.0


def _chargers_near_low_evs(
    session: Session,
    by_vehicle: dict[uuid.UUID, list[tuple[DeviceBatch, Sample]]],
    states: Mapping[uuid.UUID, LatestState],
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


__all__ = [
    "DeviceBatch",
    "IngestResult",
    "collector_paused",
    "ingest",
    "reject",
    "reject_many",
    "store",
]
