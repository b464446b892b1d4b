"""Slots: cut from a service's weekly opening hours (Beijing time), never stored; a slot's
counter row appears with its first booking.

Taking a place is ``INSERT … ON CONFLICT DO NOTHING`` of the counter, then a guarded
``UPDATE … SET booked = booked + 1 WHERE booked < capacity``: under concurrency the row lock
serialises the two UPDATEs and the second re-reads the row, so of two sessions booking the last
place exactly one wins and the other gets no row (``SlotFull``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from carecover.bookings.errors import SlotUnknown
from carecover.bookings.models import BookableService, OpeningHours, SlotCounter
from carecover.platform.clock import ensure_utc
from carecover.platform.db import dialect_insert

BEIJING = ZoneInfo("Asia/Shanghai")
HORIZON_DAYS = 28
"""How far ahead slots can be listed and booked."""


@dataclass(frozen=True, slots=True)
class Slot:
    """One slot of one service: its times (UTC), places and how many are taken."""

    service_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int = 0

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)


def local_day(at: datetime) -> date:
    """The Beijing calendar day of an instant."""
    return ensure_utc(at).astimezone(BEIJING).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The Beijing day as a UTC half-open interval."""
    start = datetime.combine(day, time(0), BEIJING).astimezone(UTC)
    return start, start + timedelta(days=1)


def _at(day: date, minute: int) -> datetime:
    return (datetime.combine(day, time(0), BEIJING) + timedelta(minutes=minute)).astimezone(UTC)


def day_slots(service: BookableService, hours: Iterable[OpeningHours], day: date) -> list[Slot]:
    """Every slot of ``service`` on ``day`` (empty counters), earliest first."""
    found: list[Slot] = []
    for window in hours:
        if window.weekday != day.weekday():
            continue
        capacity = window.capacity or service.capacity
        minute = window.opens_min
        while minute + window.slot_min <= window.closes_min:
            found.append(
                Slot(
                    service.id,
                    _at(day, minute),
                    _at(day, minute + window.slot_min),
                    capacity,
                )
            )
            minute += window.slot_min
    return sorted(found, key=lambda s: s.starts_at)


def hours_of(
    session: Session, service_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[OpeningHours]]:
    """The opening windows of several services, in one query."""
    by_service: dict[uuid.UUID, list[OpeningHours]] = defaultdict(list)
    if service_ids:
        rows = session.scalars(
            select(OpeningHours)
            .where(OpeningHours.service_id.in_(service_ids))
            .order_by(OpeningHours.weekday, OpeningHours.opens_min)
        )
        for row in rows:
            by_service[row.service_id].append(row)
    return by_service


def booked_counts(
    session: Session, service_ids: Sequence[uuid.UUID], start: datetime, end: datetime
) -> dict[tuple[uuid.UUID, datetime], int]:
    """Places taken per (service, slot start) in [start, end), in one query."""
    if not service_ids:
        return {}
    rows = session.execute(
        select(SlotCounter.service_id, SlotCounter.starts_at, SlotCounter.booked).where(
            SlotCounter.service_id.in_(service_ids),
            SlotCounter.starts_at >= start,
            SlotCounter.starts_at < end,
        )
    )
    return {(sid, ensure_utc(at)): int(n) for sid, at, n in rows}


def slot_at(session: Session, service: BookableService, starts_at: datetime) -> Slot:
    """The slot of ``service`` that starts exactly at ``starts_at``, with its places taken."""
    start = ensure_utc(starts_at)
    day = local_day(start)
    for slot in day_slots(service, hours_of(session, [service.id])[service.id], day):
        if slot.starts_at == start:
            counts = booked_counts(session, [service.id], start, start + timedelta(seconds=1))
            return Slot(
                slot.service_id,
                slot.starts_at,
                slot.ends_at,
                slot.capacity,
                counts.get((service.id, start), 0),
            )
    raise SlotUnknown()


def open_slots(
    session: Session,
    services: Sequence[BookableService],
    *,
    now: datetime,
    first_day: date | None = None,
    days: int = 7,
    per_service: int | None = None,
) -> dict[uuid.UUID, list[Slot]]:
    """The slots of each service over ``days`` Beijing days from ``first_day`` (today) that
    start after ``now`` and still have a place, soonest first; three queries in all."""
    now = ensure_utc(now)
    first = first_day or local_day(now)
    days = max(1, min(days, HORIZON_DAYS))
    start, _ = day_bounds(first)
    _, end = day_bounds(first + timedelta(days=days - 1))
    ids = [s.id for s in services]
    hours = hours_of(session, ids)
    counts = booked_counts(session, ids, start, end)
    result: dict[uuid.UUID, list[Slot]] = {}
    for service in services:
        found: list[Slot] = []
        for offset in range(days):
            for slot in day_slots(
                service, hours.get(service.id, []), first + timedelta(days=offset)
            ):
                if slot.starts_at <= now:
                    continue
                taken = counts.get((service.id, slot.starts_at), 0)
                if taken < slot.capacity:
                    found.append(
                        Slot(slot.service_id, slot.starts_at, slot.ends_at, slot.capacity, taken)
                    )
            if per_service is not None and len(found) >= per_service:
                break
        result[service.id] = found[:per_service] if per_service is not None else found
    return result


def take_place(session: Session, slot: Slot) -> bool:
    """Take one place in ``slot`` if one is left (guarded UPDATE); False when it is full."""
    session.execute(
        dialect_insert(session, SlotCounter)
        .values(service_id=slot.service_id, starts_at=slot.starts_at, booked=0)
        .on_conflict_do_nothing(index_elements=["service_id", "starts_at"])
    )
    result = session.execute(
        update(SlotCounter)
        .where(
            SlotCounter.service_id == slot.service_id,
            SlotCounter.starts_at == slot.starts_at,
            SlotCounter.booked < slot.capacity,
        )
        .values(booked=SlotCounter.booked + 1)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def free_place(session: Session, service_id: uuid.UUID, starts_at: datetime) -> None:
    """Give a place back (a cancellation); the counter never goes below zero."""
    session.execute(
        update(SlotCounter)
        .where(
            SlotCounter.service_id == service_id,
            SlotCounter.starts_at == ensure_utc(starts_at),
            SlotCounter.booked > 0,
        )
        .values(booked=SlotCounter.booked - 1)
        .execution_options(synchronize_session=False)
    )
