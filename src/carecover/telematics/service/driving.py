"""The monthly driving report (F1): score, mileage, harsh events per 100 km, speeding and night
shares, a UBI factor proposed for the renewal, and needs hints for the driver's segment.

Everything comes from the month's running totals (``DrivingMonth``, added to as each trip is
stored), with the same arithmetic as ``trips.monthly`` over the month's trips. The report is
stored in the same row: by the monthly job once the month is over (``final``; the owner is told),
and on demand whenever the totals moved since it was last written. The driver's age is the
policyholder's, read from the resident ID number's birth date (the car's driver is not known);
without one, no age-based hint is given.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final, Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.customers import service as customers
from carecover.customers.models import Customer
from carecover.platform.cn import InvalidIdentifier, validate_resident_id
from carecover.platform.events import publish
from carecover.policies.enums import PolicyKind, PolicyStatus
from carecover.policies.models import Policy
from carecover.telematics.events import DrivingReportReady
from carecover.telematics.models import DrivingMonth, Trip
from carecover.telematics.service import trips
from carecover.telematics.service.trip_log import LOCAL, month_of
from carecover.vehicles.models import Vehicle

HINTS: Final[tuple[trips.NeedHint, ...]] = get_args(trips.NeedHint)


@dataclass(frozen=True, slots=True)
class Report:
    """A month's report as shown: the figures, the proposal and the hints."""

    month: str
    figures: trips.MonthlyScore
    ubi: trips.UbiProposal
    hints: tuple[trips.NeedHint, ...]
    driver_age: int | None
    final: bool


def previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def month_end(month: str) -> date:
    year, number = int(month[:4]), int(month[5:7])
    following = date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def figures(row: DrivingMonth) -> trips.MonthlyScore:
    """The month's figures from its totals (``trips.monthly`` without re-reading the trips)."""
    km, moving = row.distance_km, row.moving_s
    per100, per_s = (100.0 / km if km > 0 else 0.0), (1.0 / moving if moving > 0 else 0.0)
    weight = row.score_weight
    return trips.MonthlyScore(
        trips=row.trips, discarded=row.discarded, distance_km=km, moving_s=moving,
        score=round(row.weighted_score / weight, 1) if weight > 0 else None,
        harsh_braking=row.harsh_braking, harsh_acceleration=row.harsh_acceleration,
        harsh_cornering=row.harsh_cornering, braking_per_100km=row.harsh_braking * per100,
        acceleration_per_100km=row.harsh_acceleration * per100,
        cornering_per_100km=row.harsh_cornering * per100,
        speeding_share=row.speeding_s * per_s, night_share=row.night_s * per_s,
        night_km=row.night_km, max_speed_kmh=row.max_speed_kmh,
    )  # fmt: skip


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def driver_age(session: Session, vehicle: Vehicle, on: date) -> int | None:
    """The policyholder's age on ``on`` from the ID number's birth date; None without one."""
    owner = session.get(Customer, vehicle.owner_id)
    number = customers.decrypt(owner, "id_number") if owner is not None else None
    if not number:
        return None
    try:
        return age_on(validate_resident_id(number, today=on).birth_date, on)
    except InvalidIdentifier:
        return None


def _row(session: Session, vehicle_id: uuid.UUID, month: str) -> DrivingMonth | None:
    return session.get(DrivingMonth, (vehicle_id, month), populate_existing=True)


def report_of(row: DrivingMonth) -> Report:
    """The report as stored in the row (with its figures from the totals)."""
    month = figures(row)
    factor = None if row.ubi_factor is None else Decimal(row.ubi_factor)
    reason: Literal["score_band", "insufficient_mileage"] = (
        "score_band" if row.ubi_reason == "score_band" else "insufficient_mileage"
    )
    ubi = trips.UbiProposal(factor, row.score, month.distance_km, reason)
    hints = tuple(h for h in HINTS if h in row.hints)
    return Report(row.month, month, ubi, hints, row.driver_age, row.final)


def write(session: Session, vehicle: Vehicle, row: DrivingMonth, now: datetime) -> Report:
    """Compute the month's report from its totals and store it in the row."""
    today = now.astimezone(LOCAL).date()
    on = min(today, month_end(row.month))
    month = figures(row)
    age = driver_age(session, vehicle, on)
    ubi = trips.propose_ubi(month)
    hints = trips.needs_hints(month, age)
    row.score, row.ubi_factor, row.ubi_reason = month.score, ubi.factor, ubi.reason
    row.hints, row.driver_age, row.reported_at = list(hints), age, now
    row.final = row.final or today > month_end(row.month)
    return Report(row.month, month, ubi, hints, age, row.final)


def report(session: Session, vehicle: Vehicle, month: str, now: datetime) -> Report | None:
    """The month's report on demand: rewritten when trips arrived since it was last written."""
    row = _row(session, vehicle.id, month)
    if row is None:
        return None
    if row.reported_at is None or row.reported_at < row.updated_at:
        return write(session, vehicle, row, now)
    return report_of(row)


def close_month(session: Session, now: datetime) -> int:
    """The monthly job: write the final report of every car that drove in the month just over;
    each owner is told (``DrivingReportReady``). Idempotent: a final report is not redone unless
    a late trip moved its totals. Returns how many reports were written."""
    month = previous_month(month_of(now))
    rows = session.scalars(
        select(DrivingMonth)
        .where(DrivingMonth.month == month)
        .order_by(DrivingMonth.vehicle_id)
        .execution_options(populate_existing=True)
    ).all()
    written = 0
    for row in rows:
        if row.final and row.reported_at is not None and row.reported_at >= row.updated_at:
            continue
        vehicle = session.get(Vehicle, row.vehicle_id)
        if vehicle is None:  # pragma: no cover - foreign key
            continue
        first = not row.final
        done = write(session, vehicle, row, now)
        written += 1
        if first and done.figures.score is not None:
            publish(session, DrivingReportReady(vehicle_id=vehicle.id, month=month))
    return written


def months(session: Session, vehicle_id: uuid.UUID, limit: int = 12) -> list[DrivingMonth]:
    """The car's last ``limit`` months with driving, oldest first (the trend)."""
    rows = session.scalars(
        select(DrivingMonth)
        .where(DrivingMonth.vehicle_id == vehicle_id)
        .order_by(DrivingMonth.month.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def trips_of(
    session: Session,
    vehicle_id: uuid.UUID,
    *,
    month: str | None = None,
    kept_only: bool = True,
    limit: int = 50,
    offset: int = 0,
) -> Sequence[Trip]:
    """The car's trips, newest first."""
    query = select(Trip).where(Trip.vehicle_id == vehicle_id)
    if month is not None:
        query = query.where(Trip.month == month)
    if kept_only:
        query = query.where(Trip.discarded.is_(None))
    order = query.order_by(Trip.started_at.desc()).limit(limit).offset(offset)
    return session.scalars(order).all()


def renewal_policy(session: Session, vehicle_id: uuid.UUID) -> Policy | None:
    """The car's active commercial policy ending last: the renewal a UBI factor is proposed for."""
    return session.scalars(
        select(Policy)
        .where(
            Policy.vehicle_id == vehicle_id,
            Policy.kind == PolicyKind.commercial,
            Policy.status == PolicyStatus.active,
        )
        .order_by(Policy.ends_at.desc())
        .limit(1)
    ).first()
