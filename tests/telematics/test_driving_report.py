"""The monthly driving report from stored trips: the running totals give the same figures as
``trips.monthly`` over the trips, the UBI proposal and needs hints by the policyholder's age, the
final report written once by the monthly job and the owner told."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.accounts.models import Notification
from carecover.platform.cn import resident_id_check_digit
from carecover.platform.events.models import OutboxMessage
from carecover.platform.i18n import translate
from carecover.telematics.events import DrivingReportReady
from carecover.telematics.handlers import report_to_owner
from carecover.telematics.models import DrivingMonth, Trip
from carecover.telematics.service import driving, trip_log
from carecover.telematics.service.trips import (
    MonthlyScore,
    monthly,
    needs_hints,
    propose_ubi,
    ubi_factor,
)
from carecover.telematics.service.trips import Trip as PureTrip
from carecover.vehicles.models import Vehicle
from tests.factories.accounts import make_user
from tests.factories.customers import make_customer, make_vehicle
from tests.telematics.test_trip_log import FIELDS, TWO_BRAKES, fitted, readings, send
from tests.telematics.test_trips import Drive, commute, highway, local, steady

_serial = itertools.count(101)
END_OF_NOVEMBER = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)  # the monthly job: 08:30 in Shanghai
ROUGH = {1: "brake", 3: "brake", 5: "accel", 7: "corner", 9: "brake", 11: "accel"}


def driver(session: Session, born: str, *, account: bool = True) -> Vehicle:
    """A car whose policyholder was born on ``born`` (YYYYMMDD, in the resident ID number)."""
    first17 = f"310104{born}{next(_serial):03d}"
    user = make_user(session) if account else None
    owner = make_customer(session, id_number=first17 + resident_id_check_digit(first17), user=user)
    return make_vehicle(session, owner=owner)


def drive(session: Session, car: Vehicle, *drives: Drive) -> list[Trip]:
    device, seq = fitted(session, car), 1
    for d in drives:
        items = readings(d.samples, first_seq=seq)
        send(session, device, items)
        seq += len(items)
    return list(session.scalars(select(Trip).where(Trip.vehicle_id == car.id)))


def pure(row: Trip) -> PureTrip:
    values = {f: getattr(row, f) for f in FIELDS}
    return PureTrip(str(row.vehicle_id), row.started_at, row.ended_at, **values)


def november(session: Session, car: Vehicle) -> DrivingMonth:
    row = session.get(DrivingMonth, (car.id, "2026-11"), populate_existing=True)
    assert row is not None
    return row


def close(a: MonthlyScore, b: MonthlyScore) -> None:
    for name in MonthlyScore.__dataclass_fields__:
        assert getattr(a, name) == pytest.approx(getattr(b, name), rel=1e-9, abs=1e-9), name


def test_the_totals_give_the_figures_of_the_month_and_its_ubi_factor(session: Session) -> None:
    car = driver(session, "19800515")
    idle = Drive(local(12, day=6), seed=9).hold(60).off()  # ignition on, a minute idle: discarded
    rows = drive(
        session, car, commute(events=TWO_BRAKES), highway(), steady(local(23, day=5), 30), idle
    )
    assert len(rows) == 4
    assert sum(r.discarded is not None for r in rows) == 1
    expected = monthly(pure(r) for r in rows)
    totals = november(session, car)
    close(driving.figures(totals), expected)
    assert (expected.trips, expected.discarded, expected.harsh_braking) == (3, 1, 2)
    assert 160 < expected.distance_km < 170  # ~13 + ~120 + ~30 km
    assert expected.score is not None
    assert 80 < expected.score < 90
    report = driving.report(session, car, "2026-11", local(12, day=7))
    assert report is not None
    assert report.final is False
    assert report.figures.score == expected.score
    assert report.ubi == propose_ubi(expected)
    assert report.ubi.factor == ubi_factor(expected.score) == Decimal("0.95")
    assert report.driver_age == 46
    assert report.hints == needs_hints(expected, 46) == ()  # 30 of ~165 km at night: under 1/4
    stored = november(session, car)
    assert (stored.score, stored.ubi_factor, stored.ubi_reason) == (
        expected.score,
        Decimal("0.95"),
        "score_band",
    )
    assert stored.hints == []
    assert stored.driver_age == 46
    assert stored.final is False


def test_hints_follow_the_policyholders_age(session: Session) -> None:
    young = driver(session, "20040501")  # 22
    drive(session, young, commute(events=ROUGH, seed=11), commute(local(18), events=ROUGH, seed=12))
    rough = driving.report(session, young, "2026-11", local(12, day=7))
    assert rough is not None
    assert rough.driver_age == 22
    assert rough.figures.score is not None
    assert rough.figures.score < 70
    assert rough.hints == ("training_offer",)
    assert rough.ubi.factor is None  # ~26 km: too little to propose

    senior = driver(session, "19580320")  # 68
    drive(session, senior, commute(seed=13))
    calm = driving.report(session, senior, "2026-11", local(12, day=7))
    assert calm is not None
    assert calm.driver_age == 68
    assert calm.hints == ("safety_check",)

    middle = driver(session, "19900101")
    drive(session, middle, commute(events=ROUGH, seed=14))
    assert driving.report(session, middle, "2026-11", local(12, day=7)).hints == ()  # type: ignore[union-attr]

    owl = driver(session, "19900202")
    drive(session, owl, steady(local(23, day=3), 40, seed=18))  # ~40 km, all of it at night
    night = driving.report(session, owl, "2026-11", local(12, day=7))
    assert night is not None
    assert night.figures.night_km > 30
    assert night.hints == ("night_driving_tips",)


def test_the_report_on_demand_is_rewritten_only_when_trips_arrived(session: Session) -> None:
    car = driver(session, "19850101")
    drive(session, car, commute(seed=15))
    first_at = local(12, day=7)
    driving.report(session, car, "2026-11", first_at)
    assert november(session, car).reported_at == first_at
    driving.report(session, car, "2026-11", first_at + timedelta(hours=1))
    assert november(session, car).reported_at == first_at  # nothing new: the stored report stands
    drive(session, car, commute(local(18, day=8), events=TWO_BRAKES, seed=16))
    later = first_at + timedelta(days=2)
    again = driving.report(session, car, "2026-11", later)
    assert again is not None
    assert again.figures.trips == 2
    assert november(session, car).reported_at == later


def test_the_monthly_job_writes_the_final_report_once_and_tells_the_owner(
    session: Session,
) -> None:
    car = driver(session, "19800515")
    drive(session, car, commute(events=TWO_BRAKES), highway())
    walked = driver(session, "19800515", account=False)
    drive(session, walked, commute(seed=17))
    written = driving.close_month(session, END_OF_NOVEMBER)
    assert written >= 2
    row = november(session, car)
    assert row.final
    assert row.reported_at == END_OF_NOVEMBER
    assert row.ubi_factor == ubi_factor(row.score or 0)
    ready = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_type == DrivingReportReady.event_type)
    ).all()
    mine = [m for m in ready if m.payload["vehicle_id"] == str(car.id)]
    assert [m.payload["month"] for m in mine] == ["2026-11"]

    report_to_owner(session, DrivingReportReady(vehicle_id=car.id, month="2026-11"))
    report_to_owner(session, DrivingReportReady(vehicle_id=walked.id, month="2026-11"))  # no user
    [notice] = session.scalars(
        select(Notification).where(Notification.message_key.like("notice.driving.%"))
    )
    assert notice.message_key == "notice.driving.report_ready.ubi"
    assert notice.params["score"] == row.score
    assert notice.params["factor"] == f"{row.ubi_factor:.2f}"
    english = translate(notice.message_key, "en", **notice.params)
    assert f"score {row.score}" in english
    assert "2026-11" in english
    assert f"评分 {row.score}" in translate(notice.message_key, "zh-CN", **notice.params)

    assert driving.close_month(session, END_OF_NOVEMBER + timedelta(hours=1)) == 0  # done
    template = session.scalars(select(Trip).where(Trip.vehicle_id == car.id)).first()
    assert template is not None
    late = replace(pure(template), start=local(20, day=29), end=local(20, 30, day=29))
    assert trip_log.store(session, car.id, late, END_OF_NOVEMBER + timedelta(hours=2)) is not None
    assert driving.close_month(session, END_OF_NOVEMBER + timedelta(hours=3)) == 1  # rewritten
    assert november(session, car).trips == 3
    count = session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.event_type == DrivingReportReady.event_type)
    )
    assert count == len(ready)  # the owner is told once
