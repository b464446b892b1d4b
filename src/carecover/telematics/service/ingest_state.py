"""Each car's latest state on the ingest path, read and written in bulk without the ORM.

A flush of single-reading messages touches hundreds of cars, one reading each: what it costs is
per car. ORM instances (identity map, attribute instrumentation, the flush's bookkeeping) cost
more than the rules themselves, so the ingest locks and reads the batch's state rows with one
statement into light ``CarState`` objects — on PostgreSQL the locked rows come back as one JSON
document that msgspec decodes straight into them — and writes back, with one UPDATE, only the
columns each car changed.

``LatestState`` is what the rules (``alerts.run``), the trip log and ``move_forward`` read and
write of a state: both ``CarState`` and the ORM row ``VehicleState`` have it. Its JSON values are
replaced, never changed in place (that is how a change is seen).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import msgspec
from sqlalchemy import Table, select, text
from sqlalchemy.orm import Session

from carecover.platform.clock import ensure_utc
from carecover.platform.db import bulk, dialect_insert
from carecover.telematics.models import VehicleState
from carecover.telematics.service.payload import Sample


class LatestState(Protocol):
    """A car's latest state as the ingest reads and moves it (``CarState`` or ``VehicleState``)."""

    vehicle_id: uuid.UUID
    device_time: datetime
    lat: float | None
    lng: float | None
    signals: dict[str, Any]
    rule_state: dict[str, Any]
    updated_at: datetime
    trip_state: dict[str, Any] | None
    trip_last_at: datetime | None


class IngestDevice(Protocol):
    """What the ingest reads and moves of a device (``devices.DeviceRef`` or the ORM ``Device``)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def vehicle_id(self) -> uuid.UUID: ...
    @property
    def device_no(self) -> str: ...

    last_seq: int | None
    last_seen_at: datetime | None


COLUMNS = (
    "device_time",
    "lat",
    "lng",
    "signals",
    "rule_state",
    "updated_at",
    "trip_state",
    "trip_last_at",
)
"""The state columns a flush may change (all but the key), in ``CarState.loaded``'s order."""


def in_order(key: uuid.UUID) -> int:
    """The sort key putting ids in PostgreSQL's uuid order (``uuid.UUID``'s own, compared in C)."""
    return key.int


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is UTC else ensure_utc(value)


class CarState(msgspec.Struct, gc=False):
    """One car's state row as read for a flush, and the values it was read with (``loaded``)."""

    vehicle_id: uuid.UUID
    device_time: datetime
    lat: float | None
    lng: float | None
    signals: dict[str, Any]
    rule_state: dict[str, Any]
    updated_at: datetime
    trip_state: dict[str, Any] | None
    trip_last_at: datetime | None
    loaded: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        self.device_time, self.updated_at = _utc(self.device_time), _utc(self.updated_at)
        if self.trip_last_at is not None:
            self.trip_last_at = _utc(self.trip_last_at)
        self.loaded = self._values()

    def _values(self) -> tuple[Any, ...]:
        return (
            self.device_time,
            self.lat,
            self.lng,
            self.signals,
            self.rule_state,
            self.updated_at,
            self.trip_state,
            self.trip_last_at,
        )

    def changes(self) -> dict[str, Any] | None:
        """The columns that differ from what was read, with the key; None when none does."""
        row = {
            name: new
            for name, new, old in zip(COLUMNS, self._values(), self.loaded, strict=True)
            if new is not old and new != old
        }
        if not row:
            return None
        row["vehicle_id"] = self.vehicle_id
        return row


_DECODE_STATES = msgspec.json.Decoder(list[CarState])
_PG_NEW_STATES = text(
    "INSERT INTO telematics_vehicle_state (vehicle_id, device_time, signals, rule_state,"
    " updated_at) SELECT v, t, '{}'::jsonb, '{}'::jsonb, :now"
    " FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(v uuid, t timestamptz)"
    " ON CONFLICT (vehicle_id) DO NOTHING"
)
_PG_LOCK_STATES = text(
    "WITH locked AS (SELECT vehicle_id, device_time, lat, lng, signals, rule_state, updated_at,"
    " trip_state, trip_last_at FROM telematics_vehicle_state"
    " WHERE vehicle_id = ANY(CAST(:ids AS uuid[])) ORDER BY vehicle_id FOR UPDATE)"
    " SELECT coalesce(json_agg(locked), '[]')::text FROM locked"
)
"""Locks in car order (the sort is below the row locks: two workers never deadlock) and sends
the rows as one JSON document (PostgreSQL writes it in C; msgspec reads it in C)."""
_TABLE: Table = VehicleState.__table__  # type: ignore[assignment]


def load(
    session: Session, first: Mapping[uuid.UUID, datetime], now: datetime
) -> dict[uuid.UUID, CarState]:
    """Lock and read the state rows of the cars in ``first`` (creating the missing ones at their
    first reading's time: two workers may see a car's first reading at once), by car."""
    ids = sorted(first, key=in_order)
    if session.get_bind().dialect.name == "postgresql":
        new = bulk.recordset([{"v": vid, "t": first[vid]} for vid in ids])
        session.execute(_PG_NEW_STATES, {"rows": new, "now": now})
        locking = {"ids": bulk.uuid_array(ids)}
        document = session.execute(_PG_LOCK_STATES, locking).scalar_one()
        return {state.vehicle_id: state for state in _DECODE_STATES.decode(document)}
    blank = {"signals": {}, "rule_state": {}, "updated_at": now}
    session.execute(
        dialect_insert(session, VehicleState)
        .values([{"vehicle_id": vid, "device_time": first[vid], **blank} for vid in ids])
        .on_conflict_do_nothing(index_elements=["vehicle_id"])
    )
    table = _TABLE
    rows = session.execute(
        select(table.c.vehicle_id, *(table.c[name] for name in COLUMNS))
        .where(bulk.any_of(session, table.c.vehicle_id, ids))
        .order_by(table.c.vehicle_id)
    )
    return {row[0]: CarState(*row) for row in rows}


def save(session: Session, states: Iterable[CarState]) -> None:
    """Write each car's changed columns (one UPDATE on PostgreSQL); a ``VehicleState`` the
    session had loaded for one of them is expired, so it reads what is stored."""
    keys: list[uuid.UUID] = []
    rows: list[dict[str, Any]] = []
    for state in states:
        keys.append(state.vehicle_id)
        if (row := state.changes()) is not None:
            rows.append(row)
    bulk.update_rows(session, _TABLE, "vehicle_id", COLUMNS, rows)
    bulk.expire_cached(session, VehicleState, keys)


def move_forward(state: LatestState, samples: Sequence[Sample], now: datetime) -> None:
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


__all__ = ["COLUMNS", "CarState", "IngestDevice", "LatestState", "load", "move_forward", "save"]
