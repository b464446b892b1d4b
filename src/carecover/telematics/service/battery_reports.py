"""Monthly battery health reports (D4) from the charge sessions stored in the readings.

A charge session is a run of readings whose ``charging`` signal is ``ac`` or ``dc`` with no gap
longer than ``BatteryRules.max_gap_s`` between two of them. Payload convention: ``pack_a`` is
positive while discharging, so the charge current is ``-pack_a``; ``pack_v``, ``soc``,
``pack_t_min``/``pack_t_max`` and ``cell_v_min``/``cell_v_max`` map one to one. A missing value
is NaN to the estimator, which then rejects that session with its reason (``battery``).

Months are Beijing-time calendar months. Each month's report is computed from that month's
sessions and the figures of the months before it (stored reports, so old readings may age out):
the fade trend and its 80 % projection, anomalies and advice read the whole series. One report
per (car, month): a re-run replaces the figures. When the advice needs a shop (service the
battery, check cell balance or the thermal system) the owner is told once, with the nearest
certified shop; the monthly run tells again next month if the advice still stands.

Nominal capacity: ``battery_kwh`` from the car's record over an assumed nominal pack voltage of
350 V (96 NMC cells in series at 3.65 V); without it a default per powertrain (BEV 150 Ah, about
52 kWh; PHEV 55 Ah, about 19 kWh). The report states which, since every SOH scales with it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from carecover.partners.enums import PartnerType
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.events import DomainEvent, publish
from carecover.platform.geo import Point
from carecover.telematics.models import BatteryReport, Reading, VehicleState
from carecover.telematics.service import battery
from carecover.telematics.service.battery import ChargeSample, ChargeSession, PackSpec
from carecover.telematics.service.care import nearest_site
from carecover.vehicles.enums import Powertrain
from carecover.vehicles.models import Vehicle

ZONE = ZoneInfo("Asia/Shanghai")
RULES = replace(battery.RULES, month_tz=ZONE)
NOMINAL_PACK_V = 350.0
DEFAULT_AH = {Powertrain.bev: 150.0, Powertrain.phev: 55.0}
HISTORY_MONTHS = 24
"""How far back a first run for a car looks for charge sessions."""
SHOP_ADVICE = frozenset({"service_battery_soon", "check_cell_balance", "check_thermal_system"})
CHARGING = ("ac", "dc")
SESSION_SPAN = timedelta(hours=16)
"""Longer than any charge: a session crossing a month's bounds is read whole."""


@dataclass(frozen=True, kw_only=True)
class BatteryNeedsShop(DomainEvent):
    """A monthly report's advice needs a shop; the owner is told with the nearest one."""

    event_type = "telematics.battery_needs_shop"
    report_id: uuid.UUID
    vehicle_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class Capacity:
    ah: float
    source: str
    """``vehicle`` (battery_kwh on record) or ``default`` (per powertrain)."""
    kwh: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "ah": round(self.ah, 1),
            "source": self.source,
            "kwh": self.kwh,
            "nominal_v": NOMINAL_PACK_V,
        }


def capacity_of(vehicle: Vehicle) -> Capacity | None:
    """The nominal pack capacity, or None for a car that does not plug in."""
    if vehicle.powertrain not in DEFAULT_AH:
        return None
    if vehicle.battery_kwh is not None and vehicle.battery_kwh > 0:
        kwh = float(vehicle.battery_kwh)
        return Capacity(kwh * 1000.0 / NOMINAL_PACK_V, "vehicle", kwh)
    ah = DEFAULT_AH[vehicle.powertrain]
    return Capacity(ah, "default", round(ah * NOMINAL_PACK_V / 1000.0, 1))


def month_of(at: datetime) -> date:
    local = at.astimezone(ZONE)
    return date(local.year, local.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def bounds(month: date) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in UTC."""
    start = datetime(month.year, month.month, 1, tzinfo=ZONE)
    end = datetime(next_month(month).year, next_month(month).month, 1, tzinfo=ZONE)
    return start.astimezone(UTC), end.astimezone(UTC)


def _num(data: dict[str, Any], name: str) -> float:
    value = data.get(name)
    return float(value) if isinstance(value, int | float) else float("nan")


def _optional(data: dict[str, Any], name: str) -> float | None:
    value = data.get(name)
    return float(value) if isinstance(value, int | float) else None


def sample_of(at: datetime, data: dict[str, Any]) -> ChargeSample:
    """A stored reading as the estimator's sample (charge current positive)."""
    return ChargeSample(
        at=at,
        current_a=-_num(data, "pack_a"),
        voltage_v=_num(data, "pack_v"),
        soc_pct=_num(data, "soc"),
        temp_min_c=_num(data, "pack_t_min"),
        temp_max_c=_num(data, "pack_t_max"),
        cell_v_min=_optional(data, "cell_v_min"),
        cell_v_max=_optional(data, "cell_v_max"),
    )


def split_sessions(
    rows: Iterable[tuple[datetime, dict[str, Any]]], rules: battery.BatteryRules = RULES
) -> list[ChargeSession]:
    """Charging readings (oldest first) cut into sessions wherever the gap exceeds the rules'."""
    out: list[ChargeSession] = []
    run: list[ChargeSample] = []
    for at, data in rows:
        at = ensure_utc(at)
        if run and (at - run[-1].at).total_seconds() > rules.max_gap_s:
            out.append(ChargeSession(tuple(run), f"{run[0].at:%Y%m%dT%H%M%S}"))
            run = []
        if run and at <= run[-1].at:
            continue  # the same instant twice (two devices): the first is kept
        run.append(sample_of(at, data))
    if run:
        out.append(ChargeSession(tuple(run), f"{run[0].at:%Y%m%dT%H%M%S}"))
    return out


def charge_sessions(
    session: Session, vehicle_id: uuid.UUID, start: datetime, end: datetime
) -> list[ChargeSession]:
    """The car's charge sessions that start in [start, end), whole even across the bounds."""
    charging = Reading.data["charging"].as_string()
    rows = session.execute(
        select(Reading.device_time, Reading.data)
        .where(
            Reading.vehicle_id == vehicle_id,
            Reading.device_time >= start - SESSION_SPAN,
            Reading.device_time < end + SESSION_SPAN,
            charging.in_(CHARGING),
        )
        .order_by(Reading.device_time, Reading.seq)
        .execution_options(yield_per=2000)
    )
    found = split_sessions((r.device_time, r.data) for r in rows)
    return [s for s in found if start <= s.samples[0].at < end]


def _month_json(m: battery.MonthlySoh) -> dict[str, Any]:
    return {"soh_pct": m.soh_pct, "low_pct": m.low_pct, "high_pct": m.high_pct}


def _monthly(report: BatteryReport) -> battery.MonthlySoh:
    return battery.MonthlySoh(
        report.month,
        report.sessions,
        report.rejected,
        report.soh_pct,
        report.low_pct,
        report.high_pct,
        report.fast_share,
    )


def _anomaly_json(a: battery.Anomaly) -> dict[str, Any]:
    return {
        "code": a.code,
        "params": a.params,
        "month": a.month.isoformat(),
        "sessions": a.sessions,
    }


def _anomaly(data: dict[str, Any]) -> battery.Anomaly:
    return battery.Anomaly(
        data["code"],
        dict(data.get("params") or {}),
        month=date.fromisoformat(data["month"]),
        sessions=int(data.get("sessions") or 0),
    )


def _trend_json(trend: battery.FadeTrend | None) -> dict[str, Any] | None:
    if trend is None:
        return None
    return {
        "slope_pp_per_year": round(trend.slope_pp_per_year, 3),
        "soh_now_pct": round(trend.soh_now_pct, 2),
        "crosses_on": trend.crosses_on.isoformat() if trend.crosses_on else None,
        "earliest_on": trend.earliest_on.isoformat() if trend.earliest_on else None,
        "latest_on": trend.latest_on.isoformat() if trend.latest_on else None,
        "window_months": RULES.trend_window_months,
    }


def reports_of(session: Session, vehicle_id: uuid.UUID, limit: int = 60) -> list[BatteryReport]:
    """The car's reports, oldest first (the last ``limit`` months)."""
    rows = session.scalars(
        select(BatteryReport)
        .where(BatteryReport.vehicle_id == vehicle_id)
        .order_by(BatteryReport.month.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def _upsert(session: Session, vehicle_id: uuid.UUID, month: date) -> BatteryReport:
    query = select(BatteryReport).where(
        BatteryReport.vehicle_id == vehicle_id, BatteryReport.month == month
    )
    found = session.scalars(query).first()
    if found is not None:
        return found
    row = BatteryReport(
        vehicle_id=vehicle_id,
        month=month,
        sessions=0,
        rejected=0,
        reasons={},
        fast_share=0.0,
        anomalies=[],
        advice=[],
        capacity={},
        computed_at=utc_now(),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # another worker made it first: use theirs
        found = session.scalars(query).first()
        if found is None:
            raise
        return found
    return row


def _where(session: Session, vehicle_id: uuid.UUID) -> Point | None:
    state = session.get(VehicleState, vehicle_id)
    if state is None or state.lat is None or state.lng is None:
        return None
    return Point(state.lat, state.lng)


def build(
    session: Session,
    vehicle: Vehicle,
    month: date,
    *,
    now: datetime | None = None,
    notify: bool = True,
) -> BatteryReport | None:
    """Compute and store the car's report for ``month``; None for a car that does not plug in.
    With ``notify``, advice that needs a shop is told to the owner (once per report)."""
    now = now or utc_now()
    capacity = capacity_of(vehicle)
    if capacity is None:
        return None
    pack = PackSpec(capacity.ah)
    start, end = bounds(month)
    found = charge_sessions(session, vehicle.id, start, end)
    estimates = sorted(
        (battery.estimate_session(s, pack, RULES) for s in found), key=lambda e: e.at
    )
    this = battery.monthly_soh(estimates, RULES)
    figures = this[0] if this else battery.MonthlySoh(month, 0, 0, None, None, None, 0.0)
    figures = replace(figures, month=month)
    before = [r for r in reports_of(session, vehicle.id) if r.month < month]
    months = (*(_monthly(r) for r in before), figures)
    trend = battery.fade_trend(months, RULES)
    known = [_anomaly(a) for r in before for a in r.anomalies]
    seen = {(a.month, a.code) for a in known}
    fresh = [
        a
        for a in battery.detect_anomalies(estimates, months, RULES)
        if (a.month, a.code) not in seen and a.month >= (before[-1].month if before else month)
    ]
    whole = battery.BatteryReport(tuple(estimates), months, trend, (*known, *fresh), ())
    advice = battery.advise(whole, RULES)
    row = _upsert(session, vehicle.id, month)
    row.complete = end <= now
    row.soh_pct, row.low_pct, row.high_pct = figures.soh_pct, figures.low_pct, figures.high_pct
    row.sessions, row.rejected = figures.sessions, figures.rejected
    row.fast_share = figures.fast_share
    row.reasons = dict(Counter(r.code for e in estimates if not e.accepted for r in e.reasons))
    row.trend = _trend_json(trend)
    row.anomalies = [_anomaly_json(a) for a in fresh]
    row.advice = [{"code": c.code, "params": c.params} for c in advice]
    row.capacity = capacity.as_json()
    row.computed_at = now
    if notify and row.notified_at is None and any(c.code in SHOP_ADVICE for c in advice):
        row.shop = nearest_site(session, _where(session, vehicle.id), PartnerType.repair_shop)
        row.notified_at = now
        session.flush()
        publish(session, BatteryNeedsShop(report_id=row.id, vehicle_id=vehicle.id))
    session.flush()
    return row


def first_charge_month(session: Session, vehicle_id: uuid.UUID, since: datetime) -> date | None:
    charging = Reading.data["charging"].as_string()
    first = session.scalar(
        select(Reading.device_time)
        .where(
            Reading.vehicle_id == vehicle_id,
            Reading.device_time >= since,
            charging.in_(CHARGING),
        )
        .order_by(Reading.device_time)
        .limit(1)
    )
    return month_of(ensure_utc(first)) if first is not None else None


def run_for_vehicle(
    session: Session,
    vehicle_id: uuid.UUID,
    *,
    through: date | None = None,
    now: datetime | None = None,
) -> list[BatteryReport]:
    """Run now for one car: every month up to ``through`` (this month by default) that has no
    complete report yet, oldest first, so the trend has its history; complete months are kept.
    Only ``through`` may notify the owner: a backfill does not send a notice per old month."""
    now = now or utc_now()
    through = through or month_of(now)
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None or capacity_of(vehicle) is None:
        return []
    have = {r.month: r for r in reports_of(session, vehicle_id, limit=HISTORY_MONTHS * 5)}
    month = min(have) if have else None
    if month is None:
        start = datetime(through.year - HISTORY_MONTHS // 12, through.month, 1, tzinfo=ZONE)
        month = first_charge_month(session, vehicle_id, start.astimezone(UTC))
    out: list[BatteryReport] = []
    while month is not None and month <= through:
        done = have.get(month)
        due = done is None or not done.complete or month == through
        row = build(session, vehicle, month, now=now, notify=month == through) if due else None
        if row is not None:
            out.append(row)
        month = next_month(month)
    return out


def due_vehicles(session: Session, month: date) -> Sequence[uuid.UUID]:
    """Plug-in cars that charged during ``month``: the monthly job's work list."""
    start, end = bounds(month)
    charging = Reading.data["charging"].as_string()
    return session.scalars(
        select(Vehicle.id)
        .where(
            Vehicle.powertrain.in_(tuple(DEFAULT_AH)),
            select(Reading.vehicle_id)
            .where(
                Reading.vehicle_id == Vehicle.id,
                Reading.device_time >= start,
                Reading.device_time < end,
                charging.in_(CHARGING),
            )
            .exists(),
        )
        .order_by(Vehicle.id)
    ).all()
