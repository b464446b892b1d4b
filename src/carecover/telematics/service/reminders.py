"""Maintenance reminders on stored data (F4): each car's due items from its odometer and the time
since purchase or its last service, and one reminder per due window to the owner's inbox.

The odometer is the highest of what the car's telematics last said (``odometer_km``, or OBD PID
0xA6) and its latest recorded reading; a car with no odometer known gets no reminder. Intervals
count from the purchase date at 0 km; without a purchase date, from the first odometer reading we
hold (or the day the car joined at today's odometer). Services done are ``MaintenanceRecord``
rows, entered by the owner (or a shop). A reminder is sent when ``maintenance.should_send`` says
so against the last one sent (weekly at most unless things got worse), at most one a day per car:
(car, day) is unique, so a rerun of the daily job sends nothing twice. The owner books from it:
the "book" action opens a care request of kind ``maintenance`` whose ``reminder_key`` is the
visit's due window (``window_key``: its most urgent item and where that falls due).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.customers.models import Customer
from carecover.platform.db import dialect_insert
from carecover.platform.events import publish
from carecover.telematics.events import MaintenanceReminderSent
from carecover.telematics.models import MaintenanceRecord, MaintenanceReminder, VehicleState
from carecover.telematics.service import maintenance
from carecover.telematics.service.maintenance import Due, MaintenanceInputError, Reminder
from carecover.telematics.service.trip_log import LOCAL
from carecover.vehicles import service as vehicles
from carecover.vehicles.models import OdometerReading, Vehicle

log = structlog.get_logger(__name__)
SOURCES: Final = ("owner", "shop")
BATCH: Final = 500


@dataclass(frozen=True, slots=True)
class CarDue:
    """A car's maintenance today: every item's state, the reminder it calls for, the last sent."""

    vehicle: Vehicle
    odometer_km: int
    today: date
    dues: list[Due]
    reminder: Reminder | None
    last: MaintenanceReminder | None

    @property
    def need(self) -> list[Due]:
        return [d for d in self.dues if d.status != "ok"]

    @property
    def window(self) -> str | None:
        """The due window of the visit (its most urgent item's), the key a booking carries."""
        need = self.need
        return window_key(need[0]) if need else None


def window_key(due: Due) -> str:
    """An item's due window: the item and the distance and date it falls due at (it changes
    only when the item is serviced), e.g. ``engine_oil:15000:2027-03-01``."""
    on = due.due_on_date.isoformat() if due.due_on_date else "-"
    return f"{due.item.value}:{due.due_at_km if due.due_at_km is not None else '-'}:{on}"


def local_today(now: datetime) -> date:
    return now.astimezone(LOCAL).date()


def odometer(state: VehicleState | None, recorded_km: int | None) -> int | None:
    """The car's odometer: the highest of its telematics and its latest recorded reading."""
    signals: dict[str, Any] = state.signals if state is not None else {}
    obd = signals.get("obd")
    found = [signals.get("odometer_km"), obd.get("odometer") if isinstance(obd, dict) else None]
    found.append(recorded_km)
    values = [v for v in found if isinstance(v, int | float) and not isinstance(v, bool)]
    return int(max(values)) if values else None


def history(session: Session, vehicle_id: uuid.UUID) -> list[maintenance.ServiceRecord]:
    rows = session.scalars(
        select(MaintenanceRecord)
        .where(MaintenanceRecord.vehicle_id == vehicle_id)
        .order_by(MaintenanceRecord.done_on, MaintenanceRecord.created_at)
    ).all()
    known = {item.value for item in maintenance.Item}
    return [
        maintenance.ServiceRecord(maintenance.Item(r.item), r.done_on, r.odometer_km)
        for r in rows
        if r.item in known
    ]


def last_sent(session: Session, vehicle_id: uuid.UUID) -> MaintenanceReminder | None:
    return session.scalars(
        select(MaintenanceReminder)
        .where(MaintenanceReminder.vehicle_id == vehicle_id)
        .order_by(MaintenanceReminder.sent_on.desc())
        .limit(1)
    ).first()


def _baseline(session: Session, vehicle: Vehicle, km: int, today: date) -> tuple[date, int]:
    """Where the intervals count from: (day, odometer then)."""
    if vehicle.purchase_date is not None:
        return min(vehicle.purchase_date, today), 0
    first = session.scalars(
        select(OdometerReading)
        .where(OdometerReading.vehicle_id == vehicle.id)
        .order_by(OdometerReading.read_at)
        .limit(1)
    ).first()
    if first is not None:
        return min(first.read_at.astimezone(LOCAL).date(), today), min(first.km, km)
    return min(vehicle.created_at.astimezone(LOCAL).date(), today), km


def due_for(
    session: Session,
    vehicle: Vehicle,
    today: date,
    *,
    state: VehicleState | None = None,
    recorded_km: int | None = None,
    extra: Sequence[maintenance.ServiceRecord] = (),
) -> CarDue | None:
    """The car's items today; None when no odometer is known. Readings that cannot all be true
    raise ``MaintenanceInputError`` (``extra``: records being checked before they are stored)."""
    if state is None:
        state = session.get(VehicleState, vehicle.id)
    if recorded_km is None:
        recorded_km = vehicles.latest_km(session, [vehicle.id]).get(vehicle.id)
    done = [*history(session, vehicle.id), *extra]
    km = odometer(state, recorded_km)
    if km is None:
        return None
    km = max([km, *(r.odometer_km for r in done)])  # a service typed in before the device said
    bought, first_km = _baseline(session, vehicle, km, today)
    dues = maintenance.due_items(
        vehicle.powertrain, vehicle.make, km, today, done, bought, first_km
    )
    last = last_sent(session, vehicle.id)
    return CarDue(vehicle, km, today, dues, maintenance.reminder(dues), last)


def _sent(row: MaintenanceReminder | None) -> maintenance.SentReminder | None:
    if row is None:
        return None
    items = frozenset(maintenance.Item(i) for i in row.items if i in maintenance.Item.__members__)
    status = row.status if row.status in maintenance.STATUSES else "due_soon"
    return maintenance.SentReminder(items, status, row.sent_on)


def send(session: Session, car: CarDue, now: datetime) -> MaintenanceReminder | None:
    """Send the car's reminder if ``should_send`` says so (once a day at most)."""
    candidate = car.reminder
    if candidate is None or not maintenance.should_send(candidate, _sent(car.last), car.today):
        return None
    reminder_id = uuid.uuid4()
    params = {**candidate.params, "key": candidate.key, "window": car.window}
    inserted = session.scalar(
        dialect_insert(session, MaintenanceReminder)
        .values(
            id=reminder_id,
            vehicle_id=car.vehicle.id,
            sent_on=car.today,
            status=candidate.status,
            items=[item.value for item in candidate.items],
            params=params,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["vehicle_id", "sent_on"])
        .returning(MaintenanceReminder.id)
    )
    if inserted is None:
        return None
    publish(session, MaintenanceReminderSent(reminder_id=reminder_id, vehicle_id=car.vehicle.id))
    return session.get(MaintenanceReminder, reminder_id)


def send_due(session: Session, now: datetime) -> int:
    """The daily job: every car whose owner has an account; returns the reminders sent."""
    today, sent, after = local_today(now), 0, None
    while True:
        query = (
            select(Vehicle)
            .join(Customer, Customer.id == Vehicle.owner_id)
            .where(Customer.user_id.is_not(None))
            .order_by(Vehicle.id)
            .limit(BATCH)
        )
        if after is not None:
            query = query.where(Vehicle.id > after)
        cars = session.scalars(query).all()
        if not cars:
            return sent
        ids = [car.id for car in cars]
        states = {
            s.vehicle_id: s
            for s in session.scalars(select(VehicleState).where(VehicleState.vehicle_id.in_(ids)))
        }
        recorded = vehicles.latest_km(session, ids)
        for car in cars:
            state, km = states.get(car.id), recorded.get(car.id)
            if state is None and km is None:
                continue
            try:
                due = due_for(session, car, today, state=state, recorded_km=km)
            except MaintenanceInputError as error:
                log.warning("maintenance_inputs_inconsistent", vehicle=str(car.id), code=error.code)
                continue
            if due is not None and send(session, due, now) is not None:
                sent += 1
        after = ids[-1]


def record_done(
    session: Session,
    vehicle: Vehicle,
    items: Iterable[str],
    done_on: date,
    odometer_km: int,
    now: datetime,
    source: str = "owner",
) -> list[MaintenanceRecord]:
    """Record services done (one row per item), after checking they fit the car's schedule and
    its other readings; raises ``MaintenanceInputError``."""
    plan = maintenance.schedule(vehicle.powertrain, vehicle.make)
    chosen: list[maintenance.Item] = []
    for code in items:
        if code not in maintenance.Item.__members__ or maintenance.Item(code) not in plan:
            raise MaintenanceInputError("unknown_item", f"no item {code!r} here", item=code)
        chosen.append(maintenance.Item(code))
    if not chosen:
        raise MaintenanceInputError("no_item", "choose at least one item")
    if source not in SOURCES:  # pragma: no cover - callers pass a constant
        raise ValueError(source)
    records = [maintenance.ServiceRecord(item, done_on, odometer_km) for item in chosen]
    due_for(session, vehicle, local_today(now), extra=records)  # raises when they cannot be true
    rows = [
        MaintenanceRecord(
            vehicle_id=vehicle.id,
            item=r.item.value,
            done_on=r.done_at,
            odometer_km=r.odometer_km,
            source=source,
            created_at=now,
        )
        for r in records
    ]
    session.add_all(rows)
    session.flush()
    return rows


def recent_records(
    session: Session, vehicle_id: uuid.UUID, limit: int = 20
) -> Sequence[MaintenanceRecord]:
    return session.scalars(
        select(MaintenanceRecord)
        .where(MaintenanceRecord.vehicle_id == vehicle_id)
        .order_by(MaintenanceRecord.done_on.desc(), MaintenanceRecord.created_at.desc())
        .limit(limit)
    ).all()
