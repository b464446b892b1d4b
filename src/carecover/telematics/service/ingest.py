"""The ingest pipeline for one device's batch: validate → drop duplicates → persist → latest state.

At-least-once delivery meets idempotent storage: (device, seq) is unique and rows are inserted
with ON CONFLICT DO NOTHING (PostgreSQL and SQLite alike), so a redelivered batch — after a worker
died mid-batch or a broker resent it — stores nothing twice. Refused readings are kept with their
reason and counted; one bad reading never stops the rest of the batch. The caller owns the
transaction (commit after ``ingest`` returns, then acknowledge to the broker).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from carecover.platform.clock import ensure_utc
from carecover.platform.db import dialect_insert
from carecover.telematics.enums import RejectReason
from carecover.telematics.models import Alert, Device, Reading, RejectedReading, VehicleState
from carecover.telematics.service import alerts
from carecover.telematics.service.payload import PayloadRejected, Sample, validate


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, RejectReason, str]] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    """The newly stored samples, oldest first (what the alert rules look at)."""

    @property
    def reasons(self) -> Counter[str]:
        return Counter(reason.value for _, reason, _ in self.rejected)


def reject(
    session: Session,
    device_no: str | None,
    error: PayloadRejected,
    excerpt: str | None,
    now: datetime,
) -> None:
    session.execute(
        insert(RejectedReading).values(
            device_no=device_no,
            reason=error.reason,
            detail=error.detail,
            excerpt=(excerpt or None) and excerpt[:200],
            received_at=now,
        )
    )


def ingest(
    session: Session, device: Device, items: Sequence[Any], *, now: datetime
) -> IngestResult:
    """Store a device's readings; returns what was accepted, duplicated and refused."""
    result = IngestResult()
    valid: dict[int, Sample] = {}
    for index, item in enumerate(items):
        try:
            sample = validate(item, now=now)
        except PayloadRejected as error:
            result.rejected.append((index, error.reason, error.detail))
            reject(session, device.device_no, error, repr(item)[:200], now)
            continue
        if sample.seq in valid:
            result.duplicates += 1
            continue
        valid[sample.seq] = sample
    rows = [
        {
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
        for s in valid.values()
    ]
    stored: set[int] = set()
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        stored |= _stored_seqs(session, chunk)
    result.accepted = len(stored)
    result.duplicates += len(rows) - len(stored)
    result.samples = sorted(
        (s for seq, s in valid.items() if seq in stored), key=lambda s: (s.device_time, s.seq)
    )
    if valid:
        device.last_seen_at = now
        device.last_seq = max(device.last_seq or 0, *valid)
    if result.samples:
        state = _latest(session, device, result.samples[-1], now)
        result.alerts = alerts.run(session, state, result.samples, now)
    return result


def _stored_seqs(session: Session, rows: list[dict[str, Any]]) -> set[int]:
    statement = (
        dialect_insert(session, Reading)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["device_id", "seq"])
        .returning(Reading.seq)
    )
    return set(session.scalars(statement))


def _latest(session: Session, device: Device, sample: Sample, now: datetime) -> VehicleState:
    """The car's latest state moves forward only (an old redelivered reading never rewinds it)."""
    session.execute(  # two workers may see a car's first reading at once
        dialect_insert(session, VehicleState)
        .values(
            vehicle_id=device.vehicle_id,
            device_time=sample.device_time,
            signals={},
            rule_state={},
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["vehicle_id"])
    )
    state = session.get(
        VehicleState, device.vehicle_id, with_for_update=True, populate_existing=True
    )
    assert state is not None
    if ensure_utc(state.device_time) > sample.device_time:
        return state
    state.device_time = sample.device_time
    if sample.lat is not None and sample.lng is not None:
        state.lat, state.lng = sample.lat, sample.lng
    merged = dict(state.signals)
    merged.update(sample.signals)
    if sample.speed_kmh is not None:
        merged["speed"] = sample.speed_kmh
    state.signals = merged
    state.updated_at = now
    return state
