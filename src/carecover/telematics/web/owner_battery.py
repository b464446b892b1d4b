"""The owner's monthly battery report (D4): state of health by month with its band, the fade
trend and when it reaches 80 %, anomalies and advice, charted with ECharts (a table without
JavaScript); "refresh now" recomputes this month."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from carecover.platform.web.deps import CheckedContext, OwnerPage, WebContext
from carecover.telematics.models import BatteryReport
from carecover.telematics.service import battery_reports, care
from carecover.vehicles.models import Vehicle

router = APIRouter(include_in_schema=False)
EOL_PCT = battery_reports.RULES.eol_soh_pct
PROJECT_MONTHS = 24
"""How far the trend is drawn ahead when it does not reach 80 % within the horizon."""


def _car(ctx: WebContext, vehicle_id: uuid.UUID) -> Vehicle:
    return care.vehicle_for(ctx.session, ctx.actor(), vehicle_id)


def _shift(month: date, months: int) -> date:
    n = month.year * 12 + month.month - 1 + months
    return date(n // 12, n % 12 + 1, 1)


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def trend_line(reports: Sequence[BatteryReport]) -> list[list[Any]]:
    """Two points of the latest report's fade line: its first month and the 80 % crossing
    (or ``PROJECT_MONTHS`` ahead when it does not cross)."""
    good = [r for r in reports if r.soh_pct is not None]
    latest = reports[-1] if reports else None
    if not good or latest is None or not latest.trend:
        return []
    trend, last = latest.trend, good[-1].month
    slope, now = float(trend["slope_pp_per_year"]) / 12.0, float(trend["soh_now_pct"])
    window = int(trend.get("window_months") or 18)
    first = max(good[0].month, _shift(last, -(window - 1)))
    crosses = trend.get("crosses_on")
    end = date.fromisoformat(crosses) if crosses else _shift(last, PROJECT_MONTHS)
    if end <= last:
        end = _shift(last, 1)

    def at(month: date) -> float:
        return round(now + slope * _months_between(last, month), 2)

    return [[first.isoformat(), at(first)], [end.isoformat(), at(end)]]


def _line(name: str, data: list[list[Any]], **style: Any) -> dict[str, Any]:
    return {"name": name, "type": "line", "data": data, **style}


def soh_chart(t: Callable[..., str], reports: Sequence[BatteryReport]) -> dict[str, Any] | None:
    """The ECharts option: SOH per month, its 95 % band, the trend and the 80 % line."""
    good = [r for r in reports if r.soh_pct is not None and r.low_pct is not None]
    if not good:
        return None
    month = [r.month.isoformat() for r in good]
    soh_v = [round(r.soh_pct or 0.0, 2) for r in good]
    low_v = [round(r.low_pct or 0.0, 2) for r in good]
    width_v = [round((r.high_pct or 0.0) - (r.low_pct or 0.0), 2) for r in good]
    trend = trend_line(reports)
    floor = math.floor(min([*low_v, *(float(p[1]) for p in trend), EOL_PCT]) - 2.0)
    soh, band, fade = t("page.battery.soh"), t("page.battery.band"), t("page.battery.trend")
    hidden = {"opacity": 0}
    eol = {
        "symbol": "none",
        "silent": True,
        "lineStyle": {"color": "#b91c1c", "type": "dashed"},
        "label": {"formatter": t("page.battery.eol", pct=f"{EOL_PCT:.0f}")},
        "data": [{"yAxis": EOL_PCT}],
    }
    grey = "#475569"
    series = [
        _line("low", [[m, v] for m, v in zip(month, low_v, strict=True)], stack="band",
              symbol="none", lineStyle=hidden, tooltip={"show": False}),
        _line(band, [[m, v] for m, v in zip(month, width_v, strict=True)], stack="band",
              symbol="none", lineStyle=hidden, areaStyle={"color": "#99f6e4", "opacity": 0.6}),
        _line(soh, [[m, v] for m, v in zip(month, soh_v, strict=True)],
              itemStyle={"color": "#0f766e"}, markLine=eol),
        _line(fade, trend, symbol="none", lineStyle={"type": "dashed", "color": grey},
              itemStyle={"color": grey}),
    ]  # fmt: skip
    return {
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [soh, band, fade], "top": 0},
        "xAxis": {"type": "time"},
        "yAxis": {"type": "value", "min": floor, "max": 102},
        "series": series,
    }


def _page(ctx: WebContext, car: Vehicle, *, refreshed: bool = False) -> Response:
    reports = battery_reports.reports_of(ctx.session, car.id, limit=36)
    latest = next((r for r in reversed(reports) if r.soh_pct is not None), None)
    return ctx.render(
        "telematics/battery.html",
        car=car,
        capacity=battery_reports.capacity_of(car),
        reports=reports,
        latest=latest,
        last=reports[-1] if reports else None,
        chart=soh_chart(ctx.t, reports),
        refreshed=refreshed,
    )


@router.get("/owner/cars/{vehicle_id}/battery", response_model=None)
def battery_page(ctx: OwnerPage, vehicle_id: uuid.UUID) -> Response:
    return _page(ctx, _car(ctx, vehicle_id), refreshed=ctx.request.query_params.get("done") == "1")


@router.post("/owner/cars/{vehicle_id}/battery/refresh", response_model=None)
def refresh(ctx: CheckedContext, vehicle_id: uuid.UUID) -> Response:
    """Run now: this month's report (and any month before it that has none yet)."""
    car = _car(ctx, vehicle_id)
    battery_reports.run_for_vehicle(ctx.session, car.id)
    return RedirectResponse(f"/owner/cars/{car.id}/battery?done=1", status_code=303)
