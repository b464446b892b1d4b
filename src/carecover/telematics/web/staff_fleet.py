"""Staff fleet views: the live map (each car's latest position, coloured by its worst open alert,
refreshed from a small JSON endpoint) with the alert stream beside it (HTMX polling), and one
car's history: a day of readings charted (speed, charge, 12 V, tyre pressures), its alerts,
care requests and devices.

An alert is open while its episode is still active in the car's rule memory, or for
``OPEN_HOURS`` after it was raised (a crash episode ends in minutes; the crash stays news).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.platform.auth.roles import Permission
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.errors import NotFound
from carecover.platform.web.deps import WebContext, permission_required
from carecover.telematics.models import Alert, Reading, VehicleState
from carecover.telematics.service import care, devices
from carecover.telematics.service.care import BEIJING
from carecover.vehicles.models import Vehicle

router = APIRouter(include_in_schema=False)
FleetDesk = Annotated[WebContext, permission_required(Permission.customers_read)]
MAX_MARKERS = 2000
OPEN_HOURS = 24
STREAM = 30
MAX_POINTS = 1500
RANK = {"none": 0, "info": 1, "warning": 2, "urgent": 3}
COLOURS = {"none": "#16a34a", "info": "#2563eb", "warning": "#d97706", "urgent": "#b91c1c"}
CENTRE = [31.23, 121.47]  # Shanghai, when no car has a position yet


def _setting(ctx: WebContext, name: str) -> str | None:
    value = getattr(ctx.settings, name, None)
    return value if isinstance(value, str) and value.strip() else None


def _active_keys(state: VehicleState) -> set[str]:
    episodes = (state.rule_state or {}).get("episodes") or {}
    return {str(v[0]) for v in episodes.values() if isinstance(v, list) and v}


def worst_open(
    session: Session, states: Sequence[VehicleState], now: datetime
) -> dict[uuid.UUID, Alert]:
    """Each car's most severe open alert (the newest among equals)."""
    if not states:
        return {}
    active = {s.vehicle_id: _active_keys(s) for s in states}
    recent = now - timedelta(hours=OPEN_HOURS)
    rows = session.scalars(
        select(Alert)
        .where(Alert.vehicle_id.in_(list(active)), Alert.raised_at >= now - timedelta(days=30))
        .order_by(Alert.raised_at)
    ).all()
    out: dict[uuid.UUID, Alert] = {}
    for alert in rows:
        live = (
            alert.episode_key in active[alert.vehicle_id] or ensure_utc(alert.raised_at) >= recent
        )
        best = out.get(alert.vehicle_id)
        if live and (best is None or RANK.get(alert.severity, 0) >= RANK.get(best.severity, 0)):
            out[alert.vehicle_id] = alert
    return out


def _markers(ctx: WebContext, now: datetime) -> list[dict[str, Any]]:
    rows = ctx.session.execute(
        select(VehicleState, Vehicle.vin, Vehicle.make, Vehicle.model)
        .join(Vehicle, Vehicle.id == VehicleState.vehicle_id)
        .where(VehicleState.lat.is_not(None), VehicleState.lng.is_not(None))
        .order_by(VehicleState.device_time.desc())
        .limit(MAX_MARKERS)
    ).all()
    worst = worst_open(ctx.session, [r[0] for r in rows], now)
    out = []
    for state, vin, make, model in rows:
        alert = worst.get(state.vehicle_id)
        level = alert.severity if alert is not None else "none"
        out.append(
            {
                "lat": state.lat,
                "lng": state.lng,
                "vin": vin,
                "name": f"{make} {model}",
                "severity": level,
                "colour": COLOURS.get(level, COLOURS["none"]),
                "alert": ctx.t(f"notice.alert.{alert.code}") if alert is not None else "",
                "severity_label": ctx.t(f"page.fleetmap.level.{level}"),
                "at": f"{ensure_utc(state.device_time).astimezone(BEIJING):%m-%d %H:%M}",
                "speed": state.signals.get("speed"),
                "url": f"/staff/telematics/vehicles/{state.vehicle_id}",
            }
        )
    return out


def _stream(ctx: WebContext) -> list[Any]:
    return list(
        ctx.session.execute(
            select(Alert, Vehicle.vin)
            .join(Vehicle, Vehicle.id == Alert.vehicle_id)
            .order_by(Alert.created_at.desc())
            .limit(STREAM)
        ).all()
    )


@router.get("/staff/telematics/map", response_model=None)
def fleet_map(ctx: FleetDesk) -> Response:
    return ctx.render(
        "telematics/fleet_map.html",
        alerts=_stream(ctx),
        has_tiles=_setting(ctx, "map_tile_url") is not None,
        levels=list(COLOURS.items()),
    )


@router.get("/staff/telematics/map.json", response_model=None)
def fleet_map_data(ctx: FleetDesk) -> JSONResponse:
    """Latest positions with their worst open alert, and the base map (no tiles: blank)."""
    now = utc_now()
    markers = _markers(ctx, now)
    counts = {level: 0 for level in RANK}
    for m in markers:
        counts[m["severity"]] += 1
    body = {
        "center": CENTRE,
        "zoom": 10,
        "tiles": _setting(ctx, "map_tile_url"),
        "attribution": _setting(ctx, "map_tile_attribution") or "",
        "markers": markers,
        "counts": counts,
        "at": now.isoformat(),
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.get("/staff/telematics/map/stream", response_model=None)
def fleet_stream(ctx: FleetDesk) -> Response:
    return ctx.render("telematics/_fleet_stream.html", alerts=_stream(ctx))


def day_readings(
    session: Session, vehicle_id: uuid.UUID, start: datetime, end: datetime
) -> tuple[Sequence[Any], int]:
    """At most ``MAX_POINTS`` of the car's readings in [start, end), evenly spread over all of
    them (every n-th, chosen in the database), and how many there were."""
    where = (
        Reading.vehicle_id == vehicle_id,
        Reading.device_time >= start,
        Reading.device_time < end,
    )
    total = int(session.scalar(select(func.count()).select_from(Reading).where(*where)) or 0)
    step = max(1, -(-total // MAX_POINTS))
    n = func.row_number().over(order_by=(Reading.device_time, Reading.seq)).label("n")
    sub = select(Reading.device_time, Reading.speed_kmh, Reading.data, n).where(*where).subquery()
    rows = session.execute(
        select(sub.c.device_time, sub.c.speed_kmh, sub.c.data)
        .where((sub.c.n - 1) % step == 0)
        .order_by(sub.c.device_time)
    ).all()
    return rows, total


def _value(data: dict[str, Any], *path: str) -> float | None:
    value: Any = data
    for name in path:
        value = value.get(name) if isinstance(value, dict) else None
    return float(value) if isinstance(value, int | float) else None


def _series(rows: Iterable[tuple[str, float | None]]) -> list[list[Any]]:
    return [[at, round(v, 2)] for at, v in rows if v is not None]


def history_charts(t: Any, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """ECharts options for a day of readings: speed and charge, 12 V, tyre pressures."""
    at = [f"{ensure_utc(r.device_time).astimezone(BEIJING):%Y-%m-%dT%H:%M:%S}" for r in rows]
    speed = _series(
        zip(at, (r.speed_kmh or _value(r.data, "obd", "vehicle_speed") for r in rows), strict=True)
    )
    soc = _series(zip(at, (_value(r.data, "soc") for r in rows), strict=True))
    volts = _series(
        zip(
            at,
            (_value(r.data, "lv_v") or _value(r.data, "obd", "module_voltage") for r in rows),
            strict=True,
        )
    )
    tyres = {
        w: _series(zip(at, (_tyre(r.data, w) for r in rows), strict=True))
        for w in ("fl", "fr", "rl", "rr")
    }
    charts = []
    for key, series, unit in (
        ("speed", {t("page.history.speed"): speed, t("page.history.soc"): soc}, ""),
        ("lv", {t("page.history.lv"): volts}, "V"),
        ("tyres", {t(f"page.health.wheel.{w}"): v for w, v in tyres.items()}, "kPa"),
    ):
        if any(series.values()):
            charts.append({"key": key, "option": _chart(series, unit)})
    return charts


def _tyre(data: dict[str, Any], wheel: str) -> float | None:
    pair = (data.get("tyres") or {}).get(wheel)
    return float(pair[0]) if isinstance(pair, list) and pair else None


def _chart(series: dict[str, list[list[Any]]], unit: str) -> dict[str, Any]:
    names = [n for n, data in series.items() if data]
    return {
        "grid": {"left": 8, "right": 16, "top": 32, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "legend": {"data": names, "top": 0},
        "xAxis": {"type": "time"},
        "yAxis": {"type": "value", "name": unit, "scale": True},
        "series": [
            {"name": n, "type": "line", "showSymbol": False, "data": series[n]} for n in names
        ],
    }


def _day(ctx: WebContext, state: VehicleState | None) -> date:
    text = ctx.request.query_params.get("day") or ""
    try:
        return date.fromisoformat(text)
    except ValueError:
        latest = ensure_utc(state.device_time) if state is not None else utc_now()
        return latest.astimezone(BEIJING).date()


@router.get("/staff/telematics/vehicles/{vehicle_id}", response_model=None)
def vehicle_history(ctx: FleetDesk, vehicle_id: uuid.UUID) -> Response:
    car = ctx.session.get(Vehicle, vehicle_id)
    if car is None:
        raise NotFound()
    state = ctx.session.get(VehicleState, car.id)
    day = _day(ctx, state)
    start = datetime(day.year, day.month, day.day, tzinfo=BEIJING)
    rows, total = day_readings(ctx.session, car.id, start, start + timedelta(days=1))
    alerts = ctx.session.scalars(
        select(Alert).where(Alert.vehicle_id == car.id).order_by(Alert.raised_at.desc()).limit(50)
    ).all()
    return ctx.render(
        "telematics/vehicle_history.html",
        car=car,
        state=state,
        day=day,
        prev_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        readings=total,
        charts=history_charts(ctx.t, rows),
        alerts=alerts,
        requests=care.of_vehicle(ctx.session, car.id),
        devices=devices.of_vehicle(ctx.session, car.id),
    )
