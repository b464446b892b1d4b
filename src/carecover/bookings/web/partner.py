"""The partner's day of bookings at its locations, with check-in, complete and no-show buttons
(HTMX swaps the row; without JavaScript the form posts and the page reloads)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from carecover.bookings import permissions, service
from carecover.bookings.enums import BookingStatus
from carecover.bookings.models import Booking
from carecover.bookings.service import views
from carecover.bookings.service.slots import local_day
from carecover.bookings.service.work import CHECK_IN_EARLY, NO_SHOW_GRACE
from carecover.bookings.web import common
from carecover.partners.models import PartnerLocation
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.crypto import mask_plate
from carecover.platform.errors import AppError
from carecover.platform.web.deps import CheckedContext, PartnerPage, WebContext
from carecover.vehicles.models import Vehicle
from carecover.vehicles.service import plate_of

router = APIRouter(include_in_schema=False)

STEPS: dict[str, Callable[..., Booking]] = {
    "check-in": service.check_in,
    "complete": service.complete,
    "no-show": service.no_show,
}


def _row(
    ctx: WebContext, booking: Booking, site: PartnerLocation, car: Vehicle | None
) -> dict[str, Any]:
    now = utc_now()
    start = ensure_utc(booking.starts_at)
    plate = plate_of(car) if car is not None else None
    booked = booking.status is BookingStatus.booked
    return {
        "b": booking,
        "site": site.name,
        "when": views.local(booking.starts_at)[-5:],
        "until": views.local(booking.ends_at)[-5:],
        "car": f"{car.make} {car.model}" if car is not None else "—",
        "plate": mask_plate(plate) if plate else "—",
        "can_check_in": booked and now >= start - CHECK_IN_EARLY,
        "can_complete": booking.status is BookingStatus.checked_in,
        "can_no_show": booked and now >= start + NO_SHOW_GRACE,
    }


def _cars(ctx: WebContext, rows: list[Booking]) -> dict[uuid.UUID, Vehicle]:
    ids = {b.vehicle_id for b in rows}
    if not ids:
        return {}
    return {v.id: v for v in ctx.session.scalars(select(Vehicle).where(Vehicle.id.in_(ids)))}


@router.get("/partner/bookings", response_model=None)
def day_page(
    ctx: PartnerPage,
    day: Annotated[date | None, Query(alias="date")] = None,
    error: Annotated[str | None, Query(pattern=r"^[a-z_]{1,60}$")] = None,
) -> Response:
    """Today's bookings (or another day's) at every location of the signed-in partner."""
    shown = day or local_day(utc_now())
    pairs = service.partner_day(ctx.session, ctx.actor(), shown)
    cars = _cars(ctx, [b for b, _ in pairs])
    rows = [_row(ctx, b, site, cars.get(b.vehicle_id)) for b, site in pairs]
    counts = {s: sum(1 for r in rows if r["b"].status is s) for s in BookingStatus}
    return ctx.render(
        "bookings/partner_day.html",
        rows=rows,
        day=shown,
        today=local_day(utc_now()),
        previous=shown - timedelta(days=1),
        following=shown + timedelta(days=1),
        counts=counts,
        error=ctx.t(f"error.{error}") if error else None,
    )


@router.post("/partner/bookings/{booking_id}/{step}", response_model=None)
async def work(ctx: CheckedContext, booking_id: uuid.UUID, step: str) -> Response:
    """Check the car in, complete the work or mark a no-show."""
    action = STEPS.get(step)
    booking = permissions.booking_to_work(ctx.session, ctx.actor(), booking_id)
    day = local_day(booking.starts_at)
    error, code = None, None
    if action is None:
        error, code = ctx.t("error.not_found"), "not_found"
    else:
        try:
            booking = action(ctx.session, ctx.actor(), booking_id)
        except AppError as exc:
            ctx.session.rollback()
            booking = permissions.booking_to_work(ctx.session, ctx.actor(), booking_id)
            error, code = common.error_text(ctx, exc), exc.code
    if not ctx.is_htmx:
        back = f"/partner/bookings?date={day.isoformat()}" + (f"&error={code}" if code else "")
        return RedirectResponse(back, status_code=303)
    site = ctx.session.get(PartnerLocation, booking.location_id)
    assert site is not None  # booking_to_work found it
    car = ctx.session.get(Vehicle, booking.vehicle_id)
    return ctx.render("bookings/_partner_row.html", r=_row(ctx, booking, site, car), error=error)
