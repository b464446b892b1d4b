"""The owner's trips and driving score (F1) and maintenance (F4): the trips list and a trip's
figures, the score's monthly trend (ECharts; a table without JavaScript) with the month's report,
its UBI proposal and hints, the due maintenance items with "book" (a care request) and "done",
and the summary card the car health page loads."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from carecover.customers import repository as customers
from carecover.platform.clock import utc_now
from carecover.platform.errors import NotFound
from carecover.platform.web.deps import CheckedContext, OwnerPage, WebContext
from carecover.telematics.models import DrivingMonth, Trip
from carecover.telematics.service import driving, maintenance, reminders, trips
from carecover.telematics.service.maintenance import MaintenanceInputError
from carecover.telematics.service.trip_log import LOCAL, month_of
from carecover.vehicles.models import Vehicle

router = APIRouter(include_in_schema=False)
PAGE = 20
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
BOOK_URL = "/owner/cars/{id}/care-requests"
"""The care request a "book" button posts to (kind, reminder_key): see ``web.owner_actions``."""


def _car(ctx: WebContext, vehicle_id: uuid.UUID) -> Vehicle:
    car = ctx.session.get(Vehicle, vehicle_id)
    owner = customers.get_by_user(ctx.session, ctx.principal.user_id) if ctx.principal else None
    if car is None or owner is None or car.owner_id != owner.id:
        raise NotFound()
    return car


def trend_chart(t: Callable[..., str], rows: Sequence[DrivingMonth]) -> dict[str, Any] | None:
    """The ECharts option: the monthly score (line, 0-100) over the month's km (bars)."""
    if not rows:
        return None
    shown = [(r.month, driving.figures(r)) for r in rows]
    score, km = t("page.driving.score"), t("page.driving.km")
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [score, km], "bottom": 0},
        "grid": {"left": 8, "right": 8, "top": 28, "bottom": 32, "containLabel": True},
        "xAxis": {"type": "category", "data": [m for m, _ in shown]},
        "yAxis": [
            {"type": "value", "name": score, "min": 0, "max": 100},
            {"type": "value", "name": km, "splitLine": {"show": False}},
        ],
        "series": [
            {
                "name": km,
                "type": "bar",
                "yAxisIndex": 1,
                "data": [round(f.distance_km, 1) for _, f in shown],
                "itemStyle": {"color": "#99d5cf"},
            },
            {
                "name": score,
                "type": "line",
                "data": [f.score for _, f in shown],
                "itemStyle": {"color": "#0f766e"},
                "connectNulls": True,
            },
        ],
    }


@router.get("/owner/cars/{vehicle_id}/trips", response_model=None)
def trips_page(ctx: OwnerPage, vehicle_id: uuid.UUID, offset: int = 0) -> Response:
    car, now = _car(ctx, vehicle_id), utc_now()
    offset = max(0, offset)
    found = driving.trips_of(ctx.session, car.id, limit=PAGE + 1, offset=offset)
    month = month_of(now)
    return ctx.render(
        "telematics/trips.html",
        car=car,
        trips=found[:PAGE],
        more=len(found) > PAGE,
        offset=offset,
        page=PAGE,
        month=month,
        report=driving.report(ctx.session, car, month, now),
        tz=LOCAL,
    )


@router.get("/owner/cars/{vehicle_id}/trips/{trip_id}", response_model=None)
def trip_page(ctx: OwnerPage, vehicle_id: uuid.UUID, trip_id: uuid.UUID) -> Response:
    car = _car(ctx, vehicle_id)
    trip = ctx.session.get(Trip, trip_id)
    if trip is None or trip.vehicle_id != car.id:
        raise NotFound()
    per100 = 100.0 / max(trip.distance_km, 1.0)
    return ctx.render("telematics/trip.html", car=car, trip=trip, per100=per100, tz=LOCAL)


@router.get("/owner/cars/{vehicle_id}/driving", response_model=None)
def driving_page(ctx: OwnerPage, vehicle_id: uuid.UUID, month: str | None = None) -> Response:
    car, now = _car(ctx, vehicle_id), utc_now()
    if month is not None and not MONTH.match(month):
        raise NotFound()
    rows = driving.months(ctx.session, car.id)
    chosen = month or (rows[-1].month if rows else month_of(now))
    report = driving.report(ctx.session, car, chosen, now)
    return ctx.render(
        "telematics/driving.html",
        car=car,
        month=chosen,
        months=[r.month for r in rows],
        rows=[(r.month, driving.figures(r)) for r in rows],
        report=report,
        policy=driving.renewal_policy(ctx.session, car.id),
        chart=trend_chart(ctx.t, rows),
        min_km=trips.UBI_MIN_KM,
        book_url=BOOK_URL.format(id=car.id),
        tz=LOCAL,
    )


def _maintenance(
    ctx: WebContext,
    car: Vehicle,
    *,
    error: str | None = None,
    recorded: bool = False,
    status_code: int = 200,
) -> Response:
    today = reminders.local_today(utc_now())
    problem = None
    try:
        due = reminders.due_for(ctx.session, car, today)
    except MaintenanceInputError as exc:
        due, problem = None, ctx.t(exc.key, **exc.params)
    plan = maintenance.schedule(car.powertrain, car.make)
    return ctx.render(
        "telematics/maintenance.html",
        car=car,
        due=due,
        today=today,
        items=[item.value for item in maintenance.Item if item in plan],
        records=reminders.recent_records(ctx.session, car.id),
        problem=problem,
        error=error,
        recorded=recorded,
        book_url=BOOK_URL.format(id=car.id),
        status_code=status_code,
    )


@router.get("/owner/cars/{vehicle_id}/maintenance", response_model=None)
def maintenance_page(ctx: OwnerPage, vehicle_id: uuid.UUID, recorded: int = 0) -> Response:
    return _maintenance(ctx, _car(ctx, vehicle_id), recorded=bool(recorded))


@router.post("/owner/cars/{vehicle_id}/maintenance/records", response_model=None)
async def record_service(ctx: CheckedContext, vehicle_id: uuid.UUID) -> Response:
    """The owner says which items were serviced, on which day, at what odometer."""
    car = _car(ctx, vehicle_id)
    form = await ctx.request.form()
    items = [str(v) for v in form.getlist("item")]
    try:
        done_on = date.fromisoformat(str(form.get("done_on") or ""))
        km = int(str(form.get("odometer_km") or ""))
    except ValueError:
        return _maintenance(ctx, car, error=ctx.t("maintenance.error.form"), status_code=422)
    try:
        reminders.record_done(ctx.session, car, items, done_on, km, utc_now())
    except MaintenanceInputError as exc:
        ctx.session.rollback()
        return _maintenance(ctx, car, error=ctx.t(exc.key, **exc.params), status_code=422)
    url = f"/owner/cars/{car.id}/maintenance?recorded=1"
    return ctx.apply_cookies(RedirectResponse(url, status_code=303))


@router.get("/owner/cars/{vehicle_id}/care-summary", response_model=None)
def care_summary(ctx: OwnerPage, vehicle_id: uuid.UUID) -> Response:
    """The card on the car health page: this month's driving and the next maintenance."""
    car, now = _car(ctx, vehicle_id), utc_now()
    month = month_of(now)
    try:
        due = reminders.due_for(ctx.session, car, reminders.local_today(now))
    except MaintenanceInputError:
        due = None
    return ctx.render(
        "telematics/_care_summary.html",
        car=car,
        month=month,
        report=driving.report(ctx.session, car, month, now),
        due=due,
        book_url=BOOK_URL.format(id=car.id),
    )
