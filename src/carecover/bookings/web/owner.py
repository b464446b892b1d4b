"""The owner books a wash or maintenance: pick the service → nearby locations with their next
open slots → pick a slot → confirm ("covered by your package" or the price to accept); "my
bookings" with cancel (HTMX); the slots offered for a maintenance reminder."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse, Response

from carecover.benefits import service as benefits
from carecover.bookings import permissions, service
from carecover.bookings.enums import BOOKABLE, BookingStatus
from carecover.bookings.models import Booking
from carecover.bookings.service import offers, views
from carecover.bookings.service.search import offered
from carecover.bookings.service.slots import slot_at
from carecover.bookings.web import common
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.errors import AppError, FieldProblem, InvalidFields
from carecover.platform.web.deps import CheckedContext, OwnerPage, WebContext

router = APIRouter(include_in_schema=False)

Lat = Annotated[float | None, Query(ge=-90, le=90, allow_inf_nan=False)]
Lng = Annotated[float | None, Query(ge=-180, le=180, allow_inf_nan=False)]
Text = Annotated[str | None, Query(max_length=60)]
CANCEL_REASONS = ("plans_changed", "another_time", "went_elsewhere", "other")
ACTIVE = (BookingStatus.booked, BookingStatus.checked_in)


def _cards(ctx: WebContext, rows: list[Booking]) -> list[dict[str, Any]]:
    now = utc_now()
    names = views.location_names(ctx.session, rows)
    return [
        {
            "b": b,
            "site": names.get(b.location_id, ""),
            "when": views.local(b.starts_at),
            "cutoff": views.local(service.cancel_cutoff(b)),
            "in_time": now <= service.cancel_cutoff(b),
            "cancellable": b.status is BookingStatus.booked and now < ensure_utc(b.starts_at),
        }
        for b in rows
    ]


@router.get("/owner/bookings", response_model=None)
def my_bookings(ctx: OwnerPage) -> Response:
    owner = common.customer(ctx)
    rows = service.of_customer(ctx.session, owner.id)
    now = utc_now()
    upcoming = [b for b in rows if b.status in ACTIVE and ensure_utc(b.ends_at) >= now]
    past = [b for b in rows if b not in upcoming]
    return ctx.render(
        "bookings/mine.html",
        upcoming=_cards(ctx, sorted(upcoming, key=lambda b: b.starts_at)),
        past=_cards(ctx, past),
        offers=views.offers_read(
            ctx.session, offers.open_for_owner(ctx.session, ctx.actor()), now=now
        ),
        local=views.local,
        reasons=CANCEL_REASONS,
        booked=ctx.request.query_params.get("booked"),
    )


@router.get("/owner/bookings/new", response_model=None)
def new_booking(
    ctx: OwnerPage,
    service_name: Annotated[str | None, Query(alias="service", max_length=40)] = None,
    vehicle_id: Text = None,
    lat: Lat = None,
    lng: Lng = None,
) -> Response:
    """Step 1: the service and the car; step 2 (with both): nearby locations and open slots."""
    owner = common.customer(ctx)
    cars = common.cars_of(ctx, owner)
    chosen = common.service_of(service_name)
    wanted = common.optional_uuid(vehicle_id)
    car = next((c for c in cars if c.id == wanted), cars[0] if len(cars) == 1 else None)
    point, source = common.position(ctx, car, owner, lat, lng)
    found, decision = [], None
    if chosen is not None and car is not None and point is not None:
        found = service.nearby(
            ctx.session, chosen, point, now=utc_now(), limit=5, days=7, per_location=4
        )
        decision = benefits.check(ctx.session, car.id, chosen)
    return ctx.render(
        "bookings/new.html",
        services=BOOKABLE,
        chosen=chosen,
        cars=cars,
        car=car,
        point=point,
        source=source,
        found=found,
        decision=decision,
        lat=lat,
        lng=lng,
        local=views.local,
    )


def _confirm(
    ctx: WebContext,
    *,
    vehicle_id: uuid.UUID,
    location_id: uuid.UUID,
    service_name: str | None,
    at: object,
    offer_id: uuid.UUID | None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    chosen = common.service_of(service_name)
    car = permissions.vehicle_for(ctx.session, ctx.actor(), vehicle_id)
    if chosen is None:
        return ctx.render("bookings/confirm.html", slot=None, error=error, status_code=422)
    bookable, site, partner = offered(ctx.session, location_id, chosen)
    slot = slot_at(ctx.session, bookable, common.slot_time(at))
    return ctx.render(
        "bookings/confirm.html",
        car=car,
        site=site,
        partner=partner,
        bookable=bookable,
        slot=slot,
        when=views.local(slot.starts_at),
        until=views.local(slot.ends_at)[-5:],
        decision=benefits.check(ctx.session, car.id, chosen, at=slot.starts_at),
        at=int(slot.starts_at.timestamp()),
        offer_id=offer_id,
        cutoff=views.local(slot.starts_at - service.CANCEL_CUTOFF),
        error=error,
        status_code=status_code,
    )


@router.get("/owner/bookings/confirm", response_model=None)
def confirm_page(
    ctx: OwnerPage,
    vehicle_id: Text = None,
    location_id: Text = None,
    service_name: Annotated[str | None, Query(alias="service", max_length=40)] = None,
    at: Text = None,
    offer_id: Text = None,
) -> Response:
    """Step 3: the slot, the car and what it costs; the owner confirms."""
    try:
        return _confirm(
            ctx,
            vehicle_id=common.uuid_of(vehicle_id, "vehicle_id"),
            location_id=common.uuid_of(location_id, "location_id"),
            service_name=service_name,
            at=at,
            offer_id=common.optional_uuid(offer_id),
        )
    except AppError as exc:
        return ctx.render(
            "bookings/confirm.html",
            slot=None,
            error=common.error_text(ctx, exc),
            status_code=exc.status_code,
        )


@router.post("/owner/bookings", response_model=None)
async def book(ctx: CheckedContext) -> Response:
    common.customer(ctx)
    form = await ctx.request.form()
    accept = form.get("accept_price") == "yes"
    offer_id = common.optional_uuid(form.get("offer_id"))
    try:
        vehicle_id = common.uuid_of(form.get("vehicle_id"), "vehicle_id")
        location_id = common.uuid_of(form.get("location_id"), "location_id")
        chosen = common.service_of(str(form.get("service") or ""))
        if chosen is None:
            raise InvalidFields(FieldProblem("service", "booking.bad_service"))
        start = common.slot_time(form.get("at"))
        if offer_id is not None:
            made = offers.confirm(
                ctx.session, ctx.actor(), offer_id, starts_at=start, accept_price=accept
            )
        else:
            made = service.book(
                ctx.session,
                ctx.actor(),
                vehicle_id=vehicle_id,
                location_id=location_id,
                service=chosen,
                starts_at=start,
                accept_price=accept,
            )
    except AppError as exc:
        ctx.session.rollback()
        message = common.error_text(ctx, exc)
        try:
            return _confirm(
                ctx,
                vehicle_id=common.uuid_of(form.get("vehicle_id"), "vehicle_id"),
                location_id=common.uuid_of(form.get("location_id"), "location_id"),
                service_name=str(form.get("service") or ""),
                at=form.get("at"),
                offer_id=offer_id,
                error=message,
                status_code=exc.status_code,
            )
        except AppError:
            return ctx.render(
                "bookings/confirm.html", slot=None, error=message, status_code=exc.status_code
            )
    return RedirectResponse(f"/owner/bookings/{made.id}?booked=1", status_code=303)


@router.get("/owner/bookings/offers/{offer_id}", response_model=None)
def offer_page(ctx: OwnerPage, offer_id: uuid.UUID) -> Response:
    """The slots offered for a maintenance reminder, and the shop's other open slots."""
    found = offers.get_for(ctx.session, ctx.actor(), offer_id)
    read = views.offer_read(ctx.session, found, now=utc_now())
    return ctx.render("bookings/offer.html", offer=found, read=read, local=views.local)


def _detail(
    ctx: WebContext, booking: Booking, *, error: str | None = None, status_code: int = 200
) -> Response:
    template = "bookings/_booking_card.html" if ctx.is_htmx else "bookings/booking.html"
    return ctx.render(
        template,
        card=_cards(ctx, [booking])[0],
        reasons=CANCEL_REASONS,
        local=views.local,
        booked=ctx.request.query_params.get("booked"),
        error=error,
        status_code=status_code,
    )


@router.get("/owner/bookings/{booking_id}", response_model=None)
def booking_page(ctx: OwnerPage, booking_id: uuid.UUID) -> Response:
    return _detail(ctx, permissions.booking_to_read(ctx.session, ctx.actor(), booking_id))


@router.post("/owner/bookings/{booking_id}/cancel", response_model=None)
async def cancel(ctx: CheckedContext, booking_id: uuid.UUID) -> Response:
    """Cancel (HTMX swaps the booking's card); 2 h ahead the entitlement comes back."""
    common.customer(ctx)
    form = await ctx.request.form()
    reason = str(form.get("reason") or "")
    reason = reason if reason in CANCEL_REASONS else "other"
    try:
        done = service.cancel(ctx.session, ctx.actor(), booking_id, reason=reason)
    except AppError as exc:
        ctx.session.rollback()
        found = permissions.booking_to_read(ctx.session, ctx.actor(), booking_id)
        status = 200 if ctx.is_htmx else exc.status_code  # HTMX swaps 2xx answers only
        return _detail(ctx, found, error=common.error_text(ctx, exc), status_code=status)
    if ctx.is_htmx:
        return _detail(ctx, done)
    return RedirectResponse(f"/owner/bookings/{done.id}", status_code=303)
