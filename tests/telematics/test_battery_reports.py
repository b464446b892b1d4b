"""Monthly battery reports (D4) from readings stored in the database: five months of a synthetic
pack with known truth (``battery_model``) go in as telematics readings, the monthly job runs, and
the stored SOH matches both the pure estimator on the same sessions and the truth within the
validated error; a re-run changes nothing; a pack with failing cell balance gets the anomaly, the
advice and one notice naming the nearest certified shop."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from carecover.accounts.models import Notification
from carecover.platform.auth.models import User
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.events.models import OutboxMessage
from carecover.platform.jobs.models import Job
from carecover.telematics.enums import DeviceKind
from carecover.telematics.handlers import battery_to_owner
from carecover.telematics.jobs import battery_report, battery_reports_monthly
from carecover.telematics.models import BatteryReport, Device, Reading, VehicleState
from carecover.telematics.service import battery, devices
from carecover.telematics.service import battery_model as bm
from carecover.telematics.service import battery_reports as reports
from carecover.telematics.service.battery_reports import BatteryNeedsShop
from carecover.vehicles.enums import Powertrain
from carecover.vehicles.models import Vehicle
from tests.factories.accounts import make_user
from tests.factories.customers import make_customer, make_vehicle
from tests.factories.partners import XUHUI, make_partner

MONTHS = 5
SENSORS = bm.Sensors(ac_period_s=120.0, dc_period_s=20.0, defect_rate=0.0)
FIELDS = {
    "pack_v": "voltage_v",
    "soc": "soc_pct",
    "pack_t_min": "temp_min_c",
    "pack_t_max": "temp_max_c",
    "cell_v_min": "cell_v_min",
    "cell_v_max": "cell_v_max",
}


def first_month() -> date:
    """Five whole months before the current one (Beijing time)."""
    month = reports.month_of(utc_now())
    for _ in range(MONTHS):
        month = reports.previous_month(month)
    return month


@dataclass
class Ev:
    owner: User
    car: Vehicle
    device: Device
    history: bm.SyntheticHistory


def make_ev(
    session: Session, seed: int, *, kwh: Decimal | None, faults: bm.Faults | None = None
) -> Ev:
    owner = make_user(session)
    car = make_vehicle(session, owner=make_customer(session, user=owner), powertrain=Powertrain.bev)
    car.battery_kwh = kwh
    device, _ = devices.register(session, Actor.system(), car.id, DeviceKind.ev_box)
    history = bm.simulate(
        seed, MONTHS, start=first_month(), sensors=SENSORS, faults=faults,
        ageing=bm.Ageing(scale=3.0), horizon_months=MONTHS + 1,
    )  # fmt: skip
    store(session, device, history)
    return Ev(owner, car, device, history)


def store(session: Session, device: Device, history: bm.SyntheticHistory) -> None:
    """Each BMS sample as a reading (pack current negative while charging), plus a driving
    reading after each charge that the report must ignore."""
    rows: list[dict[str, Any]] = []
    now = utc_now()

    def add(at: datetime, data: dict[str, Any]) -> None:
        rows.append(
            {
                "device_id": device.id, "vehicle_id": device.vehicle_id, "seq": len(rows),
                "device_time": at, "received_at": now, "lat": XUHUI[0], "lng": XUHUI[1],
                "speed_kmh": 0.0, "data": data,
            }
        )  # fmt: skip

    for synthetic in history.sessions:
        for s in synthetic.session.samples:
            data: dict[str, Any] = {"charging": synthetic.kind, "pack_a": -s.current_a}
            data |= {k: getattr(s, f) for k, f in FIELDS.items()}
            add(
                s.at,
                {k: v for k, v in data.items() if not isinstance(v, float) or math.isfinite(v)},
            )
        add(s.at + timedelta(minutes=30), {"charging": "none", "pack_a": 40.0, "soc": 50.0})
    for start in range(0, len(rows), 2000):
        session.execute(insert(Reading), rows[start : start + 2000])
    session.add(
        VehicleState(
            vehicle_id=device.vehicle_id, device_time=now, lat=XUHUI[0], lng=XUHUI[1],
            signals={}, rule_state={}, updated_at=now,
        )
    )  # fmt: skip
    session.flush()


def run_monthly_job(session: Session) -> list[Job]:
    battery_reports_monthly(session)
    queued = session.scalars(select(Job).where(Job.name == "telematics.battery_report")).all()
    for item in queued:
        battery_report(session, **item.args)
    return list(queued)


def stored(session: Session, car: Vehicle) -> list[BatteryReport]:
    return reports.reports_of(session, car.id)


def test_the_monthly_job_stores_each_months_soh_within_the_validated_error(
    session: Session,
) -> None:
    ev = make_ev(session, 11, kwh=Decimal("52.5"))  # 52.5 kWh / 350 V = the model's 150 Ah
    jobs = run_monthly_job(session)
    assert [j.args["vehicle_id"] for j in jobs] == [str(ev.car.id)]
    rows = stored(session, ev.car)
    assert rows[0].month == first_month()
    assert len(rows) == MONTHS
    assert all(r.complete for r in rows)
    assert rows[-1].capacity == {"ah": 150.0, "source": "vehicle", "kwh": 52.5, "nominal_v": 350.0}

    # The same figures as the pure estimator on the generated sessions: nothing lost in storage.
    pack = battery.PackSpec(150.0)
    pure = battery.monthly_soh(
        [battery.estimate_session(s.session, pack, reports.RULES) for s in ev.history.sessions],
        reports.RULES,
    )
    expected = {m.month: m for m in pure if m.month in {r.month for r in rows}}
    for row in rows:
        assert row.soh_pct == pytest.approx(expected[row.month].soh_pct, abs=1e-9)
        assert row.sessions == expected[row.month].sessions
    # Against the truth: within the validated worst month (2.5 pp), mean under 1 pp.
    truth = dict(ev.history.monthly_truth)
    errors = [abs((r.soh_pct or 0.0) - truth[r.month]) for r in rows]
    assert all(r.soh_pct is not None for r in rows)
    assert max(errors) < 2.5, errors
    assert sum(errors) / len(errors) < 1.0, errors
    assert all((r.low_pct or 0) < (r.soh_pct or 0) < (r.high_pct or 0) for r in rows)
    # Partial charges are counted and set aside, never averaged in.
    assert sum(r.reasons.get("soc_delta_too_small", 0) for r in rows) > 0
    # The fade trend and its projection: falling, crossing 80 % some day after the last month.
    trend = rows[-1].trend
    assert trend is not None
    assert trend["slope_pp_per_year"] < 0
    assert trend["crosses_on"] is None or trend["crosses_on"] > rows[-1].month.isoformat()
    assert [a["code"] for a in rows[-1].advice] != []
    assert all(r.anomalies == [] for r in rows)


def test_a_re_run_is_idempotent(session: Session) -> None:
    ev = make_ev(session, 12, kwh=None)
    run_monthly_job(session)
    first = [(r.id, r.month, r.soh_pct, r.trend, r.advice) for r in stored(session, ev.car)]
    assert stored(session, ev.car)[-1].capacity["source"] == "default"
    run_monthly_job(session)  # the job's dedupe key: no second job for the month
    again = reports.run_for_vehicle(session, ev.car.id, through=stored(session, ev.car)[-1].month)
    assert len(again) == 1  # complete months are kept; the last one is recomputed
    assert [(r.id, r.month, r.soh_pct, r.trend, r.advice) for r in stored(session, ev.car)] == first
    count = session.scalar(
        select(func.count()).select_from(BatteryReport).where(BatteryReport.vehicle_id == ev.car.id)
    )
    assert count == MONTHS


def test_cell_imbalance_is_an_anomaly_with_advice_and_one_notice_with_the_shop(
    session: Session,
) -> None:
    make_partner(session, location=XUHUI)
    ev = make_ev(session, 13, kwh=Decimal("52.5"), faults=bm.Faults(imbalance_from_month=2))
    run_monthly_job(session)
    rows = stored(session, ev.car)
    months = {a["month"][:7] for r in rows for a in r.anomalies if a["code"] == "cell_imbalance"}
    assert months == {r.month.isoformat()[:7] for r in rows[2:]}
    assert all(a["params"]["rest_mv"] > 50 for r in rows[2:] for a in r.anomalies)
    assert "check_cell_balance" in [a["code"] for a in rows[-1].advice]
    told = [r for r in rows if r.notified_at is not None]
    assert [r.month for r in told] == [rows[-1].month]  # the month run, not the backfill
    assert told[0].shop is not None
    assert told[0].shop["distance_km"] < 3
    reports.run_for_vehicle(session, ev.car.id, through=rows[-1].month)
    events = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_type == "telematics.battery_needs_shop")
    ).all()
    mine = [e for e in events if e.payload["vehicle_id"] == str(ev.car.id)]
    assert len(mine) == 1

    battery_to_owner(session, BatteryNeedsShop(report_id=told[0].id, vehicle_id=ev.car.id))
    note = session.scalars(select(Notification).where(Notification.user_id == ev.owner.id)).one()
    assert note.message_key == "notice.battery.check_cell_balance.shop"
    assert note.params["shop"] == told[0].shop["name"]


def test_a_car_that_does_not_plug_in_gets_no_report(session: Session) -> None:
    car = make_vehicle(session, powertrain=Powertrain.ice)
    assert reports.capacity_of(car) is None
    assert reports.run_for_vehicle(session, car.id) == []


def test_sessions_split_at_gaps_and_read_the_payload_convention() -> None:
    t0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
    rows = [
        (t0 + timedelta(seconds=60 * i), {"pack_a": -30.0, "pack_v": 380.0, "soc": 20.0 + i})
        for i in (0, 1, 2, 10, 11)
    ]
    sessions = reports.split_sessions(rows)
    assert [len(s.samples) for s in sessions] == [3, 2]
    first = sessions[0].samples[0]
    assert (first.current_a, first.voltage_v, first.cell_v_min) == (30.0, 380.0, None)
    assert math.isnan(first.temp_min_c)
    assert reports.bounds(date(2026, 3, 1))[0] == datetime(2026, 2, 28, 16, tzinfo=UTC)
