"""Daily partitions of ``telematics_readings`` on PostgreSQL (SQLite keeps one plain table).

The parent is ``PARTITION BY RANGE (device_time)`` with one partition per UTC day, named
``telematics_readings_pYYYYMMDD``, and a default partition that catches any reading whose day has
no partition yet, so an insert never fails for want of one. A daily job keeps ``AHEAD_DAYS``
created in advance; when it creates a day that already has rows waiting in the default
partition, it moves them in the same transaction before attaching the new partition.
Readings older than ``payload.MAX_PAST`` are refused at ingest, so the migration creates the
days from there on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

PARENT = "telematics_readings"
DEFAULT = "telematics_readings_default"
AHEAD_DAYS = 7
BEHIND_DAYS = 31


def name_of(day: date) -> str:
    return f"{PARENT}_p{day:%Y%m%d}"


def _bounds(day: date) -> tuple[str, str]:
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start.isoformat(), (start + timedelta(days=1)).isoformat()


def existing(session: Session) -> set[str]:
    rows = session.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :parent"
        ),
        {"parent": PARENT},
    )
    return {str(r[0]) for r in rows}


def ensure(session: Session, first: date, last: date) -> list[str]:
    """Create the day partitions from ``first`` to ``last`` (inclusive) that do not exist yet;
    returns the names created. A no-op on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    have = existing(session)
    made: list[str] = []
    day = first
    while day <= last:
        name = name_of(day)
        if name not in have:
            _create(session, day, name, default_exists=DEFAULT in have)
            made.append(name)
        day += timedelta(days=1)
    return made


def _create(session: Session, day: date, name: str, *, default_exists: bool) -> None:
    low, high = _bounds(day)
    bounds = f"FROM ('{low}') TO ('{high}')"
    if not default_exists:
        session.execute(text(f'CREATE TABLE "{name}" PARTITION OF {PARENT} FOR VALUES {bounds}'))
        return
    # rows for this day may be waiting in the default partition: move them, then attach
    session.execute(text(f'CREATE TABLE "{name}" (LIKE {PARENT} INCLUDING DEFAULTS)'))
    # names come from constants and a date, never from input
    moved = f'WITH moved AS (DELETE FROM {DEFAULT} WHERE device_time >= :low AND device_time < :high RETURNING *) INSERT INTO "{name}" SELECT * FROM moved'  # noqa: E501, S608
    session.execute(
        text(moved),
        {"low": datetime.fromisoformat(low), "high": datetime.fromisoformat(high)},
    )
    session.execute(text(f'ALTER TABLE {PARENT} ATTACH PARTITION "{name}" FOR VALUES {bounds}'))


def ensure_window(session: Session, now: datetime) -> list[str]:
    """The days a reading accepted now may fall on, and ``AHEAD_DAYS`` more."""
    today = now.astimezone(UTC).date()
    return ensure(session, today - timedelta(days=BEHIND_DAYS), today + timedelta(days=AHEAD_DAYS))
