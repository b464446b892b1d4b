"""Maintenance reminders on stored data: the odometer from telematics or a recorded reading, the
intervals from the purchase date and the services recorded, one reminder per due window (weekly
at most unless it got worse, once a day at most), the owner's inbox in zh-CN and en."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.accounts.models import Notification
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.events.models import OutboxMessage
from carecover.platform.i18n import translate
from carecover.platform.jobs import registered_jobs
from carecover.telematics.events import MaintenanceReminderSent
from carecover.telematics.handlers import remind_owner
from carecover.telematics.models import Device, MaintenanceReminder, VehicleState
from carecover.telematics.service import ingest, reminders
from carecover.telematics.service.maintenance import MaintenanceInputError
from carecover.vehicles import service as vehicles
from carecover.vehicles.enums import OdometerSource, Powertrain
from carecover.vehicles.models import Vehicle
from carecover.vehicles.schemas import OdometerCreate
from tests.factories.accounts import make_user
from tests.factories.customers import make_customer, make_vehicle
from tests.telematics.test_trip_log import fitted

BOUGHT = date(2026, 1, 15)
SCHEDULED = {
    "telematics.close_silent_trips": "*/5 * * * *",
    "telematics.driving_reports": "30 0 1 * *",
    "telematics.maintenance_reminders": "0 1 * * *",
}


def at(day: date, hour: int = 9) -> datetime:
    """That local (Shanghai) time, as UTC."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


def owned(
    session: Session, *, account: bool = True, powertrain: Powertrain = Powertrain.ice
) -> Vehicle:
    user = make_user(session) if account else None
    car = make_vehicle(session, owner=make_customer(session, user=user), powertrain=powertrain)
    car.purchase_date = BOUGHT
    session.flush()
    return car


def odometer(session: Session, device: Device, km: float, day: date, seq: int) -> None:
    """The car's device reports its odometer (and that it is parked)."""
    now = at(day)
    ingest.ingest(
        session, device, [{"seq": seq, "ts": now.isoformat(), "odometer_km": km}], now=now
    )
    session.flush()


def sent(session: Session, car: Vehicle) -> list[MaintenanceReminder]:
    query = select(MaintenanceReminder).where(MaintenanceReminder.vehicle_id == car.id)
    return list(session.scalars(query.order_by(MaintenanceReminder.sent_on)))


def test_one_reminder_per_due_window_and_the_owner_is_told(session: Session) -> None:
    car = owned(session)  # a Volkswagen: oil every 7,500 km or 12 months
    device = fitted(session, car)
    odometer(session, device, 6_800.0, date(2026, 11, 10), 1)
    assert reminders.send_due(session, at(date(2026, 11, 10))) == 1
    [first] = sent(session, car)
    assert (first.sent_on, first.status, first.items) == (
        date(2026, 11, 10),
        "due_soon",
        ["engine_oil"],
    )
    assert first.params["km_left"] == 700
    assert first.params["window"] == "engine_oil:7500:2027-01-15"
    outbox = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_type == MaintenanceReminderSent.event_type)
    ).all()
    assert [m.payload["reminder_id"] for m in outbox] == [str(first.id)]

    remind_owner(session, MaintenanceReminderSent(reminder_id=first.id, vehicle_id=car.id))
    [notice] = session.scalars(
        select(Notification).where(Notification.message_key.like("notice.maintenance.%"))
    )
    assert notice.message_key == "notice.maintenance.due_soon.engine_oil"
    assert notice.params == {"car": "大众 朗逸", "count": 1}
    english = translate(notice.message_key, "en", **notice.params)
    assert english.startswith("大众 朗逸: engine oil and filter is due soon")
    assert "机油机滤即将到期" in translate(notice.message_key, "zh-CN", **notice.params)

    assert reminders.send_due(session, at(date(2026, 11, 10), 18)) == 0  # the same day
    assert reminders.send_due(session, at(date(2026, 11, 13))) == 0  # within the week, no worse
    assert reminders.send_due(session, at(date(2026, 11, 17))) == 1  # a week on, still due
    odometer(session, device, 7_600.0, date(2026, 11, 19), 2)
    assert reminders.send_due(session, at(date(2026, 11, 19))) == 1  # worse: overdue
    assert [(r.sent_on.day, r.status) for r in sent(session, car)] == [
        (10, "due_soon"),
        (17, "due_soon"),
        (19, "overdue"),
    ]
    reminders.record_done(
        session, car, ["engine_oil"], date(2026, 11, 20), 7_610, at(date(2026, 11, 20))
    )
    assert reminders.send_due(session, at(date(2026, 11, 27))) == 0  # serviced: nothing due
    due = reminders.due_for(session, car, date(2026, 11, 27))
    assert due is not None
    assert due.reminder is None
    oil = next(d for d in due.dues if d.item.value == "engine_oil")
    assert (oil.due_at_km, oil.due_on_date) == (7_610 + 7_500, date(2027, 11, 20))


def test_the_odometer_comes_from_telematics_obd_or_a_recorded_reading(session: Session) -> None:
    state = VehicleState(signals={"obd": {"odometer": 12_345.6}})
    assert reminders.odometer(state, None) == 12_345
    assert reminders.odometer(state, 13_000) == 13_000  # the higher: odometers only go up
    assert (
        reminders.odometer(VehicleState(signals={"odometer_km": 900.0, "ign": True}), None) == 900
    )
    assert reminders.odometer(None, None) is None

    car = owned(session)
    reading = OdometerCreate(km=19_200, read_at=at(date(2026, 11, 1)), source=OdometerSource.shop)
    vehicles.record_odometer(session, Actor.system(), car, reading)
    due = reminders.due_for(session, car, date(2026, 11, 10))
    assert due is not None
    assert due.odometer_km == 19_200
    assert [(d.item.value, d.status) for d in due.need] == [
        ("engine_oil", "overdue"),
        ("tyre_rotation", "overdue"),
        ("air_filter", "due_soon"),
        ("cabin_filter", "due_soon"),
    ]
    assert due.window == "engine_oil:7500:2027-01-15"


def test_cars_without_an_odometer_or_an_owner_account_get_nothing(session: Session) -> None:
    silent = owned(session)
    assert reminders.due_for(session, silent, date(2026, 11, 10)) is None
    no_account = owned(session, account=False)
    odometer(session, fitted(session, no_account), 9_000.0, date(2026, 11, 10), 1)
    assert reminders.send_due(session, at(date(2026, 11, 10))) == 0
    assert sent(session, silent) == sent(session, no_account) == []


def test_the_daily_job_pages_through_every_car(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    cars = [owned(session) for _ in range(3)]
    for n, car in enumerate(cars):
        odometer(session, fitted(session, car), 7_000.0 + n, date(2026, 11, 10), 1)
    monkeypatch.setattr(reminders, "BATCH", 2)
    assert reminders.send_due(session, at(date(2026, 11, 10))) == 3
    assert all(len(sent(session, car)) == 1 for car in cars)


def test_services_that_cannot_be_true_are_refused(session: Session) -> None:
    car = owned(session, powertrain=Powertrain.bev)
    odometer(session, fitted(session, car), 20_000.0, date(2026, 11, 10), 1)
    now = at(date(2026, 11, 10))

    def refused(items: list[str], on: date, km: int) -> str:
        with pytest.raises(MaintenanceInputError) as caught:
            reminders.record_done(session, car, items, on, km, now)
        return caught.value.code

    assert refused(["spark_plugs"], date(2026, 11, 1), 19_000) == "unknown_item"  # an EV
    assert refused([], date(2026, 11, 1), 19_000) == "no_item"
    assert refused(["cabin_filter"], date(2026, 12, 1), 19_000) == "date_in_future"
    reminders.record_done(session, car, ["cabin_filter"], date(2026, 6, 1), 9_000, now)
    assert refused(["brake_fluid"], date(2026, 7, 1), 8_000) == "odometer_backwards"
    assert [r.item for r in reminders.recent_records(session, car.id)] == ["cabin_filter"]
    for code in ("unknown_item", "no_item", "date_in_future", "odometer_backwards"):
        assert translate(f"maintenance.error.{code}", "en") != f"maintenance.error.{code}"


def test_the_jobs_are_scheduled_and_run(session: Session) -> None:
    jobs = registered_jobs()
    crons = {name: jobs[name].cron for name in SCHEDULED}
    assert crons == SCHEDULED
    car = owned(session)
    odometer(session, fitted(session, car), 9_000.0, reminders.local_today(utc_now()), 1)
    for name in SCHEDULED:
        jobs[name].func(session)
    assert len(sent(session, car)) == 1  # the daily job found the overdue oil
